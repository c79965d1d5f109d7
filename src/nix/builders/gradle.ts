/**
 * A Gradle stage: stdenv.mkDerivation with nixpkgs' Gradle in nativeBuildInputs, whose setup hook
 * (pkgs/development/tools/build-managers/gradle/setup-hook.sh) runs gradleBuildTask with gradleFlags offline, and
 * mitmCache = gradle.fetchDeps { pkg; data = ./deps.json; } (fetch-deps.nix): the dependencies its updateScript
 * records into the deps.json side file (doc/languages-frameworks/gradle.section.md).
 */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, bool, id, lambda, list, path, select, str, type Binding, type NixExpr } from '../ast.js';
import { pkg, pkgs, sortBindings, todo } from '../pkgs.js';
import { jarInstallPhase, replayHooks, type BuilderInput } from './common.js';

/** The names a Gradle derivation binds besides the stage's own (the function of finalAttrs mkDerivation takes). */
export const GRADLE_BINDINGS = ['finalAttrs'] as const;

/** What deps.json holds before its generation step has run: no dependency, in the format compress-deps-json.py writes. */
export const EMPTY_GRADLE_DEPS = '{\n  "!comment": "No dependency recorded yet: run the mitmCache.updateScript default.nix names.",\n  "!version": 1\n}\n';

type GradleBuild = Extract<DerivationPlan['build'], { kind: 'gradle' }>;

/** The command that records the Gradle dependencies of a derivation bound as `name` (the image passes it through). */
export function gradleUpdateCommand(name: string): string {
  return `$(nix-build -A ${name}.mitmCache.updateScript)`;
}

export function gradleBuild(input: BuilderInput<GradleBuild>): NixExpr {
  const { derivation, build } = input;
  const gradle = build.jdk ? apply(select(pkg(build.gradle), 'override'), attrs([bind('java', pkg(build.jdk))])) : pkg(build.gradle);
  const b: Binding[] = input.common.filter((x) => x.path[0] !== 'nativeBuildInputs');
  b.push(
    bind('nativeBuildInputs', list([gradle, ...derivation.nativeBuildInputs.map((a) => pkg(a))]), [
      build.jdk
        ? "nixpkgs' Gradle, running (and compiling with) the JDK of the build image; its setup hook builds offline."
        : "nixpkgs' Gradle; its setup hook builds offline.",
    ]),
  );
  b.push(
    bind(
      'mitmCache',
      apply(select(pkg(build.gradle), 'fetchDeps'), attrs([bind('data', path(`./${build.depsFile}`)), bind('pkg', select(id('finalAttrs'), 'finalPackage'))])),
      [
        todo(
          build.line,
          `in this folder, run ${gradleUpdateCommand(derivation.name)} to record the Gradle dependencies into ${build.depsFile} (it holds none until then; again whenever the build scripts change).`,
        ),
      ],
    ),
  );
  b.push(bind('__darwinAllowLocalNetworking', bool(true), ['mitm-cache serves the dependencies on a local port (needed on Darwin).']));
  b.push(bind('gradleBuildTask', str(build.tasks.join(' ')), ["As the Dockerfile's gradle line."]));
  if (build.flags.length) b.push(bind('gradleFlags', list(build.flags.map((f) => str(f)))));
  if (input.env.length) b.push(bind('env', attrs(sortBindings(input.env))));
  b.push(...replayHooks(derivation));
  b.push(
    jarInstallPhase(derivation, build.globs, 'build/libs/*.jar', "Gradle's setup hook has no install: install what the Dockerfile copies out of this stage."),
  );
  return apply(select(pkgs, 'stdenv.mkDerivation'), lambda('finalAttrs', attrs(sortBindings(b))));
}
