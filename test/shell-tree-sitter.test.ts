/**
 * The tree-sitter reading of RUN scripts (src/shell/tree-sitter/read.ts) must be mvdan/sh's reading, spans included,
 * whenever it gives one; when it is not sure it gives none and mvdan/sh parses. Held on every RUN script of the
 * fixtures and the corpus, on scripts generated from a grammar of RUN lines, and on shapes where tree-sitter's
 * bash grammar is known to go astray.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadTreeSitterReader } from '../src/io/shell-reader.js';
import { continuedScript, script } from './helpers/shell-scripts.js';
import { disagreementWithMvdan } from './helpers/agreement.js';
import { fixtureAndCorpusRunScripts } from './helpers/run-scripts.js';
import { mvdan, shell } from './helpers/shell.js';

const treeSitter = await loadTreeSitterReader();
const readWithTreeSitter = (script: string) => treeSitter!.read(script);

/** null when the readings agree or tree-sitter gave none; else what differs. */
const disagreement = disagreementWithMvdan(readWithTreeSitter, 'tree-sitter');

/** Holds the property on `runs` scripts from `scripts`; how many tree-sitter read. */
function agreementOn(scripts: fc.Arbitrary<string>, runs: number): number {
  let read = 0;
  fc.assert(
    fc.property(scripts, (source) => {
      if (readWithTreeSitter(source)) read++;
      const differs = disagreement(source);
      if (differs) throw new Error(differs);
    }),
    { numRuns: runs },
  );
  return read;
}

