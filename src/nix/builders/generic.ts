/** Any other build stage: stdenv.mkDerivation replaying the stage's commands as written (each with a marker). */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, indented, select, type Binding, type NixExpr } from '../ast.js';
import { pkgs, sortBindings, todo } from '../pkgs.js';
import { installPhase, type BuilderInput } from './common.js';

export function genericBuild(input: BuilderInput<Extract<DerivationPlan['build'], { kind: 'generic' }>>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = [...input.common];
  const script = build.commands
    .map((c) => `# ${todo(c.line, 'not converted; replayed as written: check that it builds without network access')}\n${c.source}`)
    .join('\n');
  b.push(
    bind('buildPhase', indented('runHook preBuild\n', script ? `${script}\n` : '', 'runHook postBuild\n'), [
      'The commands of the stage, from the Dockerfile, as written.',
    ]),
  );
  b.push(bind('installPhase', installPhase(derivation)));
  if (input.env.length) b.push(bind('env', attrs(input.env)));
  return apply(select(pkgs, 'stdenv.mkDerivation'), attrs(sortBindings(b)));
}
