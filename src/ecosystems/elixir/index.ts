/** Elixir: `mix deps.get`, `mix deps.compile`, `mix compile` and `mix release` become mixRelease with fetchMixDeps. */
import { parseArgs } from '../../convert/programs/args.js';
import { contextPathOf, type CommandScope, type Outcome, type StageState } from '../../convert/stage.js';
import type { ShellCommand } from '../../shell/analyze.js';
import { relativeTo } from '../build-helpers.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { planMix } from './build.js';

type Task = 'deps.get' | 'deps.compile' | 'compile' | 'release';

function task(words: string[], command: ShellCommand, scope: CommandScope): Outcome {
  const [name, ...rest] = words;
  const args = parseArgs(rest, new Set(['--only', '--path', '--target']));
  const env = command.assigns.MIX_ENV ?? scope.env.MIX_ENV ?? null;
  const record = (kind: Task, release: string | null = null) => {
    scope.stage.mix.push({ line: scope.line, cwd: command.cwd, task: kind, env, release });
    scope.stage.buildLines.push(scope.line);
  };
  const mapped = (rule: string, message: string): Outcome => ({ status: 'mapped', rule, message });
  switch (name) {
    case 'local.hex':
    case 'local.rebar':
      return ignored('run.mix.local', `mix ${name}: mixRelease and fetchMixDeps bring Hex, rebar and rebar3 from nixpkgs`);
    case 'deps.get':
      record('deps.get');
      return mapped('run.mix.deps', 'mix deps.get: fetchMixDeps downloads the dependencies of mix.lock (mixFodDeps; one download whose hash is pasted once)');
    case 'deps.compile':
      record('deps.compile');
      return mapped('run.mix.deps-compile', "mix deps.compile: mixRelease's configure phase compiles the dependencies");
    case 'compile':
      record('compile');
      return mapped('run.mix.compile', "mix compile: mixRelease's build phase");
    case 'release': {
      if (args.operands.length > 1 || rest.some((w) => w === '--path')) return manual('run.mix.release', `mix ${words.join(' ')}: not converted`);
      record('release', args.operands[0] ?? null);
      // What it makes is a folder (`COPY --from=build /app/_build/prod/rel/shop ./` merges it): the release's name is
      // the one given, else the project's app (mix.exs); mixRelease installs it as $out.
      const project = contextPathOf(scope.stage, `${command.cwd.replace(/\/$/, '')}/mix.exs`);
      const app = project === null ? null : (/\bapp:\s*:([a-z_][a-z0-9_]*)/.exec(scope.context.readText(project) ?? '')?.[1] ?? null);
      const name = args.operands[0] ?? app;
      if (name) {
        const dir = `${command.cwd.replace(/\/$/, '')}/_build/${env ?? 'dev'}/rel/${name}`;
        scope.stage.directories.set(dir, { path: dir, mode: null, owner: null });
      }
      return mapped(
        'run.mix.release',
        `mix release${args.operands[0] ? ` ${args.operands[0]}` : ''}: mixRelease installs the release in $out (what _build/<env>/rel/<name> held)`,
      );
    }
    case 'deps.clean':
    case 'clean':
    case 'hex.info':
    case 'deps.unlock':
      return name === 'deps.unlock'
        ? manual('run.mix.unknown', `mix ${words.join(' ')}: changes mix.lock; not converted`)
        : ignored('run.mix.noop', `mix ${name}: every Nix build starts clean`);
    default:
      return manual('run.mix.unknown', `mix ${words.join(' ')}: not converted; it runs as written in the release's build (check that it works offline)`);
  }
}

const mix: ProgramHandler = (words, command, scope) => {
  const args = words.slice(1);
  if (args[0] === 'do') {
    // `mix do deps.get, compile` (and the newer `mix do deps.get + compile`): each task in turn.
    const tasks = args
      .slice(1)
      .join(' ')
      .split(/\s*(?:,|\s\+\s)\s*/)
      .map((t) => t.trim().split(/\s+/).filter(Boolean))
      .filter((t) => t.length);
    const outcomes = tasks.map((t) => task(t, command, scope));
    const worst =
      outcomes.find((o) => o.status === 'manual') ?? outcomes.find((o) => o.status === 'approximated') ?? outcomes.find((o) => o.status === 'mapped');
    return { ...(worst ?? outcomes[0] ?? ignored('run.mix.noop', 'mix do: no tasks')), message: outcomes.map((o) => o.message).join('; ') };
  }
  if (args.length === 0 || args[0] === '--version' || args[0] === 'help') return ignored('run.mix.noop', `${words.join(' ')}: nothing to build`);
  return task(args, command, scope);
};

/** Whether a path is a release `mix release` left in the stage (`_build/<env>/rel/<name>`). */
function releaseOutput(state: StageState, path: string): boolean {
  if (!state.mix.some((s) => s.task === 'release')) return false;
  const rel = relativeTo(state.workdir, path);
  return rel !== null && /^_build\/[^/]+\/rel(\/|$)/.test(rel);
}

export default defineEcosystem({
  id: 'elixir',
  summary: 'Elixir releases (mix deps.get, compile and release: mixRelease with fetchMixDeps)',
  programs: { mix },
  cachePaths: [/^\/root\/\.(mix|hex)(\/|$)/],
  builtOutput: releaseOutput,
  build: { precedence: 4, active: (state) => state.mix.length > 0, plan: planMix },
});
