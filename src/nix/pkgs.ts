/**
 * The two names every part of default.nix reads: `pkgs` (the file's argument, nixpkgs) and `lib` (bound to
 * pkgs.lib at the top of its `let`), and the small helpers the emitter's files share.
 */
import { id, select, type Binding, type NixExpr } from './ast.js';
import { compareText } from '../compare.js';

export const pkgs = id('pkgs');
export const lib = id('lib');
/** `pkgs.<attr>`, for a dotted nixpkgs attribute path. */
export const pkg = (attr: string): NixExpr => select(pkgs, attr);

/** Names this file's helpers make: the file's argument and the `lib` binding. */
export const PKGS_BINDINGS = ['pkgs', 'lib'] as const;

/** The marker on a binding that needs the user's action, for Dockerfile line `line`. */
export function todo(line: number, what: string): string {
  return `TODO(dock2nix): line ${line}: ${what}`;
}

/** Bindings sorted by their attribute path, as Nix would print the set. */
export function sortBindings(bindings: Binding[]): Binding[] {
  return [...bindings].sort((a, b) => compareText(a.path.join('.'), b.path.join('.')));
}