describe('reading RUN scripts with tree-sitter', () => {
  it('loads the grammar', () => {
    expect(treeSitter).not.toBeNull();
  });

  it("the command line's reader (tree-sitter, then mvdan/sh for what it leaves) reads every RUN script of the fixtures and the corpus as mvdan/sh does", () => {
    const { scripts } = fixtureAndCorpusRunScripts();
    for (const { where, source } of scripts) expect(shell.read(source), where).toStrictEqual(mvdan.read(source));
    // A script tree-sitter leaves, and one the shell rejects (worded by mvdan/sh, with its line).
    for (const source of ['cat <<EOF > /f\nx\nEOF', 'echo ok\nfi']) expect(shell.read(source)).toStrictEqual(mvdan.read(source));
    expect(shell.read('echo ok\nfi')).toEqual({ ok: false, error: expect.any(String), line: 2 });
  });

  it('reads the RUN scripts of the fixtures and the corpus as mvdan/sh does, and gives up on few', (context) => {
    const { scripts, corpus } = fixtureAndCorpusRunScripts();
    let read = 0;
    for (const { where, source } of scripts) {
      expect(disagreement(source), where).toBeNull();
      if (readWithTreeSitter(source)) read++;
    }
    expect(scripts.length).toBeGreaterThan(corpus ? 200 : 20);
    // Giving up is always safe, so a reader that gave up everywhere would pass the line above: it must not.
    expect(read / scripts.length).toBeGreaterThan(0.95);
    context.annotate?.(`${read} of ${scripts.length} scripts read by tree-sitter`);
  });

  it('agrees with mvdan/sh on generated scripts, or gives up', () => {
    // The generator mixes in shapes left to mvdan/sh (here-documents, `[[`, `((`), and long scripts meet one
    // often; still a good share must be read, or the property says little.
    expect(agreementOn(script, 1500)).toBeGreaterThan(150);
  });

  it('agrees with mvdan/sh on generated scripts broken over lines, or gives up', () => {
    // Fewer are read: a continuation inside double quotes, or next to a shape left to mvdan/sh, is enough to leave
    // a whole script to it.
    expect(agreementOn(continuedScript, 1000)).toBeGreaterThan(40);
  });

  it.each([
    ['a | b && c', 'BinaryCmd'],
    ['apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*', 'BinaryCmd'],
    ['set -eux; arch="$(dpkg --print-architecture)"; case "${arch##*-}" in amd64) A=x64;; *) exit 1;; esac', 'CallExpr'],
    ['if [ -f /x ]; then echo "${A:-b}" >&2; else rm -f /x; fi', 'IfClause'],
    ['for p in a b; do pip install "$p" || exit 1; done', 'ForClause'],
    ['export PATH="/opt/bin:$PATH" GOFLAGS=-mod=vendor && go build -o /out ./...', 'BinaryCmd'],
    ['echo >&2 "error: $X" 2>/dev/null | tee -a /log', 'BinaryCmd'],
  ])('reads a common shape: %s', (source, type) => {
    const tree = readWithTreeSitter(source);
    expect(tree?.stmts[0]?.cmd?.type).toBe(type);
    expect(disagreement(source)).toBeNull();
  });

  it.each([
    // where the bash grammar is known to read otherwise than the shell
    ['an escaped blank standing alone as a word (dropped by the grammar)', 'apt-get \\  x'],
    ['an assignment running into the command name', 'A=0`id -u`"" apt-get'],
    ['a function followed by && (mvdan/sh takes both as the body)', 'f() { a; } && b'],
    ['an arithmetic command under !', '! ((x++))'],
    ['a reserved word as a command (a syntax error for the shell)', 'a # c && for i in ; do b\nc; done'],
    ['line continuations where quotes or comments may hide them', "apt-get install \\\n  'curl' # x"],
    ['here-documents', 'cat <<EOF > /f\nx\nEOF'],
    ['two backquoted substitutions in one word', 'echo `a``b`'],
  ])('gives up on %s', (_, source) => {
    expect(readWithTreeSitter(source)).toBeNull();
  });

  // Found by a review that fuzzed the reader (about 400,000 scripts): each was misread before it was mended.
  it.each([
    ['# after an expansion or a quote (mvdan/sh starts a comment there)', 'pip install git+https://github.com/x/y@${REF}#egg=y && echo ok'],
    ['# after an expansion in sed', 'sed -i s#$OLD#$NEW#g /etc/f'],
    ['# after a quote', "echo 'a'#b"],
    ['# after a parameter', 'export a=$b#c && c'],
    ['[ inside a ${…} word (no literal split there)', 'echo ${PYTHON_VERSION%.[0-9]*}'],
    ['[ inside a quoted ${…} word', 'echo "${a%"${a##*[!/]}"}"'],
    ['a descriptor the grammar does not take', 'exec 0</dev/null'],
    ['a named descriptor', 'exec {fd}>/tmp/lock'],
    ['a descriptor after a quoted word', 'echo "x"2>/dev/null'],
    ['! touching a word', 'if ![ -d /x ]; then mkdir /x; fi'],
    ['! as an extended glob', '!(a)'],
    ['{} empty', 'f() {}'],
    ['{ touching a word', '{a; }'],
    ['} touching a word', '{ a; }#c'],
    ['] touching a word', '[ a ]# c'],
    ['a newline inside [ ]', '[ -f \nx ] && a'],
    ['an assignment to a name that is not one', '2b=x c'],
    ['a non-ASCII name', 'é=1'],
    ['export of a flag-like name', 'export --a=b'],
    ['export of a name starting with a digit', 'export A= 1for'],
    ['CRLF continuations', 'echo "a \\\r\nb"'],
    ['an escaped blank first', '\\  a'],
    ['a form feed first', '\fecho a'],
    ['a byte order mark first', '\ufeffecho a'],
    ['for split over lines', 'for\ni in a; do b; done'],
    ['for without in', 'for i inx a; do c; done'],
    ['case split over lines', 'case\na in a) b;; esac'],
    ['case without in', 'case a inx) b;; esac'],
    ['an empty then', 'if a; then elif c; then d; fi'],
    ['an empty do', 'while a; do done'],
    ['a redirection as a destination', 'a > 2>&1'],
    ['<> then a process substitution', 'a <>(b)'],
    ['do touching a word', 'for i in a b; do$i; done'],
    ['esac as an argument', 'case $a in y|z ) c esac'],
    ['a syntax error inside $( )', 'echo $( then f)'],
    ['a pattern that is not a word', 'case "$a" in $  amd64) A=x;; esac'],
    ['a pattern split over lines', 'case $a in x\n) b;; esac'],
    ['for words on the next line', 'for i in  \n a b; do c $i; done'],
    ['a function head split over lines', 'f( \n ) { a; }'],
    ['a slice with no offset', 'echo ${d: }'],
    ['a NUL byte', 'echo a\u0000'],
    ['<> with a descriptor, then a process substitution', 'a 2<>(b)'],
  ])('does not misread: %s', (_, source) => {
    expect(disagreement(source)).toBeNull();
  });

  it.each([
    'pip install git+https://github.com/x/y@${REF}#egg=y && echo ok',
    'sed -i s#$OLD#$NEW#g /etc/f',
    "echo 'a'#b",
    'export a=$b#c && c',
    'echo $##',
    'for i in ""#x; do b; done',
  ])('reads a # inside a word as the shell does (mvdan/sh mended to agree): %s', (source) => {
    expect(readWithTreeSitter(source)).not.toBeNull();
    expect(disagreement(source)).toBeNull();
  });

  it('leaves a script to mvdan/sh when no stand-in for its # is free (it holds every control character)', () => {
    const controls = [...Array(32).keys()]
      .filter((code) => code !== 0 && (code < 9 || code > 13))
      .map((code) => String.fromCharCode(code))
      .join('');
    const source = `echo x@\${REF}#egg=y && echo 'two${controls}'`;
    expect(readWithTreeSitter(source)).toBeNull();
    expect(readWithTreeSitter(source.replace('#', '-'))).not.toBeNull();
  });

  it('leaves `$(…)#` to mvdan/sh (whose comment there may break the script)', () => {
    expect(readWithTreeSitter('{ a $(b)#; }')).toBeNull();
  });

  it('reads around the grammar splitting a word at a $ on a long line', () => {
    const source = `true ${'x '.repeat(400)}; echo debuild-$target/nginx-$NGINX_VERSION/debian/control`;
    expect(readWithTreeSitter(source)).not.toBeNull();
    expect(disagreement(source)).toBeNull();
  });

  it('made no mistake of its own on any script above (a reader bug would otherwise pass for a give-up)', () => {
    expect(treeSitter!.mistakes()).toBe(0);
  });

  it('never throws: a script nested past the stack is left to mvdan/sh', () => {
    const deep = '('.repeat(5000) + 'true' + ')'.repeat(5000);
    expect(() => readWithTreeSitter(deep)).not.toThrow();
    expect(disagreement('('.repeat(50) + 'true' + ')'.repeat(50))).toBeNull();
  });

  it('keeps byte offsets when the script is not ASCII', () => {
    const source = 'echo "héllo ☃ 😀" && apt-get install -y curl > /tmp/ünï';
    expect(readWithTreeSitter(source)).not.toBeNull();
    expect(disagreement(source)).toBeNull();
  });
});
