/**
 * A small Nix syntax tree and its printer. Every string that comes from a Dockerfile goes through a string node,
 * so `${`, `''` and backslashes stay text; identifiers and attribute paths are checked before they are printed.
 */

export type NixExpr =
  | { kind: 'id'; name: string }
  | { kind: 'select'; base: NixExpr; path: string[] }
  | { kind: 'string'; parts: StringPart[] }
  | { kind: 'indented'; parts: StringPart[] }
  | { kind: 'path'; path: string }
  | { kind: 'int'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'list'; items: NixExpr[] }
  | { kind: 'attrs'; bindings: Binding[] }
  | { kind: 'let'; bindings: Binding[]; body: NixExpr }
  | { kind: 'lambda'; param: string | { formals: Array<{ name: string; default?: NixExpr }> }; body: NixExpr }
  | { kind: 'apply'; fn: NixExpr; args: NixExpr[] }
  | { kind: 'binop'; op: '+' | '++' | '//' | '==' | '&&' | '||'; left: NixExpr; right: NixExpr }
  | { kind: 'not'; expr: NixExpr }
  | { kind: 'parens'; expr: NixExpr }
  /** Code written as text; `selects`: the nixpkgs attribute paths it reads (`lib.hasPrefix`), for --check. */
  | { kind: 'raw'; code: string; selects?: string[] };

export type StringPart = string | NixExpr;

export interface Binding {
  /** Attribute path; each element is quoted when it is not a plain identifier. */
  path: string[];
  value: NixExpr;
  /** Comment lines printed above the binding. */
  comments?: string[];
}

const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_'-]*$/;

export const id = (name: string): NixExpr => {
  if (!IDENTIFIER.test(name) || KEYWORDS.has(name)) throw new Error(`not a Nix identifier: ${name}`);
  return { kind: 'id', name };
};
/** `pkgs.openssl.dev` from `['pkgs', 'openssl', 'dev']` or a dotted attribute path. */
export const attrPath = (dotted: string): NixExpr => {
  const [first, ...rest] = dotted.split('.');
  return rest.length ? { kind: 'select', base: id(first!), path: rest } : id(first!);
};
export const select = (base: NixExpr, path: string | string[]): NixExpr => ({ kind: 'select', base, path: Array.isArray(path) ? path : path.split('.') });
export const str = (...parts: StringPart[]): NixExpr => ({ kind: 'string', parts });
export const indented = (...parts: StringPart[]): NixExpr => ({ kind: 'indented', parts });
export const path = (p: string): NixExpr => ({ kind: 'path', path: p });
export const int = (value: number): NixExpr => {
  // `1e+21`, `NaN` or a rounded value would print as something else than the number (or not parse).
  if (!Number.isSafeInteger(value)) throw new Error(`internal error: ${value} is not an integer Nix can be given exactly`);
  return { kind: 'int', value };
};
export const bool = (value: boolean): NixExpr => ({ kind: 'bool', value });
export const nul: NixExpr = { kind: 'null' };
export const list = (items: NixExpr[]): NixExpr => ({ kind: 'list', items });
export const attrs = (bindings: Binding[]): NixExpr => ({ kind: 'attrs', bindings });
export const bind = (key: string | string[], value: NixExpr, comments?: string[]): Binding => ({ path: Array.isArray(key) ? key : [key], value, comments });
export const apply = (fn: NixExpr, ...args: NixExpr[]): NixExpr => ({ kind: 'apply', fn, args });
export const letIn = (bindings: Binding[], body: NixExpr): NixExpr => (bindings.length ? { kind: 'let', bindings, body } : body);
export const lambda = (param: string | { formals: Array<{ name: string; default?: NixExpr }> }, body: NixExpr): NixExpr => ({ kind: 'lambda', param, body });
export const binop = (op: '+' | '++' | '//' | '==' | '&&' | '||', left: NixExpr, right: NixExpr): NixExpr => ({ kind: 'binop', op, left, right });

/** An attribute name as Nix needs it written: bare when it is an identifier, quoted otherwise. */
export function attrName(name: string): string {
  return IDENTIFIER.test(name) && !KEYWORDS.has(name) ? name : quoteString(name);
}

/** A double-quoted Nix string holding exactly `text`. */
export function quoteString(text: string): string {
  return `"${escapeDoubleQuoted(text)}"`;
}

function escapeDoubleQuoted(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$\{/g, '\\${').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

/**
 * Text for an indented string. Runs of single quotes are doubled into `'''` escapes; `${` becomes `''${`,
 * or `${"$"}{` right after a quote, where `''${` would be read as an escaped quote pair.
 */
function escapeIndented(text: string, previous: string): string {
  let out = '';
  let last = previous;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" && text[i + 1] === "'") {
      out += "'''";
      i++;
      last = "'";
      continue;
    }
    if (ch === '$' && text[i + 1] === '{') {
      out += last === "'" ? '${"$"}' : "''$";
      last = '$';
      continue;
    }
    out += ch;
    last = ch;
  }
  return out;
}

