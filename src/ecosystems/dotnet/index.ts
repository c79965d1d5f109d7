/** .NET: `dotnet restore`, `dotnet build` and `dotnet publish` become buildDotnetModule; `dotnet test` is its check. */
import { match } from 'ts-pattern';
import { resolvePath } from '../../container-path.js';
import { flagValue, hasFlag, parseArgs } from '../../convert/programs/args.js';
import type { StageState } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { planDotnet } from './build.js';

const VALUE_FLAGS = new Set([
  '-c',
  '--configuration',
  '-o',
  '--output',
  '-r',
  '--runtime',
  '-f',
  '--framework',
  '-a',
  '--arch',
  '--os',
  '-s',
  '--source',
  '--packages',
  '-v',
  '--verbosity',
  '--version-suffix',
  '--property',
  '--configfile',
  '--lockfile-path',
  '--ucr',
  '--self-contained',
]);

/** `-p:Name=value`, `/p:Name=value` and `--property:Name=value` (parseArgs would split them into letters). */
function properties(words: string[]): { properties: string[]; rest: string[] } {
  const props: string[] = [];
  const rest: string[] = [];
  for (const word of words) {
    if (/^(-p|\/p|--property|-property|\/property):/i.test(word)) props.push(`-p:${word.slice(word.indexOf(':') + 1)}`);
    else rest.push(word);
  }
  return { properties: props, rest };
}

const dotnet: ProgramHandler = (words, command, scope) => {
  const { properties: props, rest } = properties(words.slice(1));
  // `--self-contained` takes an optional true/false; parseArgs must not eat a project path after it.
  const normal = rest.flatMap((word, i) => (word === '--self-contained' && !/^(true|false)$/i.test(rest[i + 1] ?? '') ? ['--self-contained=true'] : [word]));
  const args = parseArgs(normal, VALUE_FLAGS);
  const [action, ...operands] = args.operands;
  const project = operands[0] ? resolvePath(command.cwd, operands[0]) : null;
  const record = (kind: 'restore' | 'publish' | 'build') => {
    const output = flagValue(args, '-o', '--output');
    const self = flagValue(args, '--self-contained');
    scope.stage.dotnet.push({
      line: scope.line,
      cwd: command.cwd,
      action: kind,
      project,
      configuration: flagValue(args, '-c', '--configuration'),
      output: output ? resolvePath(command.cwd, output) : null,
      runtime: flagValue(args, '-r', '--runtime'),
      selfContained: hasFlag(args, '--no-self-contained') ? false : self === null ? null : !/^false$/i.test(self),
      properties: props,
    });
    scope.stage.buildLines.push(scope.line);
    const recorded = scope.stage.dotnet[scope.stage.dotnet.length - 1]!;
    // What `-o DIR` makes is a folder: `COPY --from=build DIR .` merges its contents, as Docker does.
    if (recorded.output) scope.stage.directories.set(recorded.output, { path: recorded.output, mode: null, owner: null });
    return recorded;
  };
  if (action === undefined && hasFlag(args, '--info', '--version', '--list-sdks', '--list-runtimes')) {
    return ignored('run.dotnet.info', `${words.join(' ')}: prints what the SDK has; nothing to build`);
  }
  return match(action)
    .with('restore', () => {
      record('restore');
      return {
        status: 'mapped' as const,
        rule: 'run.dotnet.restore',
        message: `dotnet restore: buildDotnetModule restores offline from nugetDeps (deps.json, written once by its fetch-deps script)`,
      };
    })
    .with('publish', () => {
      const step = record('publish');
      const where = step.output ? `; ${step.output} is the published app (buildDotnetModule's lib/<pname>)` : '';
      return {
        status: 'mapped' as const,
        rule: 'run.dotnet.publish',
        message: `dotnet publish${step.configuration ? ` -c ${step.configuration}` : ''}: buildDotnetModule${where}`,
      };
    })
    .with('build', () => {
      const step = record('build');
      if (step.output) {
        return {
          status: 'approximated' as const,
          rule: 'run.dotnet.build',
          message: `dotnet build -o ${step.output}: buildDotnetModule builds and publishes; what later stages copy from ${step.output} is the published app, which holds the build output of a framework-dependent app`,
        };
      }
      return { status: 'mapped' as const, rule: 'run.dotnet.build', message: `dotnet build: buildDotnetModule's build phase` };
    })
    .with('test', () => ignored('run.dotnet.test', `dotnet test: tests run in buildDotnetModule's check phase when doCheck is set (testProjectFile)`))
    .with('clean', () => ignored('run.dotnet.clean', 'dotnet clean: every Nix build starts clean'))
    .with('nuget', () =>
      operands[0] === 'locals'
        ? ignored('run.dotnet.cache', `dotnet nuget locals: NuGet's cache, which the Nix build does not keep`)
        : manual(
            'run.dotnet.nuget',
            `dotnet nuget ${operands.join(' ')}: NuGet sources and credentials for the restore; set them for the fetch-deps step (a nuget.config in the source)`,
          ),
    )
    .with('dev-certs', () =>
      manual(
        'run.dotnet.dev-certs',
        `dotnet dev-certs ${operands.join(' ')}: a development certificate made at build time; provide the certificate to the image by hand`,
      ),
    )
    .with('tool', 'workload', () =>
      manual(
        'run.dotnet.tool',
        `dotnet ${action} ${operands.join(' ')}: installs from the network at build time; use the nixpkgs package of the tool (or buildDotnetGlobalTool)`,
      ),
    )
    .otherwise(() => manual('run.dotnet.unknown', `dotnet ${[action, ...operands].filter(Boolean).join(' ')}: not understood`));
};

/** Whether a path is what a `dotnet publish -o DIR` (or `dotnet build -o DIR`) of the stage left there. */
function dotnetOutput(state: StageState, path: string): boolean {
  return state.dotnet.some((step) => step.action !== 'restore' && step.output !== null && (path === step.output || path.startsWith(`${step.output}/`)));
}

export default defineEcosystem({
  id: 'dotnet',
  summary: '.NET builds (dotnet restore, build and publish: buildDotnetModule with nugetDeps)',
  programs: { dotnet },
  cachePaths: [/^\/root\/\.nuget(\/|$)/],
  builtOutput: dotnetOutput,
  build: { precedence: 3, active: (state) => state.dotnet.some((step) => step.action !== 'restore'), plan: planDotnet },
});
