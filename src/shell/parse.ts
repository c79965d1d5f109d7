/**
 * A RUN script's syntax tree, read by tree-sitter where it agrees with mvdan/sh (tree-sitter.ts) and by mvdan/sh
 * otherwise (syntax-tree.ts), and remembered on disk.
 *
 * The plain tree depends on nothing but the script and the readers, so it is kept by content (the sha256 of the
 * script) in node_modules/.cache/dock2nix/shell-<key>/, next to mvdan-sh's compiled-code cache (load-parser.ts),
 * in pack files (tree-cache.ts). A script seen before is read back instead of parsed, and a run whose scripts were
 * all seen before loads neither parser (withShellReaders). An entry that cannot be read is parsed again; a
 * read-only install, or DOCK2NIX_CACHE=0, parses every time. The folder's key covers both parsers' versions,
 * TREE_FORMAT, the pack layout and the source of the readers, so any change to a reader starts afresh (the
 * folders of other keys are removed once a day old, by a run that writes its trees).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dock2nixCacheDir, loadMvdanSh } from './load-parser.js';
import { hashesAfterWordParts, hashesAfterWords, replaceBytes, restoreHashes, standIn } from './mid-word-hash.js';
import { learnOperatorCodes, readShellFile, type OperatorCodes, type ShellFile } from './syntax-tree.js';
import { readPlainScript } from './plain-script.js';
import { recallTree, rememberTree } from './tree-cache.js';
import { bashGrammarRequested, loadBashGrammar, readWithTreeSitter } from './tree-sitter.js';
import { packagePath } from '../package-root.js';

/** Bump when the shape of ShellFile (syntax-tree.ts) changes: cached trees of another shape must not be read. */
export const TREE_FORMAT = 1;

export type ShellParse = { ok: true; file: ShellFile } | { ok: false; error: string; line: number };

interface Parser {
  Parse(src: string, name: string): unknown;
}

let parserCache: { parser: Parser; codes: OperatorCodes } | null = null;
/** One parser for the whole run: creating one per script costs more than parsing most scripts. */
function parser(): { parser: Parser; codes: OperatorCodes } {
  if (!parserCache) {
    const sh = loadMvdanSh<{ syntax: { NewParser(): Parser } }>();
    const instance = sh.syntax.NewParser();
    parserCache = { parser: instance, codes: learnOperatorCodes((script) => instance.Parse(script, 'ops')) };
  }
  return parserCache;
}

/** A parse, and whether it may be remembered: only the parsers' own verdicts are, not a crash of this run. */
function parseNow(script: string): { parse: ShellParse; lasting: boolean } {
  const fast = readWithTreeSitter(script);
  if (fast) return { parse: { ok: true, file: fast }, lasting: true };
  return parseWithMvdan(script);
}

/**
 * mvdan/sh's parse alone (the authority the tree-sitter reading is held to), with one habit of its 2020 build
 * mended: a `#` right after a quote or an expansion is read as part of the word, as the shell reads it, not as the
 * start of a comment (mid-word-hash.ts).
 */
export function parseWithMvdan(script: string): { parse: ShellParse; lasting: boolean } {
  if (!script.includes('#')) return parseOnceWithMvdan(script);
  const char = standIn(script);
  if (char === null) return parseOnceWithMvdan(script); // every stand-in is in the script: mvdan/sh's reading as it is
  const bytes = Buffer.from(script, 'utf8');
  const hashes = hashesAfterWordParts(bytes);
  let outcome = parseOnceWithMvdan(replaceBytes(bytes, hashes, char));
  // Then any `#` mvdan/sh still ends a word before (after a `)`); each pass may uncover another in what it took for a comment.
  for (let pass = 0; pass < 64 && outcome.parse.ok; pass++) {
    const more = hashesAfterWords(bytes, outcome.parse.file).filter((at) => !hashes.includes(at));
    if (more.length === 0) break;
    hashes.push(...more);
    outcome = parseOnceWithMvdan(replaceBytes(bytes, hashes, char));
  }
  if (hashes.length === 0) return outcome;
  return outcome.parse.ok ? { ...outcome, parse: { ok: true, file: restoreHashes(outcome.parse.file, char) } } : outcome;
}

function parseOnceWithMvdan(script: string): { parse: ShellParse; lasting: boolean } {
  const { parser: instance, codes } = parser();
  let result: unknown;
  try {
    result = instance.Parse(script, 'RUN');
  } catch (error) {
    // mvdan/sh throws a Go error value: its text comes from Error(). Anything else (a stack overflow on a deeply
    // nested script) belongs to this run only.
    const goError = error as { Error?: () => string; message?: string };
    const fromParser = typeof goError?.Error === 'function';
    const message = fromParser ? goError.Error!() : String(goError?.message ?? error);
    const match = /^RUN:(\d+):(\d+): (.*)$/.exec(message);
    return { parse: { ok: false, error: match ? match[3]! : message, line: match ? Number(match[1]) : 1 }, lasting: fromParser && match !== null };
  }
  return { parse: { ok: true, file: readShellFile(result, codes) }, lasting: true };
}

