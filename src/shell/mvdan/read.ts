/**
 * The shell syntax tree as plain, typed data, read once from mvdan/sh's parse.
 *
 * mvdan-sh is Go compiled to JavaScript (GopherJS). Its public objects are wrappers: every field read through
 * them converts the Go value to a new JavaScript value, which costs tens of microseconds and dominated
 * conversion time. Behind each wrapper is the Go value itself (`__internal_object__`), whose fields are plain
 * properties and whose methods (`Pos()`, `End()`) are ordinary functions. This module reads those directly, once,
 * and keeps only what the analysis needs. What it relies on, all stable in the pinned mvdan-sh 0.10.1:
 *  - a pointer's Go type is `value.constructor.string` (`*syntax.CallExpr`); a nil pointer is its type's
 *    `nil` object; a nil interface is an object whose constructor has no Go type string;
 *  - a slice is `{ $array, $offset, $length }`;
 *  - strings are Go strings: UTF-8 bytes, one per JavaScript character;
 *  - positions count bytes of the UTF-8 script.
 * test/shell-tree.test.ts compares this reading with the wrappers' own on many scripts.
 *
 * mvdan/sh reads the scripts the tree-sitter reader leaves (tree-sitter/read.ts) and is the authority that reader is
 * held to in the tests; the caller loads the module (1.6 MB) and passes it in (mvdanReader), only when needed.
 */

import type { NotReadable, ShellReader } from '../reader.js';
import { hashesAfterWordParts, hashesAfterWords, replaceBytes, restoreHashes, standIn } from './hash-sign.js';
import type { Assign, BinaryOperator, Command, ExpansionOperator, IfClause, ShellFile, Span, Stmt, Word, WordPart } from '../tree.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- Go values as GopherJS lays them out: untyped by nature. */
type GoValue = any;

/** The mvdan-sh module (`require('mvdan-sh')`), as far as it is used here. */
export interface MvdanSh {
  syntax: { NewParser(): { Parse(src: string, name: string): GoValue } };
}

/**
 * mvdan/sh's reading, with one habit of its 2020 build mended: a `#` right after a quote or an expansion is read as
 * part of the word, as the shell reads it, not as the start of a comment (hash-sign.ts).
 */
export function mvdanReader(sh: MvdanSh): ShellReader {
  // One parser for the whole run: creating one per script costs more than parsing most scripts.
  const parser = sh.syntax.NewParser();
  const codes = learnOperatorCodes((script) => parser.Parse(script, 'ops'));
  const parseOnce = (script: string): ShellFile | NotReadable => {
    let result: GoValue;
    try {
      result = parser.Parse(script, 'RUN');
    } catch (error) {
      // mvdan/sh throws a Go error value: its text comes from Error(). Anything else (a stack overflow on a deeply
      // nested script) is worded as it comes.
      const goError = error as { Error?: () => string; message?: string };
      const message = typeof goError?.Error === 'function' ? goError.Error() : String(goError?.message ?? error);
      const match = /^RUN:(\d+):(\d+): (.*)$/.exec(message);
      return { ok: false, error: match ? match[3]! : message, line: match ? Number(match[1]) : 1 };
    }
    try {
      return readShellFile(result, codes);
    } catch (error) {
      // Reading mvdan/sh's tree recurses (its own End() too): thousands of nested commands overflow the stack.
      if (error instanceof RangeError) return { ok: false, error: 'the script nests too deeply for dock2nix to read', line: 1 };
      throw error;
    }
  };
  return {
    read(script) {
      const outcome = readMending(script, parseOnce);
      return 'stmts' in outcome ? { ok: true, file: outcome } : outcome;
    },
  };
}

function readMending(script: string, parseOnce: (script: string) => ShellFile | NotReadable): ShellFile | NotReadable {
  if (!script.includes('#')) return parseOnce(script);
  const char = standIn(script);
  if (char === null) return parseOnce(script); // every stand-in is in the script: mvdan/sh's reading as it is
  const bytes = Buffer.from(script, 'utf8');
  const hashes = hashesAfterWordParts(bytes);
  let outcome = parseOnce(replaceBytes(bytes, hashes, char));
  // Then any `#` mvdan/sh still ends a word before (after a `)`); each pass may uncover another in what it took for a comment.
  for (let pass = 0; pass < 64 && 'stmts' in outcome; pass++) {
    const more = hashesAfterWords(bytes, outcome).filter((at) => !hashes.includes(at));
    if (more.length === 0) break;
    hashes.push(...more);
    outcome = parseOnce(replaceBytes(bytes, hashes, char));
  }
  if (hashes.length === 0 || !('stmts' in outcome)) return outcome;
  return restoreHashes(outcome, char);
}

/** The Go type name (`CallExpr`), or null for a nil pointer or nil interface. */
function goType(value: GoValue): string | null {
  if (value === null || value === undefined) return null;
  const constructor = value.constructor;
  const name: unknown = constructor?.string;
  if (typeof name !== 'string') return null; // nil interface
  if (value === constructor.nil) return null; // nil pointer
  const dot = name.lastIndexOf('.');
  return dot === -1 ? name : name.slice(dot + 1);
}

function present(value: GoValue): boolean {
  return goType(value) !== null;
}

function slice<T>(value: GoValue, read: (item: GoValue) => T): T[] {
  if (!value || !value.$array) return [];
  const out: T[] = new Array(value.$length);
  for (let i = 0; i < value.$length; i++) out[i] = read(value.$array[value.$offset + i]);
  return out;
}