const INDENT = '  ';

export function print(expr: NixExpr, indent = ''): string {
  switch (expr.kind) {
    case 'id':
      return expr.name;
    case 'select':
      return `${printOperand(expr.base, indent)}.${expr.path.map(attrName).join('.')}`;
    case 'string':
      return `"${expr.parts.map((part) => (typeof part === 'string' ? escapeDoubleQuoted(part) : `\${${print(part, indent)}}`)).join('')}"`;
    case 'indented':
      return printIndented(expr.parts, indent);
    case 'path':
      return expr.path;
    case 'int':
      return String(expr.value);
    case 'bool':
      return expr.value ? 'true' : 'false';
    case 'null':
      return 'null';
    case 'list': {
      if (expr.items.length === 0) return '[ ]';
      const items = expr.items.map((item) => printOperand(item, indent + INDENT));
      const oneLine = `[ ${items.join(' ')} ]`;
      if (oneLine.length + indent.length <= 100 && !oneLine.includes('\n') && expr.items.length <= 8) return oneLine;
      return `[\n${items.map((item) => `${indent}${INDENT}${item}`).join('\n')}\n${indent}]`;
    }
    case 'attrs': {
      if (expr.bindings.length === 0) return '{ }';
      return `{\n${printBindings(expr.bindings, indent + INDENT)}\n${indent}}`;
    }
    case 'let':
      return `let\n${printBindings(expr.bindings, indent + INDENT)}\n${indent}in\n${indent}${print(expr.body, indent)}`;
    case 'lambda': {
      const param =
        typeof expr.param === 'string'
          ? expr.param
          : `{ ${expr.param.formals.map((f) => (f.default ? `${f.name} ? ${print(f.default, indent)}` : f.name)).join(', ')} }`;
      return `${param}: ${print(expr.body, indent)}`;
    }
    case 'apply':
      return [printOperand(expr.fn, indent), ...expr.args.map((arg) => printOperand(arg, indent))].join(' ');
    case 'binop':
      return `${printOperand(expr.left, indent)} ${expr.op} ${printOperand(expr.right, indent)}`;
    case 'not':
      return `!${printOperand(expr.expr, indent)}`;
    case 'parens':
      return `(${print(expr.expr, indent)})`;
    case 'raw':
      return expr.code.replace(/\n/g, `\n${indent}`);
  }
}

/** Wrap in parentheses where an expression would otherwise bind differently as an argument or list item. */
function printOperand(expr: NixExpr, indent: string): string {
  const text = print(expr, indent);
  return expr.kind === 'apply' || expr.kind === 'lambda' || expr.kind === 'binop' || expr.kind === 'let' || expr.kind === 'not' ? `(${text})` : text;
}

function printBindings(bindings: Binding[], indent: string): string {
  return bindings
    .map((binding) => {
      const comments = (binding.comments ?? []).flatMap((c) => c.split('\n')).map((c) => `${indent}# ${c.replace(/[\r\u2028\u2029]/g, ' ')}`.trimEnd());
      const key = binding.path.map(attrName).join('.');
      // A let block as a value starts on its own line, one level in, as nixfmt lays it out.
      if (binding.value.kind === 'let') {
        return [...comments, `${indent}${key} =\n${indent}${INDENT}${print(binding.value, indent + INDENT)};`].join('\n');
      }
      return [...comments, `${indent}${key} = ${print(binding.value, indent)};`].join('\n');
    })
    .join('\n');
}

function printIndented(parts: StringPart[], indent: string): string {
  // Build the content with escapes, then indent every non-empty line.
  const merged: StringPart[] = [];
  for (const part of parts) {
    const last = merged[merged.length - 1];
    if (typeof part === 'string' && typeof last === 'string') merged[merged.length - 1] = last + part;
    else merged.push(part);
  }
  // The last character is tracked rather than read back with content.slice(-1): reading a character of a
  // string being built by += flattens it every time, which made long strings (a COPY of 11,000 files)
  // quadratic to print.
  let content = '';
  let previous = '';
  for (const part of merged) {
    const text = typeof part === 'string' ? escapeIndented(part, previous) : `\${${print(part, indent + INDENT)}}`;
    content += text;
    if (text) previous = text.slice(-1);
  }
  if (!content.endsWith('\n')) content += '\n';
  const lines = content.slice(0, -1).split('\n');
  const body = lines.map((line) => (line.length ? `${indent}${INDENT}${line}` : '')).join('\n');
  return `''\n${body}\n${indent}''`;
}

/** Comment text safe for a `#` line. */
export function commentText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/** Fixed Nix text written by dock2nix itself (templates), never text from a Dockerfile. */
export const raw = (code: string, selects?: string[]): NixExpr => (selects?.length ? { kind: 'raw', code, selects } : { kind: 'raw', code });