/**
 * The code that reads trees (dist/shell's syntax-tree.js, tree-sitter.js and mid-word-hash.js, or src/shell's .ts
 * under the test runner), so a change to how any of them reads never serves trees read the old way, even when their
 * shape (TREE_FORMAT) stays the same. (The command line runs a bundle of dist/: scripts/bundle.mjs.)
 */
function readerSource(): string {
  const compiled = !fileURLToPath(import.meta.url).endsWith('.ts');
  return ['syntax-tree', 'tree-sitter', 'mid-word-hash']
    .map((module) => firstThatWorks([() => readFileSync(packagePath(compiled ? `dist/shell/${module}.js` : `src/shell/${module}.ts`), 'utf8')], ''))
    .join('\0');
}

/** The versions of the parsers: mvdan-sh, and tree-sitter with its bash grammar. */
function parserVersions(): string {
  const require = createRequire(import.meta.url);
  // web-tree-sitter exports no package.json; its entry point sits beside it.
  const manifests = (name: string) => [() => require.resolve(`${name}/package.json`), () => path.join(path.dirname(require.resolve(name)), 'package.json')];
  return ['mvdan-sh', 'web-tree-sitter', 'tree-sitter-bash']
    .map((name) => firstThatWorks(manifests(name).map((manifest) => () => `${name} ${(JSON.parse(readFileSync(manifest(), 'utf8')) as { version?: string }).version ?? '?'}`), `${name} ?`))
    .join('\0');
}

/** What the first of `attempts` that does not throw returns, or `fallback`. */
function firstThatWorks<T>(attempts: Array<() => T>, fallback: T): T {
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // try the next
    }
  }
  return fallback;
}

/** Bump when the cache's files change shape (tree-cache.ts): the folder of the old shape is then removed. */
const CACHE_LAYOUT = 'packs 1';

let folderCache: string | null | undefined;
/** This parser's, reader's and tree format's cache folder, or null when there is no cache. */
function cacheFolder(): string | null {
  if (folderCache !== undefined) return folderCache;
  folderCache = null;
  const root = process.env.DOCK2NIX_CACHE === '0' ? null : dock2nixCacheDir();
  if (!root) return null;
  try {
    const key = createHash('sha256').update(`${parserVersions()}\0tree ${TREE_FORMAT}\0${CACHE_LAYOUT}\0${readerSource()}`).digest('hex').slice(0, 16);
    folderCache = path.join(root, `shell-${key}`);
  } catch {
    folderCache = null;
  }
  return folderCache;
}

/** A kept tree, if it is one (a damaged entry is parsed again, and the new reading kept). */
function recall(text: string | null): ShellParse | null {
  if (text === null) return null;
  try {
    const parse = JSON.parse(text) as ShellParse;
    if (parse.ok === true && Array.isArray(parse.file?.stmts)) return parse;
    if (parse.ok === false && typeof parse.error === 'string' && typeof parse.line === 'number') return parse;
  } catch {
    // damaged
  }
  return null;
}

let cachedOnly = false;
const NOT_KNOWN = Symbol('a syntax tree not in the cache');

function notKnown(): never {
  throw NOT_KNOWN;
}

/**
 * `run` (a conversion: synchronous, never null) with the shell readers it needs. It runs first with cached trees
 * only, stopped at the first RUN script not in the cache, so that a run that has seen its scripts before loads
 * neither parser (tree-sitter's grammar costs ~25 ms to load); otherwise the grammar is loaded and `run` starts
 * again. Once this thread has asked for the grammar, `run` waits for it and runs once.
 */
export async function withShellReaders<T extends object>(run: () => T): Promise<T> {
  if (!bashGrammarRequested()) {
    cachedOnly = true;
    try {
      return run();
    } catch (error) {
      if (error !== NOT_KNOWN) throw error;
    } finally {
      cachedOnly = false;
    }
  }
  await loadBashGrammar();
  return run();
}

/**
 * Trees this process has already read or parsed, by script: one RUN line often recurs (Dockerfiles of one
 * repository share their `apt-get install` lines; a stage may be read for two targets). On the corpus, 155
 * readings are of 97 scripts. Bounded, since a batch may be a whole monorepo; the trees are never changed.
 */
const thisRun = new Map<string, ShellParse>();
const MAX_IN_MEMORY = 2_000;

function keep(script: string, parse: ShellParse): ShellParse {
  if (thisRun.size >= MAX_IN_MEMORY) thisRun.clear();
  thisRun.set(script, parse);
  return parse;
}

/** The script's syntax tree, or the parser's error with its line. */
export function parseShell(script: string): ShellParse {
  const seen = thisRun.get(script);
  if (seen) return seen;
  // The plainest scripts need no parser and are not worth a cache entry (plain-script.ts).
  const plain = process.env.DOCK2NIX_SHELL_READER === 'mvdan' ? null : readPlainScript(script);
  if (plain) return keep(script, { ok: true, file: plain });
  const folder = cacheFolder();
  if (!folder) return cachedOnly ? notKnown() : keep(script, parseNow(script).parse);
  const hash = createHash('sha256').update(script).digest('hex');
  const known = recall(recallTree(folder, hash));
  if (known) return keep(script, known);
  if (cachedOnly) notKnown();
  const { parse, lasting } = parseNow(script);
  if (lasting) rememberTree(folder, hash, JSON.stringify(parse));
  return keep(script, parse);
}
