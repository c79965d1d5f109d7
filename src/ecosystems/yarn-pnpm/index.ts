/** Yarn 1 and pnpm builds: fetchYarnDeps with yarnConfigHook, fetchPnpmDeps with pnpmConfigHook (the npm ecosystem's derivation). */
import { resolvePath } from '../../container-path.js';
import { contextPathOf } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { YARN_PRODUCTION, withoutDevDependencies } from '../npm/production.js';

/** Commands of Yarn 1 and pnpm that are not scripts (`yarn build` runs the build script; `yarn add` is a command). */
const YARN_COMMANDS = new Set([
  'add',
  'audit',
  'autoclean',
  'bin',
  'cache',
  'check',
  'config',
  'create',
  'dedupe',
  'exec',
  'dlx',
  'generate-lock-entry',
  'global',
  'help',
  'import',
  'info',
  'init',
  'licenses',
  'link',
  'list',
  'ls',
  'login',
  'logout',
  'outdated',
  'owner',
  'pack',
  'patch',
  'policies',
  'prune',
  'publish',
  'rebuild',
  'remove',
  'rm',
  'store',
  'tag',
  'team',
  'unlink',
  'unplug',
  'up',
  'update',
  'upgrade',
  'upgrade-interactive',
  'version',
  'versions',
  'why',
  'workspace',
  'workspaces',
  'fetch',
  'deploy',
  'env',
  'setup',
  'root',
  'patch-commit',
]);

/**
 * Yarn 1 and pnpm: installing from the lock file and running package.json scripts are converted (fetchYarnDeps
 * with yarnConfigHook and yarnBuildHook; fetchPnpmDeps with pnpmConfigHook); Yarn 2+ (Berry) and stages without
 * a lock file are left for manual work, with the nixpkgs approach named.
 */
/** Yarn 1 and pnpm options followed by a value (`--network-timeout 100000`): the value is not a command or script. */
const NODE_MANAGER_VALUE_FLAGS = new Set([
  '--cwd',
  '--modules-folder',
  '--network-timeout',
  '--registry',
  '--cache-folder',
  '--mutex',
  '--network-concurrency',
  '--global-folder',
  '--link-folder',
  '--preferred-cache-folder',
  '--otp',
  '--use-yarnrc',
  '-C',
  '--dir',
  '--filter',
  '-F',
  '--reporter',
  '--store-dir',
  '--loglevel',
  '--virtual-store-dir',
  '--modules-dir',
  '--workspace-concurrency',
]);
/** Options that move the command to another folder or across a workspace: not converted yet. */
const NODE_MANAGER_ELSEWHERE = new Set(['--cwd', '-C', '--dir', '--filter', '-F', '-r', '--recursive', '-w', '--workspace-root']);

/**
 * Yarn 1 and pnpm: installing from the lock file and running package.json scripts are converted (fetchYarnDeps
 * with yarnConfigHook and yarnBuildHook; fetchPnpmDeps with pnpmConfigHook) when they run in the stage's working
 * directory with the lock file copied there. Yarn 2+ (Berry), missing locks, other folders and workspaces are left
 * for manual work, with the nixpkgs approach named.
 */
