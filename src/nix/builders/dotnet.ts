/**
 * A .NET stage: pkgs.buildDotnetModule (pkgs/build-support/dotnet/build-dotnet-module/default.nix), its NuGet
 * packages read from the deps.json side file (add-nuget-deps/default.nix), which the image's passthru lets
 * `nix-build -A <name>.fetch-deps` generate.
 */
import type { DerivationPlan } from '../../convert/types.js';
import { apply, attrs, bind, bool, list, path, select, str, type Binding, type NixExpr } from '../ast.js';
import { pkg, pkgs, sortBindings, todo } from '../pkgs.js';
import { extraOutputLines, phase, replayLines, type BuilderInput } from './common.js';

type DotnetBuild = Extract<DerivationPlan['build'], { kind: 'dotnet' }>;

/** The command that writes the NuGet lock of a derivation bound as `name` (the image passes it through). */
export function fetchDepsCommand(name: string, file: string): string {
  return `nix-build -A ${name}.fetch-deps && ./result ${file}`;
}

export function dotnetBuild(input: BuilderInput<DotnetBuild>): NixExpr {
  const { derivation, build } = input;
  const b: Binding[] = [...input.common];
  if (build.projectFile !== null) b.push(bind('projectFile', str(build.projectFile)));
  b.push(
    bind('nugetDeps', path(`./${build.nugetDeps}`), [
      todo(
        build.line,
        `in this folder, run ${fetchDepsCommand(derivation.name, build.nugetDeps)} to write the NuGet packages into ${build.nugetDeps} (it holds [ ] until then; again whenever the packages change).`,
      ),
    ]),
  );
  b.push(bind('dotnet-sdk', pkg(build.sdk)));
  b.push(bind('buildType', str(build.buildType)));
  b.push(bind('executables', list([]), ['The image runs the published app (dotnet App.dll) itself: no wrappers in $out/bin.']));
  if (build.selfContained) b.push(bind('selfContainedBuild', bool(true)));
  if (build.runtimeId !== null) b.push(bind('runtimeId', str(build.runtimeId)));
  if (build.installFlags.length) b.push(bind('dotnetInstallFlags', list(build.installFlags.map((f) => str(f)))));
  if (build.buildFlags.length) b.push(bind('dotnetBuildFlags', list(build.buildFlags.map((f) => str(f)))));
  if (input.env.length) b.push(bind('env', attrs(sortBindings(input.env))));
  const before = phase(replayLines(derivation, 'before'));
  if (before) b.push(bind('preConfigure', before, ['Commands of the stage that run before its restore.']));
  const after = phase(replayLines(derivation, 'after'));
  if (after) b.push(bind('postBuild', after));
  const extra = phase(extraOutputLines(derivation));
  if (extra) b.push(bind('postInstall', extra, ['What later stages copy besides the published app.']));
  return apply(select(pkgs, 'buildDotnetModule'), attrs(sortBindings(b)));
}
