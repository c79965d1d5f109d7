/**
 * The one way dock2nix writes shell (extraCommands, fakeRootCommands, the image-assembly script): a tiny syntax
 * tree of commands and comments, printed one command per line. Text from a Dockerfile, a build context or an
 * image can only enter as a quoted word (`word`), and is then always single-quoted (control characters as
 * `$'\xHH'` pieces, so no generated line ever spans two lines); a store path enters only as a Nix interpolation
 * inside double quotes. Programs and options are fixed names of dock2nix's own. Modes and owners are checked
 * against their grammar here again, so a mode or owner the converter failed to check is an internal error,
 * never shell.
 */
import type { NixExpr, StringPart } from './ast.js';

/** One argument of a command. */
export type ShellArg =
  /** A fixed option of dock2nix's own (`-R`, `-sfn`). */
  | { kind: 'option'; text: string }
  /** A checked operand printed as is: a mode or a numeric owner (letters, digits and `-_.,=+/:`). */
  | { kind: 'operand'; text: string }
  /** Any text: printed as a single-quoted word. */
  | { kind: 'word'; text: string }
  /** A store path (a Nix expression), double-quoted, optionally followed by a subpath (a quoted word). */
  | { kind: 'store'; expr: NixExpr; subpath: string };

export type ShellNode =
  | { kind: 'command'; program: string; args: ShellArg[] }
  | { kind: 'comment'; text: string }
  /** A fixed script of dock2nix's own (a function definition); never holds outside text. */
  | { kind: 'template'; text: string };

const OPERAND = /^[A-Za-z0-9_.,=+/:-]+$/;
const PROGRAM = /^[a-z][a-z0-9_-]*$/;

export class ShellSafetyError extends Error {}

/** An option of dock2nix's own. */
export function option(text: string): ShellArg {
  if (!/^--?[A-Za-z]*$/.test(text)) throw new ShellSafetyError(`not a fixed shell option: ${JSON.stringify(text)}`);
  return { kind: 'option', text };
}

function operand(text: string): ShellArg {
  if (!OPERAND.test(text)) throw new ShellSafetyError(`not a plain operand: ${JSON.stringify(text)}`);
  return { kind: 'operand', text };
}

/** Any text, as one quoted word. */
export function word(text: string): ShellArg {
  if (text.includes('\u0000')) throw new ShellSafetyError('a NUL byte cannot be part of a shell word');
  return { kind: 'word', text };
}

/** A store path from a Nix expression, with an optional subpath (`/bin/x`) after it. */
export function storePath(expr: NixExpr, subpath = ''): ShellArg {
  if (subpath.includes('\u0000')) throw new ShellSafetyError('a NUL byte cannot be part of a shell word');
  return { kind: 'store', expr, subpath };
}

/** Programs that read `--` as the end of options. */
const ENDS_OPTIONS = new Set(['chmod', 'chown', 'ln', 'mkdir', 'rm', 'cp', 'mv']);

/**
 * A command line. Where an operand (a quoted word, or a mode) starts with `-`, a `--` goes before the first
 * operand, so no operand is ever read as an option.
 */
export function command(program: string, ...args: ShellArg[]): ShellNode {
  if (!PROGRAM.test(program)) throw new ShellSafetyError(`not a program name: ${JSON.stringify(program)}`);
  const first = args.findIndex((arg) => arg.kind !== 'option');
  if (first !== -1 && ENDS_OPTIONS.has(program) && args.slice(first).some((arg) => arg.kind !== 'store' && arg.text.startsWith('-'))) {
    return { kind: 'command', program, args: [...args.slice(0, first), option('--'), ...args.slice(first)] };
  }
  return { kind: 'command', program, args };
}

export function comment(text: string): ShellNode {
  return { kind: 'comment', text };
}

export function template(text: string): ShellNode {
  return { kind: 'template', text };
}

/** Octal (`755`, `0644`, `1777`) or symbolic (`u+x`, `go-w,a+rX`, `=r`) modes, as chmod takes them. */
const OCTAL_MODE = /^[0-7]{3,4}$/;
const SYMBOLIC_CLAUSE = /^[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+$/;

export function isValidMode(mode: string): boolean {
  if (OCTAL_MODE.test(mode)) return true;
  return mode.length > 0 && mode.length <= 64 && mode.split(',').every((clause) => SYMBOLIC_CLAUSE.test(clause));
}

/** A numeric owner `uid:gid` (each below 2^32). */
export function isNumericOwner(owner: string): boolean {
  const match = /^(\d{1,10}):(\d{1,10})$/.exec(owner);
  return match !== null && Number(match[1]) < 2 ** 32 && Number(match[2]) < 2 ** 32;
}

/** A mode argument: refused (an internal error) unless it matches the grammar. */
export function mode(text: string): ShellArg {
  if (!isValidMode(text)) throw new ShellSafetyError(`not a file mode: ${JSON.stringify(text)}`);
  return operand(text);
}

/** An owner argument: refused (an internal error) unless it is numeric `uid:gid`. */
export function owner(text: string): ShellArg {
  if (!isNumericOwner(text)) throw new ShellSafetyError(`not a numeric owner: ${JSON.stringify(text)}`);
  return operand(text);
}

/**
 * `text` as one shell word: single quotes around printable text (a `'` as `'\''`), and each control character
 * (and DEL) as an ANSI-C `$'\xHH'` piece, which bash (the shell of extraCommands) reads as that byte.
 */
export function quote(text: string): string {
  if (text.includes('\u0000')) throw new ShellSafetyError('a NUL byte cannot be part of a shell word');
  if (text === '') return "''";
  let out = '';
  let plain = '';
  const flush = () => {
    if (plain) out += `'${plain.replace(/'/g, `'\\''`)}'`;
    plain = '';
  };
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || ch === '\u2028' || ch === '\u2029' || (code >= 0x80 && code < 0xa0)) {
      flush();
      const bytes = Buffer.from(ch, 'utf8');
      out += `$'${[...bytes].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'`;
    } else plain += ch;
  }
  flush();
  return out;
}

/** Text for a `#` comment: one line, control characters shown as `\xHH`. */
export function commentLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u0080-\u009f\u2028\u2029]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The script as parts of a Nix indented string: one line per node, store paths interpolated. */
export function printShell(nodes: ShellNode[]): StringPart[] {
  const parts: StringPart[] = [];
  for (const node of nodes) {
    if (node.kind === 'comment') parts.push(`# ${commentLine(node.text)}\n`);
    else if (node.kind === 'template') parts.push(node.text.endsWith('\n') ? node.text : `${node.text}\n`);
    else {
      parts.push(node.program);
      for (const arg of node.args) {
        parts.push(' ');
        if (arg.kind === 'option' || arg.kind === 'operand') parts.push(arg.text);
        else if (arg.kind === 'word') parts.push(quote(arg.text));
        else {
          // A store path holds no `"`, `$`, backquote or backslash: double quotes keep it one word, unglobbed.
          parts.push('"', arg.expr, '"');
          if (arg.subpath) parts.push(quote(arg.subpath));
        }
      }
      parts.push('\n');
    }
  }
  return parts;
}