const yarnOrPnpm: ProgramHandler = (words, command, scope) => {
  const tool = words[0] as 'yarn' | 'pnpm';
  const operands: string[] = [];
  const flags: string[] = [];
  const elsewhere: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-')) {
      operands.push(word);
      continue;
    }
    const name = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
    if (NODE_MANAGER_ELSEWHERE.has(name)) elsewhere.push(word);
    flags.push(word);
    if (!word.includes('=') && NODE_MANAGER_VALUE_FLAGS.has(name)) i++;
  }
  const action = operands[0] ?? 'install';
  const lockName = tool === 'pnpm' ? 'pnpm-lock.yaml' : 'yarn.lock';
  if (
    ['cache', 'store', 'prune', 'fetch', 'config', 'audit', 'outdated', 'licenses', 'why', 'info', 'list', 'ls', 'version', 'versions', 'help'].includes(action)
  ) {
    return ignored(`run.${tool}.noop`, `${tool} ${action}: not needed with Nix`);
  }
  if (action === 'test') return ignored(`run.${tool}.test`, `${tool} test: tests belong in doCheck/checkPhase`);
  if (elsewhere.length)
    return manual(
      'run.node.other-manager',
      `${tool} ${[...elsewhere, action].join(' ')}: runs in another folder or across a workspace; not converted yet (give the derivation that folder as its source, or set pnpmWorkspaces)`,
    );
  if (command.cwd !== scope.stage.workdir)
    return manual(
      'run.node.other-manager',
      `${tool} ${action}: runs in ${command.cwd}, not in the stage's working directory ${scope.stage.workdir}; not converted yet`,
    );
  const lockPath = contextPathOf(scope.stage, resolvePath(command.cwd, lockName));
  const lock = lockPath === null ? null : scope.context.readText(lockPath);
  if (lock === null) {
    return manual(
      'run.node.other-manager',
      tool === 'pnpm'
        ? `${tool} ${action}: no pnpm-lock.yaml copied into ${command.cwd} before it; copy it (COPY package.json pnpm-lock.yaml ./), and dock2nix converts it with fetchPnpmDeps and pnpmConfigHook`
        : `${tool} ${action}: no yarn.lock copied into ${command.cwd} before it; copy it (COPY package.json yarn.lock ./), and dock2nix converts it with fetchYarnDeps and yarnConfigHook (Yarn 1)`,
    );
  }
  if (tool === 'yarn' && /__metadata:/.test(lock)) {
    return manual(
      'run.node.other-manager',
      `yarn ${action}: yarn.lock is Yarn 2+ (Berry): in nixpkgs use yarn-berry_4.fetchYarnBerryDeps with yarn-berry_4.yarnBerryConfigHook; dock2nix converts Yarn 1 and pnpm builds only so far`,
    );
  }
  const push = (step: { action: 'install' | 'run'; script?: string; production?: boolean }) => {
    scope.stage.npm.push({ manager: tool, line: scope.line, cwd: command.cwd, flags, ...step });
    scope.stage.buildLines.push(scope.line);
  };
  if (action === 'install' || action === 'i') {
    if (operands.length > 1)
      return manual(
        `run.${tool}.add`,
        `${tool} install ${operands.slice(1).join(' ')}: adds packages that are not in package.json; add them to package.json and ${lockName}`,
      );
    const production = withoutDevDependencies(flags, YARN_PRODUCTION, command, scope, false);
    push({ action: 'install', production });
    const how =
      tool === 'pnpm' ? 'dependencies from pnpm-lock.yaml (fetchPnpmDeps, pnpmConfigHook)' : 'dependencies from yarn.lock (fetchYarnDeps, yarnConfigHook)';
    if (!production) return { status: 'mapped', rule: `run.${tool}.install`, message: `${tool} install: ${how}` };
    return tool === 'yarn'
      ? {
          status: 'mapped',
          rule: 'run.yarn.install',
          message: `yarn install: ${how}; then without dev dependencies, as here (yarn install --production=true --offline, before the build script)`,
        }
      : { status: 'approximated', rule: 'run.pnpm.install', message: `pnpm install: ${how}; dev dependencies are installed too (the hook installs them all)` };
  }
  if (action === 'add')
    return manual(
      `run.${tool}.add`,
      `${tool} add ${operands.slice(1).join(' ')}: adds packages that are not in package.json; add them to package.json and ${lockName}`,
    );
  // `yarn build` runs the script only when package.json has one of that name (otherwise it is a command).
  const packageJson = contextPathOf(scope.stage, resolvePath(command.cwd, 'package.json'));
  const scripts = (() => {
    try {
      return Object.keys((JSON.parse((packageJson && scope.context.readText(packageJson)) || '{}') as { scripts?: Record<string, string> }).scripts ?? {});
    } catch {
      return [];
    }
  })();
  const script = action === 'run' || action === 'run-script' ? operands[1] : !YARN_COMMANDS.has(action) && scripts.includes(action) ? action : undefined;
  if (!script) return manual(`run.${tool}.unknown`, `${tool} ${operands.join(' ')}: not a script of package.json dock2nix can see; not converted`);
  push({ action: 'run', script });
  return { status: 'mapped', rule: `run.${tool}.run`, message: `${tool} run ${script}: the build script of the stage's derivation` };
};

export default defineEcosystem({
  id: 'yarn-pnpm',
  summary: 'Yarn 1 and pnpm builds (fetchYarnDeps, fetchPnpmDeps)',
  programs: { yarn: yarnOrPnpm, pnpm: yarnOrPnpm },
});
