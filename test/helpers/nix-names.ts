/**
 * The names an emitted default.nix binds and the names it reads, from its syntax tree (and, for code written
 * as text, from the text): the naming-scope tests compare them with the scope's reserved names.
 */
import type { NixExpr } from '../../src/nix/ast.js';

const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);

export interface Names {
  bound: Set<string>;
  read: Set<string>;
}

/** Names bound (let, function arguments) and read (identifiers) anywhere in `expr`. */
export function namesOf(expr: NixExpr, names: Names = { bound: new Set(), read: new Set() }): Names {
  const walk = (node: NixExpr): void => {
    switch (node.kind) {
      case 'id':
        names.read.add(node.name);
        return;
      case 'select':
        walk(node.base);
        return;
      case 'string':
      case 'indented':
        for (const part of node.parts) if (typeof part !== 'string') walk(part);
        return;
      case 'list':
        node.items.forEach(walk);
        return;
      case 'attrs':
        for (const b of node.bindings) walk(b.value);
        return;
      case 'let':
        for (const b of node.bindings) {
          names.bound.add(b.path[0]!);
          walk(b.value);
        }
        walk(node.body);
        return;
      case 'lambda':
        if (typeof node.param === 'string') names.bound.add(node.param);
        else
          for (const f of node.param.formals) {
            names.bound.add(f.name);
            if (f.default) walk(f.default);
          }
        walk(node.body);
        return;
      case 'apply':
        walk(node.fn);
        node.args.forEach(walk);
        return;
      case 'binop':
        walk(node.left);
        walk(node.right);
        return;
      case 'not':
      case 'parens':
        walk(node.expr);
        return;
      case 'raw':
        rawNames(node.code, names);
        return;
      default:
        return;
    }
  };
  walk(expr);
  return names;
}

/** Names in Nix code written as text: `x:` and `x =` bind, other identifiers (not after a dot) are read. */
export function rawNames(code: string, names: Names): void {
  const interpolated = [...code.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_'-]*)\}/g)].map((m) => m[1]!);
  for (const name of interpolated) names.read.add(name);
  const text = code
    .replace(/#[^\n]*/g, ' ')
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/<[^>\s]*>/g, ' ');
  for (const m of text.matchAll(/(^|[^.A-Za-z0-9_'-])([A-Za-z_][A-Za-z0-9_'-]*)(\s*(:|=(?!=))?)/g)) {
    const name = m[2]!;
    if (KEYWORDS.has(name)) continue;
    if (m[4] === ':' || m[4] === '=') names.bound.add(name);
    else names.read.add(name);
  }
}
