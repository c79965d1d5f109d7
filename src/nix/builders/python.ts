/** The image's Python: the interpreter from nixpkgs with the packages pip installed (`python.withPackages`). */
import type { MigrationPlan } from '../../convert/types.js';
import { apply, bind, commentText, id, lambda, list, print, raw, select, type Binding, type NixExpr } from '../ast.js';
import { pkg } from '../pkgs.js';

/** Names this file binds: the environment, and the package set's argument inside withPackages. */
export const PYTHON_BINDINGS = ['python', 'ps'] as const;

export function pythonBinding(python: NonNullable<MigrationPlan['image']['python']>): Binding {
  const interpreter = pkg(python.attr);
  return bind(
    'python',
    python.packages.length || python.missing.length ? apply(select(interpreter, 'withPackages'), lambda('ps', pythonPackageList(python))) : interpreter,
    [`Python ${python.attr.replace(/^python/, '')} with the packages pip installed.`],
  );
}

/**
 * The withPackages list: `ps.<attr>` for each package, then a TODO marker for each package the Dockerfile
 * installs that the environment lacks, at the end of the list where its attribute (or derivation) goes.
 */
function pythonPackageList(python: NonNullable<MigrationPlan['image']['python']>): NixExpr {
  const items = python.packages.map((p) => select(id('ps'), p));
  if (!python.missing.length) return list(items);
  const markers = python.missing.map((m) => {
    const what = m.note.startsWith('no nixpkgs attribute')
      ? `add ${m.name} here (no nixpkgs attribute is known for it: ps.<its attribute>, or a buildPythonPackage derivation)`
      : `add ${m.name} here: ${m.note}`;
    return `# ${commentText(`TODO(dock2nix): line ${m.line}: ${what}`)}`;
  });
  // Written as text for the comments; it still selects each package from the interpreter's set (for --check).
  return raw(
    ['[', ...items.map((item) => `  ${print(item)}`), ...markers.map((m) => `  ${m}`), ']'].join('\n'),
    python.packages.map((p) => `${python.attr}Packages.${p}`),
  );
}
