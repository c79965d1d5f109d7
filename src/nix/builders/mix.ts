/**
 * An Elixir stage: mixRelease of a BEAM package set (pkgs/development/beam-modules/mix-release.nix), its
 * dependencies one fixed-output download by fetchMixDeps (fetch-mix-deps.nix) whose hash is pasted after a first build.
 */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, bool, id, letIn, select, str, type Binding, type NixExpr } from '../ast.js';
import { lib, pkgs, sortBindings, todo } from '../pkgs.js';
import { extraOutputLines, phase, replayLines, srcExpr, type BuilderInput } from './common.js';

type MixBuild = Extract<DerivationPlan['build'], { kind: 'mix' }>;

export function mixBuild(input: BuilderInput<MixBuild>): NixExpr {
  const { derivation, build } = input;
  const beam = select(pkgs, build.beam);
  const elixir = select(beam, build.elixir);
  const common = input.common.filter((x) => x.path[0] !== 'src');
  const fetch = apply(
    select(beam, 'fetchMixDeps'),
    attrs(
      sortBindings([
        bind('pname', str(`mix-deps-${derivation.pname}`)),
        bind('version', str(derivation.version)),
        bind('src', id('src')),
        bind('elixir', elixir),
        bind('mixEnv', str(build.mixEnv)),
        bind('hash', select(lib, 'fakeHash'), [
          todo(build.line, 'build once and paste the hash Nix prints here (the Mix dependencies of mix.lock; again whenever mix.lock or mixEnv change).'),
        ]),
      ]),
    ),
  );
  const b: Binding[] = [
    ...common,
    bind('src', id('src')),
    bind('elixir', elixir),
    bind('mixEnv', str(build.mixEnv)),
    bind('mixFodDeps', fetch),
    bind('removeCookie', bool(false), [
      "The release keeps releases/COOKIE, as the Dockerfile's did (it is world-readable in the Nix store): set RELEASE_COOKIE at run time and removeCookie = true if the nodes' cookie is a secret.",
    ]),
  ];
  if (build.releaseName !== null) b.push(bind('mixReleaseName', str(build.releaseName)));
  const env = input.env.filter((x) => x.path[0] !== 'MIX_ENV');
  if (env.length) b.push(bind('env', attrs(sortBindings(env))));
  const before = phase(replayLines(derivation, 'before'));
  if (before) b.push(bind('preBuild', before, ['Commands of the stage that run before its mix compile.']));
  const after = phase(replayLines(derivation, 'after'));
  if (after) b.push(bind('postBuild', after, ['Commands of the stage that run after its mix compile, before the release.']));
  const extra = phase(extraOutputLines(derivation));
  if (extra) b.push(bind('postInstall', extra, ['What later stages copy besides the release.']));
  return letIn([bind('src', srcExpr(derivation))], apply(select(beam, 'mixRelease'), attrs(sortBindings(b))));
}
