/**
 * Bun: `bun install` from bun.lock becomes a fixed-output derivation of node_modules (as nixpkgs packages Bun
 * apps: pkgs/by-name/ku/kulala-core, filen-cli), and `bun run <script>` the build script of the stage's derivation
 * (the npm ecosystem's, with manager `bun`). Adding packages, bunx and global installs are manual.
 */
import { resolvePath } from '../../container-path.js';
import { buildStepCount, contextPathOf } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';

/** Bun's own commands: `bun <name>` runs a package.json script only when the name is none of these. */
const BUN_COMMANDS = new Set([
  'run',
  'test',
  'x',
  'repl',
  'exec',
  'install',
  'i',
  'add',
  'a',
  'remove',
  'rm',
  'update',
  'outdated',
  'link',
  'unlink',
  'publish',
  'patch',
  'patch-commit',
  'pm',
  'info',
  'audit',
  'why',
  'init',
  'create',
  'c',
  'upgrade',
  'build',
  'completions',
  'help',
]);
/** Options followed by a value. */
const VALUE_FLAGS = new Set([
  '--cwd',
  '-c',
  '--config',
  '--cache-dir',
  '--backend',
  '--registry',
  '--linker',
  '--cpu',
  '--os',
  '--network-concurrency',
  '-e',
  '--filter',
  '-F',
]);
const ELSEWHERE = new Set(['--cwd', '--filter', '-F']);
/** Lock files: the text one (Bun 1.2+) and the binary one before it. */
export const BUN_LOCKS = ['bun.lock', 'bun.lockb'];

/** The scripts of package.json in a folder of the stage, or [] when unreadable. */
function scriptsOf(scope: Parameters<ProgramHandler>[2], cwd: string): string[] {
  const path = contextPathOf(scope.stage, resolvePath(cwd, 'package.json'));
  try {
    return Object.keys((JSON.parse((path && scope.context.readText(path)) || '{}') as { scripts?: Record<string, string> }).scripts ?? {});
  } catch {
    return [];
  }
}

