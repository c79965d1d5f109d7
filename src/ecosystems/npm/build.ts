/** A Node stage's derivation: buildNpmPackage, or Yarn 1's and pnpm's hooks, from the lock file the install used. */
import type { StageState } from '../../convert/stage.js';
import type { BuildPlan } from '../../convert/types.js';
import { unique } from '../build-helpers.js';
import type { BuildInput, BuildPart } from '../define.js';
import { BUN_LOCKS } from '../bun/index.js';
import { NPM_PRODUCTION } from './production.js';

export function planNpm(state: StageState, input: BuildInput): BuildPart | null {
  // An answer can ask for the generic build (the stage's commands replayed) instead.
  if (input.decisions?.build(input.stage) === 'generic') return null;
  const { read } = input;
  let pname = input.name;
  const pkg = read('package.json');
  let meta: { name?: string; version?: string } = {};
  try {
    meta = pkg ? (JSON.parse(pkg) as typeof meta) : {};
  } catch {
    meta = {};
  }
  pname = meta.name ? meta.name.replace(/^@/, '').replace(/\//g, '-') : pname;
  const version = meta.version;
  // The manager that installed the dependencies builds the stage (Yarn 1 and pnpm steps are only recorded with a lock file).
  const manager = state.npm.find((s) => s.action !== 'run')?.manager ?? state.npm[0]!.manager;
  const lockFile =
    manager === 'bun'
      ? (BUN_LOCKS.find((f) => read(f) !== null) ?? null)
      : manager === 'yarn'
        ? 'yarn.lock'
        : manager === 'pnpm'
          ? 'pnpm-lock.yaml'
          : (['package-lock.json', 'npm-shrinkwrap.json'].find((f) => read(f) !== null) ?? null);
  const runs = state.npm.filter((s) => s.action === 'run');
  // importNpmLock needs the lock file; an answer can ask for one fixed-output download instead.
  const dependencies =
    manager === 'bun'
      ? 'bunInstall'
      : manager === 'yarn'
        ? 'fetchYarnDeps'
        : manager === 'pnpm'
          ? 'fetchPnpmDeps'
          : lockFile && input.decisions?.build(input.stage) !== 'npmDepsHash'
            ? 'importNpmLock'
            : 'npmDepsHash';
  const build: BuildPlan = {
    kind: 'npm',
    manager,
    dependencies,
    nodejs: state.runtimes.nodejs?.attr ?? 'nodejs',
    buildScript: runs.length ? runs[runs.length - 1]!.script! : null,
    lockFile,
    // Not the ones that leave dev dependencies out: the build needs them, and the prune above drops them after it.
    npmFlags: unique(state.npm.flatMap((s) => s.flags).filter((f) => f !== '--silent' && f !== '--quiet' && !NPM_PRODUCTION.without.test(f))),
    // Where the Dockerfile's last install (or prune) left dev dependencies out (run.ts): npm prunes after the
    // build, Yarn before it (emit.ts). An install after a prune brings them back.
    omitDev: [...state.npm].reverse().find((s) => s.action !== 'run')?.production === true,
    line: (state.npm.find((s) => s.action !== 'run') ?? state.npm[0]!).line,
  };
  return { build, pname, version };
}
