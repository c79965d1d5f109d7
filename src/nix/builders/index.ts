/**
 * The derivation builders, one per kind of build the planner makes (`DerivationPlan['build'].kind`); the record's
 * type makes it complete. A build stage becomes one binding of default.nix, named by the plan's naming scope.
 */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, bind, id, select, str, type Binding, type NixExpr } from '../ast.js';
import { BUILDER_BINDINGS, commonBindings, type BuilderInput } from './common.js';
import { bundlerBuild, EMPTY_GEMSET } from './bundler.js';
import { composerBuild, PHP_BINDINGS } from './composer.js';
import { dotnetBuild } from './dotnet.js';
export { fetchDepsCommand } from './dotnet.js';
import { genericBuild } from './generic.js';
import { goBuild } from './go.js';
import { EMPTY_GRADLE_DEPS, GRADLE_BINDINGS, gradleBuild } from './gradle.js';
export { gradleUpdateCommand } from './gradle.js';
import { mavenBuild } from './maven.js';
import { mixBuild } from './mix.js';
import { nodeBuild } from './npm.js';
import { BUN_BINDINGS } from './bun.js';
import { PYTHON_BINDINGS } from './python.js';
import { rustBuild } from './rust.js';

type Build = DerivationPlan['build'];
type BuildKind = Build['kind'];

export const BUILDERS: { [K in BuildKind]: (input: BuilderInput<Extract<Build, { kind: K }>>) => NixExpr } = {
  npm: nodeBuild,
  go: goBuild,
  rust: rustBuild,
  dotnet: dotnetBuild,
  maven: mavenBuild,
  bundler: bundlerBuild,
  mix: mixBuild,
  gradle: gradleBuild,
  composer: composerBuild,
  generic: genericBuild,
};

/** Every name the builders' files bind in default.nix (for the naming scope). */
export const ALL_BUILDER_BINDINGS = [...BUILDER_BINDINGS, ...BUN_BINDINGS, ...PYTHON_BINDINGS, ...PHP_BINDINGS, ...GRADLE_BINDINGS] as const;

export function derivationBinding(derivation: DerivationPlan): Binding {
  const input: BuilderInput = {
    derivation,
    build: derivation.build,
    common: commonBindings(derivation),
    env: derivation.env.filter(([k]) => k !== 'CGO_ENABLED').map(([k, v]) => bind(k, str(v))),
  };
  const builder = BUILDERS[derivation.build.kind] as (input: BuilderInput) => NixExpr;
  const comments = [`Stage ${derivation.stage}${derivation.name !== 'app' ? ` ("${derivation.name}")` : ''}: Dockerfile lines ${derivation.lines.join(', ')}.`];
  return bind(derivation.name, builder(input), comments);
}

/**
 * What a derivation reads next to default.nix besides it (a lock file its generation step writes: .NET's and
 * Gradle's deps.json),
 * with the content to write before that step has run, and whether the image passes the derivation through for it.
 */
export function derivationSideFiles(derivation: DerivationPlan): { files: Record<string, string>; passthru: boolean } {
  if (derivation.build.kind === 'dotnet') return { files: { [derivation.build.nugetDeps]: '[ ]\n' }, passthru: true };
  if (derivation.build.kind === 'bundler') return { files: { [derivation.build.gemset]: EMPTY_GEMSET }, passthru: false };
  if (derivation.build.kind === 'gradle') return { files: { [derivation.build.depsFile]: EMPTY_GRADLE_DEPS }, passthru: true };
  return { files: {}, passthru: false };
}

/**
 * What of a derivation the image puts in its root besides the files it places: a Ruby stage's gems (their
 * programs, `bundle` among them, ahead of the wrapped Ruby's) and the Ruby that finds them.
 */
export function derivationContents(derivation: DerivationPlan): NixExpr[] {
  if (derivation.build.kind === 'bundler' && derivation.build.inImage) {
    const gems = id(derivation.name);
    return [apply(select(id('lib'), 'hiPrio'), gems), select(gems, 'wrappedRuby')];
  }
  return [];
}
