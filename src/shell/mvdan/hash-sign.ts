/**
 * mvdan-sh 0.10.1 (the npm build, from 2020) starts a comment at a `#` that follows a quote or an expansion
 * without a blank: in `pip install git+https://x/y.git@${REF}#egg=y && apt-get install -y curl` it reads
 * `#egg=y && apt-get install -y curl` as a comment, so the second command would vanish from the conversion;
 * `sed -i s#$OLD#$NEW#g f` would lose its expression; and in `if …; then pip install …@${REF}#egg=y; fi` the
 * comment swallows the `fi`, a syntax error. The shell starts a comment only where a word could start, so it reads
 * every one of these `#` as text of the word.
 *
 * Before mvdan/sh parses, each `#` right after a quote (`"`, `'`), a closing brace or a `$name` is
 * replaced by a character that is plain text there and absent from the script (one byte, like `#`, so every span
 * stays right), and turned back into `#` in the literals of the tree. For the shell such a `#` is text wherever it
 * is, so the replacement changes nothing else: inside quotes it is text either way, and a `#` that opens a
 * comment follows a blank or an operator, never one of those. A `)` or a backquote may close a word part or not
 * (`$(date)#x` is one word, `(a)#x` a comment, `` `#x` `` a comment inside a substitution), so a `#` after one is
 * replaced only where mvdan/sh's tree shows a word ending right before it (hashesAfterWords), and the script parsed
 * again; where mvdan/sh's comment breaks the script there is no tree to go by, and its error stands. The
 * tree-sitter reader reads these words as the shell does (tree-sitter/read.ts); test/shell-tree-sitter.test.ts holds the
 * two readings equal, and test/shell-hash.test.ts holds them to bash.
 */
import type { ShellFile, Word, WordPart } from '../tree.js';

/**
 * Stand-ins for `#`: control characters other than blanks, plain text for the shell anywhere in a word and never a
 * name character. A RUN script holds none of them in practice; one that holds them all is read by mvdan/sh as it
 * is, and left to it by the tree-sitter reader (mendable()).
 */
const STAND_INS = [...Array.from({ length: 8 }, (_, i) => 0x01 + i), ...Array.from({ length: 18 }, (_, i) => 0x0e + i)].map((code) =>
  String.fromCharCode(code),
);

const HASH = 0x23;
const CLOSERS = new Set([0x22 /* " */, 0x27 /* ' */, 0x7d /* } */]);
/** `$@`, `$*`, `$?`, `$!`, `$-`, `$#`: a special parameter right before the `#` (not `$$`: in `\\$$#` the `$#` is one). */
const SPECIAL = new Set([0x40, 0x2a, 0x3f, 0x21, 0x2d, 0x23]);
const DOLLAR = 0x24;

function isNameByte(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f;
}

/** Byte offsets of each `#` right after a quote, a `}` or a `$name` (`$1`, `$@` …). */
export function hashesAfterWordParts(script: Buffer): number[] {
  const hashes: number[] = [];
  for (let at = script.indexOf(HASH, 1); at !== -1; at = script.indexOf(HASH, at + 1)) {
    const before = script[at - 1]!;
    if (CLOSERS.has(before)) hashes.push(at);
    else if (SPECIAL.has(before) && script[at - 2] === DOLLAR) hashes.push(at);
    else if (isNameByte(before)) {
      let start = at - 1;
      while (start > 0 && isNameByte(script[start - 1]!)) start--;
      if (script[start - 1] === DOLLAR) hashes.push(at);
    }
  }
  return hashes;
}

/** A character to put in the place of those `#`, one the script does not contain; null if it contains them all. */
export function standIn(script: string): string | null {
  return STAND_INS.find((char) => !script.includes(char)) ?? null;
}

/** Whether mvdan/sh's reading of the script's `#` is mended: no `#`, or a stand-in to use. */
export function mendable(script: string): boolean {
  return !script.includes('#') || standIn(script) !== null;
}

/** The script with the bytes at `offsets` replaced by `char` (ASCII, so byte offsets are unchanged). */
export function replaceBytes(script: Buffer, offsets: number[], char: string): string {
  const copy = Buffer.from(script);
  for (const offset of offsets) copy[offset] = char.charCodeAt(0);
  return copy.toString('utf8');
}

/** The tree with the stand-in turned back into `#` in every literal and single-quoted text (the only places it can be). */
export function restoreHashes(file: ShellFile, char: string): ShellFile {
  // The tree is plain data: copied through JSON, with the texts mended on the way.
  return JSON.parse(JSON.stringify(file), (_, value: unknown) => {
    const part = value as WordPart | null;
    if ((part?.type === 'Lit' || part?.type === 'SglQuoted') && part.value.includes(char)) return { ...part, value: part.value.split(char).join('#') };
    return value;
  }) as ShellFile;
}

/** Byte offsets of each `#` the tree's words end right before: where mvdan/sh ended a word and began a comment. */
export function hashesAfterWords(script: Buffer, file: ShellFile): number[] {
  const hashes = new Set<number>();
  forEachWord(file, (word) => {
    if (script[word.end] === HASH) hashes.add(word.end);
  });
  return [...hashes].sort((a, b) => a - b);
}

/** Every word of the tree, nested ones included (arguments, assigned values, redirection targets, ${…} words). */
function forEachWord(node: unknown, visit: (word: Word) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) forEachWord(item, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const word = node as Partial<Word>;
  if (typeof word.start === 'number' && typeof word.end === 'number' && Array.isArray(word.parts)) visit(word as Word);
  for (const child of Object.values(node)) if (child !== null && typeof child === 'object') forEachWord(child, visit);
}
