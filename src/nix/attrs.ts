/**
 * The nixpkgs attributes an emitted expression selects, read from its syntax tree: `convert --check` checks
 * exactly these. Names default.nix binds to nixpkgs sets are followed: `lib` (pkgs.lib, emit.ts) and the
 * `ps` of a Python environment (builders/python.ts).
 */
import type { NixExpr } from './ast.js';

/** Members of a package that are functions of it, not attributes to check on their own: the package is checked. */
const PACKAGE_FUNCTIONS = new Set(['withPackages', 'override', 'overrideAttrs', 'overridePythonAttrs']);

/**
 * The nixpkgs attribute paths an expression selects: `pkgs.a.b`, `lib.a` (default.nix binds lib to pkgs.lib), and
 * `ps.a` inside `pkgs.<python>.withPackages (ps: ...)` as `<python>Packages.a`. Raw code is not read: it declares
 * the attributes it selects (`raw(code, selects)`).
 */
export function usedAttributes(expr: NixExpr): Set<string> {
  const found = new Set<string>();
  const walk = (node: NixExpr, sets: Map<string, string>): void => {
    switch (node.kind) {
      case 'select': {
        const flat = selection(node);
        if (flat) {
          const prefix = flat.root === 'pkgs' ? '' : flat.root === 'lib' ? 'lib.' : sets.get(flat.root);
          if (prefix !== undefined) {
            const path = [...flat.path];
            while (path.length > 1 && PACKAGE_FUNCTIONS.has(path[path.length - 1]!)) path.pop();
            found.add(`${prefix}${path.join('.')}`);
            return;
          }
        }
        walk(node.base, sets);
        return;
      }
      case 'string':
      case 'indented':
        for (const part of node.parts) if (typeof part !== 'string') walk(part, sets);
        return;
      case 'list':
        for (const item of node.items) walk(item, sets);
        return;
      case 'attrs':
      case 'let':
        for (const binding of node.bindings) walk(binding.value, sets);
        if (node.kind === 'let') walk(node.body, sets);
        return;
      case 'lambda':
        if (typeof node.param !== 'string') for (const formal of node.param.formals) if (formal.default) walk(formal.default, sets);
        walk(node.body, sets);
        return;
      case 'apply': {
        walk(node.fn, sets);
        // `pkgs.python312.withPackages (ps: [ ps.flask ])`: ps is python312's package set.
        const fn = node.fn.kind === 'select' ? selection(node.fn) : null;
        const withPackages = fn && fn.root === 'pkgs' && fn.path[fn.path.length - 1] === 'withPackages' ? fn.path.slice(0, -1).join('.') : null;
        for (const arg of node.args) {
          if (withPackages && arg.kind === 'lambda' && typeof arg.param === 'string')
            walk(arg.body, new Map([...sets, [arg.param, `${withPackages}Packages.`]]));
          else walk(arg, sets);
        }
        return;
      }
      case 'binop':
        walk(node.left, sets);
        walk(node.right, sets);
        return;
      case 'not':
      case 'parens':
        walk(node.expr, sets);
        return;
      case 'raw':
        // Code written as text declares what it selects (ast.ts raw).
        for (const attr of node.selects ?? []) found.add(attr);
        return;
      default:
        return;
    }
  };
  walk(expr, new Map());
  return found;
}

/** `pkgs.a.b` written as nested selections, as one: the identifier it starts from and the path. */
function selection(node: NixExpr): { root: string; path: string[] } | null {
  if (node.kind === 'id') return { root: node.name, path: [] };
  if (node.kind !== 'select') return null;
  const base = selection(node.base);
  return base ? { root: base.root, path: [...base.path, ...node.path] } : null;
}
