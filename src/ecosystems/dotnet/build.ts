/**
 * A .NET stage's derivation: buildDotnetModule (pkgs/build-support/dotnet/build-dotnet-module/default.nix) with
 * the project, configuration and runtime its `dotnet publish` (or `dotnet build`) gave, the SDK of the stage's
 * base, and nugetDeps read from a deps.json next to default.nix that its fetch-deps script writes.
 */
import type { StageState } from '../../convert/stage.js';
import type { BuildPlan } from '../../convert/types.js';
import { chooseRuntime } from '../../rules/lookup.js';
import { relativeTo, unique } from '../build-helpers.js';
import type { BuildInput, BuildPart } from '../define.js';

/** The side file nugetDeps reads, next to default.nix. */
export const NUGET_DEPS_FILE = 'deps.json';

const PROJECT_EXTENSIONS = ['csproj', 'fsproj', 'vbproj'];

export function planDotnet(state: StageState, input: BuildInput): BuildPart {
  const { context, root } = input;
  const steps = state.dotnet;
  const builds = steps.filter((s) => s.action !== 'restore');
  const main = builds.find((s) => s.action === 'publish') ?? builds[builds.length - 1]!;
  const problems: NonNullable<BuildPart['problems']> = [];
  // The project: named on the command line (publish first, then build, then restore), else the only one in its folder.
  const named = [main, ...builds, ...steps].find((s) => s.project !== null)?.project ?? null;
  const inSource = (path: string) => {
    const rel = relativeTo(state.workdir, path);
    return rel === null ? null : rel;
  };
  let projectFile: string | null = null;
  if (named && PROJECT_EXTENSIONS.some((ext) => named.endsWith(`.${ext}`))) projectFile = inSource(named);
  else {
    const dir = named ?? main.cwd;
    const rel = inSource(dir);
    if (rel !== null) {
      const prefix = [root, rel].filter(Boolean).join('/');
      const found = PROJECT_EXTENSIONS.flatMap((ext) => context.glob(prefix ? `${prefix}/*.${ext}` : `*.${ext}`));
      if (found.length === 1) projectFile = [rel, found[0]!.split('/').pop()!].filter(Boolean).join('/');
    }
  }
  if (named && projectFile === null && !named.endsWith('.sln') && !named.endsWith('.slnx')) {
    problems.push({
      line: main.line,
      status: 'approximated',
      message: `the project ${named} was not found in the build context; buildDotnetModule builds the solution (set projectFile)`,
    });
  }
  if (named?.endsWith('.sln') || named?.endsWith('.slnx')) projectFile = inSource(named);
  const pname =
    (projectFile ?? named ?? input.name)
      .split('/')
      .pop()!
      .replace(/\.(cs|fs|vb)proj$|\.slnx?$/, '')
      .replace(/[^A-Za-z0-9+._?=-]/g, '-') || input.name;
  const sdk = state.runtimes['dotnet-sdk'] ?? chooseRuntime(input.rules, 'dotnet-sdk', null);
  const runtimeId = [main, ...builds].find((s) => s.runtime !== null)?.runtime ?? null;
  const restore = steps.find((s) => s.action === 'restore');
  const build: BuildPlan = {
    kind: 'dotnet',
    sdk: sdk.attr,
    projectFile,
    buildType: main.configuration ?? builds.find((s) => s.configuration)?.configuration ?? 'Release',
    selfContained: main.selfContained === true,
    runtimeId,
    installFlags: unique(builds.filter((s) => s.action === 'publish').flatMap((s) => s.properties)),
    buildFlags: unique(builds.filter((s) => s.action === 'build').flatMap((s) => s.properties)),
    nugetDeps: NUGET_DEPS_FILE,
    line: (restore ?? main).line,
  };
  // buildDotnetModule publishes into $out/lib/<pname>: what `-o DIR` (or the default publish folder) held.
  const outputs = unique(builds.map((s) => s.output).filter((o): o is string => o !== null));
  const resolveSpecial = (from: string): { path: string } | null => {
    const clean = from.replace(/\/+$/, '');
    for (const output of outputs) {
      if (clean === output) return { path: `lib/${pname}` };
      if (clean.startsWith(`${output}/`)) return { path: `lib/${pname}/${clean.slice(output.length + 1)}` };
    }
    const standard = /\/bin\/(?:Release|Debug|[^/]+)\/[^/]+\/(?:[^/]+\/)?publish(\/.*)?$/.exec(clean);
    if (standard) return { path: `lib/${pname}${standard[1] ?? ''}` };
    return null;
  };
  return { build, pname, resolveSpecial, problems };
}