const NON_ASCII = /[\u0080-\u00ff]/;

/** A Go string (UTF-8 bytes) as a JavaScript string. */
function goString(value: GoValue): string {
  if (typeof value !== 'string') return '';
  return NON_ASCII.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}

function span(node: GoValue): Span {
  return { start: node.Pos().Offset(), end: node.End().Offset() };
}

/** mvdan/sh's operator numbers, by name. */
export interface OperatorCodes {
  binary: ReadonlyMap<number, BinaryOperator>;
  expansion: ReadonlyMap<number, ExpansionOperator>;
}

/** Learn the operator numbers of this build of mvdan/sh from tiny parses (`parse` returns what `Parse` returns). */
export function learnOperatorCodes(parse: (script: string) => GoValue): OperatorCodes {
  const first = (script: string): GoValue => {
    const result = parse(script);
    const stmts = (result.__internal_object__ ?? result).Stmts;
    return stmts.$array[stmts.$offset].Cmd;
  };
  const binary = new Map<number, BinaryOperator>();
  for (const op of ['&&', '||', '|', '|&'] as const) binary.set(first(`a ${op} b`).Op, op);
  const expansion = new Map<number, ExpansionOperator>();
  for (const op of [':-', '-', ':+', '+'] as const) {
    const args = first(`e \${a${op}b}`).Args;
    const word = args.$array[args.$offset + 1];
    expansion.set(word.Parts.$array[word.Parts.$offset].Exp.Op, op);
  }
  return { binary, expansion };
}

/** The tree of a parse result (the wrapper `Parse` returned). */
export function readShellFile(wrapper: GoValue, codes: OperatorCodes): ShellFile {
  const file = wrapper.__internal_object__ ?? wrapper;
  operators = codes;
  return { stmts: readStmts(file.Stmts) };
}

/** The codes of the reading under way (set by readShellFile; reading is synchronous). */
let operators: OperatorCodes = { binary: new Map(), expansion: new Map() };

function readStmts(value: GoValue): Stmt[] {
  return slice(value, readStmt);
}

function readStmt(stmt: GoValue): Stmt {
  return {
    ...span(stmt),
    cmd: readCommand(stmt.Cmd),
    negated: Boolean(stmt.Negated),
    redirs: slice(stmt.Redirs, (redirect) => ({ ...span(redirect), word: readWord(redirect.Word) })),
  };
}

function readOptionalStmt(value: GoValue): Stmt | null {
  return present(value) ? readStmt(value) : null;
}

function readCommand(cmd: GoValue): Command | null {
  const type = goType(cmd);
  switch (type) {
    case null:
      return null;
    case 'CallExpr':
      return { type, line: cmd.Pos().Line(), assigns: slice(cmd.Assigns, readAssign), args: slice(cmd.Args, readWord) as Word[] };
    case 'DeclClause':
      return { type, line: cmd.Pos().Line(), variant: present(cmd.Variant) ? goString(cmd.Variant.Value) : '', args: slice(cmd.Args, readAssign) };
    case 'BinaryCmd':
      return { type, op: operators.binary.get(cmd.Op) ?? 'other', x: readStmt(cmd.X), y: readStmt(cmd.Y) };
    case 'Block':
    case 'Subshell':
      return { type, stmts: readStmts(cmd.Stmts) };
    case 'IfClause':
      return readIf(cmd);
    case 'WhileClause':
      return { type, cond: readStmts(cmd.Cond), body: readStmts(cmd.Do) };
    case 'ForClause':
      return { type, body: readStmts(cmd.Do) };
    case 'CaseClause':
      return { type, items: slice(cmd.Items, (item) => readStmts(item.Stmts)) };
    case 'FuncDecl':
      return { type, body: readOptionalStmt(cmd.Body) };
    case 'TimeClause':
      return { type, stmt: readOptionalStmt(cmd.Stmt) };
    default:
      return { type: 'Other', goType: type };
  }
}

function readIf(clause: GoValue): IfClause {
  return {
    type: 'IfClause',
    cond: readStmts(clause.Cond),
    then: readStmts(clause.Then),
    else: present(clause.Else) ? readIf(clause.Else) : null,
  };
}

function readAssign(assign: GoValue): Assign {
  return { name: present(assign.Name) ? goString(assign.Name.Value) : null, value: readWord(assign.Value) };
}

function readWord(word: GoValue): Word | null {
  if (!present(word)) return null;
  return { ...span(word), parts: slice(word.Parts, readPart) };
}

function readPart(part: GoValue): WordPart {
  const type = goType(part) ?? 'nil';
  switch (type) {
    case 'Lit':
      return { type, value: goString(part.Value) };
    case 'SglQuoted':
      return { type, dollar: Boolean(part.Dollar), value: goString(part.Value) };
    case 'DblQuoted':
      return { type, parts: slice(part.Parts, readPart) };
    case 'ParamExp':
      return {
        type,
        param: present(part.Param) ? goString(part.Param.Value) : '',
        transformed: Boolean(part.Length || part.Width || part.Excl || part.Names) || present(part.Slice) || present(part.Repl) || present(part.Index),
        exp: present(part.Exp) ? { op: operators.expansion.get(part.Exp.Op) ?? 'other', word: readWord(part.Exp.Word) } : null,
      };
    default:
      return { type: 'Other', goType: type };
  }
}