const bun: ProgramHandler = (words, command, scope) => {
  const operands: string[] = [];
  const flags: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-')) {
      operands.push(word);
      // What follows a script or file to run belongs to it.
      if (operands.length >= 2 && operands[0] === 'run') {
        operands.push(...words.slice(i + 1));
        break;
      }
      continue;
    }
    flags.push(word);
    if (!word.includes('=') && VALUE_FLAGS.has(word)) i++;
  }
  const action = operands[0] ?? 'run';
  if (['pm', 'info', 'audit', 'why', 'outdated', 'completions', 'help'].includes(action)) return ignored('run.bun.noop', `bun ${action}: not needed with Nix`);
  if (action === 'test') return ignored('run.bun.test', 'bun test: tests belong in doCheck/checkPhase');
  const elsewhere = flags.filter((f) => ELSEWHERE.has(f.split('=')[0]!));
  if (elsewhere.length)
    return manual('run.bun.elsewhere', `bun ${[...elsewhere, action].join(' ')}: runs in another folder or across a workspace; not converted yet`);
  if (command.cwd !== scope.stage.workdir)
    return manual('run.bun.elsewhere', `bun ${action}: runs in ${command.cwd}, not in the stage's working directory ${scope.stage.workdir}; not converted yet`);
  const push = (step: { action: 'install' | 'run'; script?: string; production?: boolean }) => {
    scope.stage.npm.push({ manager: 'bun', line: scope.line, cwd: command.cwd, flags, ...step });
    scope.stage.buildLines.push(scope.line);
  };
  if (action === 'install' || action === 'i') {
    if (flags.some((f) => f === '-g' || f === '--global'))
      return manual('run.bun.global', `bun ${action} -g ${operands.slice(1).join(' ')}: a global install; use the nixpkgs package of the tool instead`);
    if (operands.length > 1)
      return manual(
        'run.bun.add',
        `bun ${action} ${operands.slice(1).join(' ')}: adds packages that are not in package.json; add them to package.json and bun.lock`,
      );
    const lock = BUN_LOCKS.find((name) => {
      const path = contextPathOf(scope.stage, resolvePath(command.cwd, name));
      return path !== null && scope.context.readText(path) !== null;
    });
    if (!lock)
      return manual(
        'run.bun.no-lock',
        `bun ${action}: no bun.lock copied into ${command.cwd} before it, so what it installs depends on the day; copy it (COPY package.json bun.lock ./), and dock2nix converts it to a fixed-output derivation of node_modules`,
      );
    const production = flags.some((f) => f === '--production' || f === '-p');
    push({ action: 'install', production });
    const env: Record<string, string | null> = { ...scope.env, ...command.assigns };
    const differences = [
      ...(flags.includes('--ignore-scripts')
        ? []
        : [
            "lifecycle scripts (the project's and its trusted dependencies') do not run there (--ignore-scripts: their output could name store paths, which a fixed-output derivation may not)",
          ]),
      ...(!flags.includes('--frozen-lockfile') && !flags.includes('--ci')
        ? [`--frozen-lockfile is added (the build fails where Docker's would have updated ${lock})`]
        : []),
      ...(!production && env.NODE_ENV === 'production'
        ? [
            'NODE_ENV=production is set here: whether Bun then leaves dev dependencies out is not known to dock2nix; the derivation installs them (add --production to leave them out)',
          ]
        : []),
    ];
    const message = `bun ${action}: node_modules from ${lock} in a fixed-output derivation (bun install${production ? ' --production' : ''}, outputHash to fill in)`;
    return differences.length
      ? { status: 'approximated', rule: 'run.bun.install', message: `${message}; ${differences.join('; ')}` }
      : { status: 'mapped', rule: 'run.bun.install', message };
  }
  if (['add', 'a', 'remove', 'rm', 'update', 'link', 'unlink', 'patch', 'patch-commit'].includes(action))
    return manual('run.bun.add', `bun ${operands.join(' ')}: changes package.json's dependencies; change package.json and bun.lock instead`);
  if (action === 'x' || action === 'exec' || action === 'create' || action === 'c' || action === 'init' || action === 'repl')
    return manual('run.bun.unknown', `bun ${operands.join(' ')}: not converted`);
  if (action === 'upgrade') return manual('run.bun.upgrade', 'bun upgrade: replaces bun with another release; the image has the bun of the nixpkgs revision');
  if (action === 'build') {
    // Bun's bundler: it reads node_modules and writes files, offline; the derivation replays it after the install.
    if (!scope.stage.npm.length) return manual('run.bun.build', `${command.source}: no bun install before it in this stage; not converted`);
    scope.stage.unhandled.push({ line: scope.line, source: command.source, after: buildStepCount(scope.stage), replayed: true });
    return {
      status: 'approximated',
      rule: 'run.bun.build',
      message: `${command.source}: Bun's bundler, replayed in the derivation's build after node_modules is in place`,
    };
  }
  const scripts = scriptsOf(scope, command.cwd);
  const script = action === 'run' ? operands[1] : !BUN_COMMANDS.has(action) && scripts.includes(action) ? action : undefined;
  if (!script || !scripts.includes(script))
    return manual(
      'run.bun.run',
      `${command.source}: runs ${script ? `${script}, not a script of package.json dock2nix can see` : 'a program'} at build time; not converted`,
    );
  if (!scope.stage.npm.some((s) => s.manager === 'bun' && s.action === 'install'))
    return manual('run.bun.run', `bun run ${script}: no bun install from a lock file before it in this stage; not converted`);
  push({ action: 'run', script });
  return { status: 'mapped', rule: 'run.bun.run', message: `bun run ${script}: the build script of the stage's derivation` };
};

export default defineEcosystem({
  id: 'bun',
  summary: 'Bun: bun install into a fixed-output node_modules derivation, bun run scripts',
  programs: {
    bun,
    bunx: (words) =>
      manual('run.bun.unknown', `bunx ${words.slice(1).join(' ')}: downloads and runs a package; add it to package.json or use its nixpkgs package`),
  },
  cachePaths: [/^\/root\/\.bun\/install\/cache(\/|$)/],
});
