/**
 * Shell scripts made by fast-check from a small grammar of what RUN lines are made of: commands with assignments,
 * quoted and expanded words and redirections, joined by `&&`, `||`, `|`, `;`, newlines and `&`, inside
 * if/while/for/case, blocks, subshells and functions. Used to hold two readers of the shell to one answer.
 */
import fc from 'fast-check';

const name = fc.constantFrom('A', 'B', 'HOME', 'PATH', 'x', 'VERSION', '_v2', '1', '@', '?', '#');
const bare = fc.stringMatching(/^[a-z0-9_./:,%+=@~*-]{1,8}$/).filter((s) => !/^[=~#]/.test(s) && !s.includes('='));
const dqText = fc.stringMatching(/^[a-z0-9 _./:'!-]{0,6}$/);

const expansion = fc.oneof(
  name.map((n) => `$${n}`),
  name.map((n) => `\${${n}}`),
  fc
    .tuple(fc.constantFrom('A', 'VERSION', 'x'), fc.constantFrom(':-', '-', ':+', '+', ':=', '%%', '%', '#', '##', '/'), fc.stringMatching(/^[a-z0-9.*]{0,4}$/))
    .map(([n, op, w]) => `\${${n}${op}${w}}`),
  fc.constantFrom('${#A}', '${!A}', '${A:1:2}', '${A[0]}', '${A^^}', '${A//x/y}', '${A:-$B}', '${A:-"q r"}'),
);

const substitution = fc.constantFrom('$(date)', '$(uname -m)', '`id -u`', '$((1 + 2))', '$(cat "f" | tr a b)');

const dqPart = fc.oneof(
  { weight: 3, arbitrary: dqText },
  { weight: 2, arbitrary: expansion },
  { weight: 1, arbitrary: substitution },
  fc.constantFrom('\\"', '\\$', '\\\\'),
);
const doubleQuoted = fc.array(dqPart, { maxLength: 4 }).map((parts) => `"${parts.join('')}"`);
const singleQuoted = fc.stringMatching(/^[a-z0-9 $"{}()_.*-]{0,8}$/).map((s) => `'${s}'`);

const wordPart = fc.oneof(
  { weight: 6, arbitrary: bare },
  { weight: 2, arbitrary: doubleQuoted },
  { weight: 1, arbitrary: singleQuoted },
  { weight: 2, arbitrary: expansion },
  { weight: 1, arbitrary: substitution },
  { weight: 1, arbitrary: fc.constantFrom("$'a\\tb'", '\\ ', '\\"', '{a,b}', '*.txt', '[ab]') },
  // `#` inside a word (`${REF}#egg=x`, `s#$A#b#`): text for the shell; a word never starts with one (filtered below)
  { weight: 1, arbitrary: fc.stringMatching(/^#[a-z0-9=#]{0,4}$/) },
);
export const word = fc
  .array(wordPart, { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join(''))
  .filter((w) => !/^[#]/.test(w) && w.trim() !== '' && !w.startsWith('\\\n'));

const commandName = fc.constantFrom('apt-get', 'echo', 'pip', 'npm', 'make', 'cd', 'rm', 'curl', 'tar', 'useradd', 'test', 'true', 'go', 'cargo', 'set', 'sh');
const assignment = fc
  .tuple(fc.constantFrom('A', 'DEBIAN_FRONTEND', 'x', 'CGO_ENABLED'), fc.option(word, { nil: '' }), fc.boolean())
  .map(([n, v, append]) => `${n}${append ? '+=' : '='}${v}`);
const redirect = fc.constantFrom('>/dev/null', '2>&1', '>> /var/log/x', '< /dev/null', '&>/dev/null', '>&2', '2>/dev/null', '> "$F"', '>out.txt');

const simple = fc
  .tuple(
    fc.array(assignment, { maxLength: 2 }),
    commandName,
    fc.array(word, { maxLength: 4 }),
    fc.array(redirect, { maxLength: 2 }),
    fc.array(word, { maxLength: 1 }),
  )
  .map(([assigns, cmd, args, redirs, after]) => [...assigns, cmd, ...args, ...redirs, ...after].join(' '));

const special = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('export', 'local', 'readonly', 'declare -x'),
      fc.array(fc.oneof(assignment, fc.constantFrom('B', '-x', '$C')), { minLength: 1, maxLength: 3 }),
    )
    .map(([k, a]) => `${k} ${a.join(' ')}`),
  fc.constantFrom(
    '[ -f /x ]',
    '[ "$A" = "b" ]',
    '[ -z "$(ls)" ]',
    '[[ -n $A ]]',
    'unset A B',
    'A=1',
    'A=1 B=$C',
    'time make',
    'let x=1',
    '((x++))',
    'cat <<EOF\nx\nEOF',
    'a <<< "b"',
    'coproc x',
  ),
);

const leaf = fc.oneof({ weight: 12, arbitrary: simple }, { weight: 1, arbitrary: special });

const joiner = fc.constantFrom(' && ', ' || ', ' | ', '; ', '\n', ' & ', ' |& ', ' &&\n  ', ';\n\t');

export const script: fc.Arbitrary<string> = fc.letrec<{ list: string; stmt: string }>((tie) => ({
  list: fc.tuple(tie('stmt'), fc.array(fc.tuple(joiner, tie('stmt')), { maxLength: 4 })).map(([first, rest]) => first + rest.map(([j, s]) => j + s).join('')),
  stmt: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 10, arbitrary: leaf },
    fc.tuple(leaf, redirect).map(([s, r]) => `{ ${s}; } ${r}`),
    tie('list').map((l) => `{ ${l}; }`),
    tie('list').map((l) => `(${l})`),
    fc.tuple(tie('list'), tie('list')).map(([c, t]) => `if ${c}; then ${t}; fi`),
    fc.tuple(tie('list'), tie('list'), tie('list'), tie('list')).map(([c, t, c2, e]) => `if ${c}; then\n  ${t}\nelif ${c2}; then ${t}; else ${e}; fi`),
    fc.tuple(fc.array(word, { maxLength: 3 }), tie('list')).map(([ws, b]) => `for i in ${ws.join(' ')}; do ${b}; done`),
    fc.tuple(tie('list'), tie('list')).map(([c, b]) => `while ${c}; do ${b}; done`),
    fc.tuple(word, tie('list'), tie('list')).map(([w, a, b]) => `case ${w} in\n  a|'b') ${a} ;;\n  *) ${b};;\nesac`),
    tie('list').map((b) => `f() { ${b}; }`),
    leaf.map((s) => `! ${s}`),
    leaf.map((s) => `${s} # a comment`),
  ),
})).list;

/**
 * The same scripts broken over lines with continuations (a blank, backslash, newline) between words, as
 * here-document RUN scripts are written. Single quotes, comments and here-strings are taken out, since the reader
 * under test leaves scripts that have them to mvdan/sh whenever they contain a continuation.
 */
export const continuedScript: fc.Arbitrary<string> = fc
  .tuple(
    script,
    fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
    fc.array(fc.constantFrom(' \\\n  ', ' \\\n', '\t\\\n\t\t'), { minLength: 6, maxLength: 6 }),
  )
  .map(([source, picks, breaks]) => {
    const text = source
      .replace(/\$?'[^'\n]*'/g, '"q"')
      .replace(/ # a comment/g, '')
      .replace(/<<<?/g, '<')
      .replace(/'/g, '"');
    const blanks = [...text.matchAll(/ /g)].map((match) => match.index!);
    if (!blanks.length) return text;
    const chosen = new Set(picks.map((pick) => blanks[pick % blanks.length]!));
    let out = '';
    let k = 0;
    for (let i = 0; i < text.length; i++) out += chosen.has(i) ? breaks[k++ % breaks.length]! : text[i];
    return out;
  });
