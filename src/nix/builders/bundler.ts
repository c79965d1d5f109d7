/**
 * A Ruby stage's gems: pkgs.bundlerEnv (pkgs/development/ruby-modules/bundler-env/default.nix and
 * bundled-common/default.nix: name, ruby, gemfile, lockfile, gemset, groups), its gemset read from the gemset.nix
 * side file that bundix writes from Gemfile.lock.
 */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, list, nul, path, select, str, type Binding, type NixExpr } from '../ast.js';
import { contextPath } from '../context.js';
import { pkg, pkgs, sortBindings, todo } from '../pkgs.js';
import type { BuilderInput } from './common.js';

type BundlerBuild = Extract<DerivationPlan['build'], { kind: 'bundler' }>;

/** What gemset.nix holds before bundix has run: no gems (the marker on `gemset` in default.nix says what to run). */
export const EMPTY_GEMSET = '# Written by dock2nix: no gems until bundix writes them (see TODO(dock2nix) on gemset in default.nix).\n{ }\n';

export function bundlerBuild(input: BuilderInput<BundlerBuild>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = [
    bind('name', str(derivation.pname)),
    bind('ruby', pkg(build.ruby)),
    bind('gemset', path(`./${build.gemset}`), [
      todo(
        build.line,
        `in this folder, run bundix to write the gems of Gemfile.lock into ${build.gemset} (it holds { } until then, and the image has no gems; again whenever Gemfile.lock changes): nix-shell -p bundix --run 'bundix --gemfile=<context>/${build.gemfile ?? 'Gemfile'} --lockfile=<context>/${build.lockfile ?? 'Gemfile.lock'} --gemset=${build.gemset}' (<context>: the build context, bound as context in this file)`,
      ),
    ]),
  ];
  if (build.gemfile !== null) b.push(bind('gemfile', contextPath(build.gemfile)));
  if (build.lockfile !== null) b.push(bind('lockfile', contextPath(build.lockfile)));
  b.push(
    build.groups === null
      ? bind('groups', nul, ['Every group of the Gemfile, as bundle install without --without installs them.'])
      : bind('groups', list(build.groups.map((g) => str(g))), ['The groups bundle install kept (the others were left out).']),
  );
  return apply(select(pkgs, 'bundlerEnv'), attrs(sortBindings(b)));
}
