/**
 * Rules for the programs a RUN instruction calls. Each rule claims programs by name, reads the resolved words,
 * updates the stage and says how well the command maps to Nix. A command no rule claims needs manual work.
 */
import { match } from 'ts-pattern';
import { analyzeShell, UNKNOWN_DIRECTORY, type ShellCommand } from '../../shell/analyze.js';
import { resolvePath } from '../../container-path.js';
import { buildStepCount, type CommandScope, type Outcome } from '../stage.js';
import { flagValue, hasFlag, parseArgs } from './args.js';
import { installPackages, pythonSet, splitDistroPin } from './packages.js';
import { parseRequirement, parseRequirements } from './requirements.js';
import { addGroup, addUser } from './users.js';
import { contextPathOf, groupSelection, projectDirOf, readPythonProject } from './python-projects.js';
import { chmod, chown, mkdir, removePlaced } from './paths.js';
import { isRustStage } from '../derivations.js';

type Rule = (words: string[], command: ShellCommand, scope: CommandScope) => Outcome;

const ignored = (rule: string, message: string): Outcome => ({ status: 'ignored', rule, message });
const manual = (rule: string, message: string): Outcome => ({ status: 'manual', rule, message });

/** Paths that only hold package-manager caches and lists: removing them is a no-op in Nix. */
const CACHE_PATHS = [
  /^\/var\/lib\/apt\/lists(\/|$)/,
  /^\/var\/cache\/(apt|apk|debconf)(\/|$)/,
  /^\/var\/log\//,
  /^\/tmp(\/|$)/,
  /^\/root\/\.(cache|npm|cargo\/registry)(\/|$)/,
  /^\/usr\/share\/(doc|man|info)(\/|$)/,
  /^\/etc\/apk\/cache(\/|$)/,
  /^~?\/?\.cache(\/|$)/,
];

const apk: Rule = (words, _command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['-t', '--virtual', '-X', '--repository', '-p', '--root', '--repositories-file', '--keys-dir', '--arch', '--cache-dir']));
  const [action, ...names] = args.operands;
  return match(action)
    .with('add', () => {
      const virtual = flagValue(args, '-t', '--virtual') ?? undefined;
      const repository = flagValue(args, '-X', '--repository');
      const outcome = installPackages(scope, 'apk', names.map((n) => splitDistroPin('apk', n)), { virtualGroup: virtual });
      if (repository) outcome.message += `; packages from ${repository} come from nixpkgs instead`;
      if (virtual) outcome.message += `; virtual group ${virtual}`;
      return outcome;
    })
    .with('del', 'delete', () => {
      for (const name of names) {
        for (const attr of scope.stage.virtualGroups.get(name) ?? []) scope.stage.removed.add(attr);
      }
      return ignored('run.apk.del', `apk del ${names.join(' ')}: packages removed after the build are left out of the Nix image`);
    })
    .with('update', 'upgrade', 'cache', 'fix', 'info', 'search', 'version', 'verify', 'stats', () => ignored('run.apk.noop', `apk ${action}: package-index work, not needed with Nix`))
    .otherwise(() => manual('run.apk.unknown', `apk ${action ?? ''}: not understood`));
};

const apt: Rule = (words, _command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['-o', '-t', '--target-release', '-c', '--config-file']));
  const [action, ...names] = args.operands;
  return match(action)
    .with('install', () => installPackages(scope, 'apt', names.filter((n) => !n.startsWith('./') && !n.endsWith('.deb')).map((n) => splitDistroPin('apt', n))))
    .with('remove', 'purge', () => {
      for (const name of names) {
        const report = scope.stage.packageReports.find((r) => r.name === name && r.manager === 'apt');
        for (const attr of report?.nix?.split(' ') ?? []) scope.stage.removed.add(attr);
      }
      return ignored('run.apt.remove', `apt ${action} ${names.join(' ')}: packages removed after the build are left out of the Nix image`);
    })
    .with('update', 'upgrade', 'dist-upgrade', 'full-upgrade', 'clean', 'autoclean', 'autoremove', 'check', () =>
      ignored('run.apt.noop', `apt ${action}: package-index work, not needed with Nix`),
    )
    .otherwise(() => manual('run.apt.unknown', `${words[0]} ${action ?? ''}: not understood`));
};

const aptHelpers: Rule = (words) => ignored('run.apt.noop', `${words[0]}: Debian package bookkeeping, not needed with Nix`);

const pip: Rule = (words, command, scope) => {
  // `python -m pip …` arrives here with the interpreter words removed.
  const args = parseArgs(words.slice(1), new Set([
    '-r', '--requirement', '-c', '--constraint', '-e', '--editable', '-i', '--index-url', '--extra-index-url', '-f', '--find-links',
    '--trusted-host', '-t', '--target', '--prefix', '--root', '--platform', '--python-version', '--implementation', '--abi',
    '--only-binary', '--no-binary', '--progress-bar', '--log', '--cache-dir', '--src', '--upgrade-strategy', '--global-option',
    '-C', '--config-settings', '--timeout', '--retries', '--proxy', '--cert', '--client-cert', '--root-user-action', '--python',
  ]));
  const [action, ...names] = args.operands;
  if (action === 'cache' || action === 'config' || action === 'freeze' || action === 'list' || action === 'check' || action === 'show' || action === 'download' || action === 'wheel' && names.length === 0) {
    return ignored('run.pip.noop', `pip ${action}: not needed with Nix`);
  }
  if (action === 'uninstall') return ignored('run.pip.uninstall', `pip uninstall ${names.join(' ')}: left out of the Nix image`);
  if (action !== 'install') return manual('run.pip.unknown', `pip ${action ?? ''}: not understood`);
  const requests = [];
  const unsupported: string[] = [];
  const notes: string[] = [];
  let projectInstalled = false;
  for (const name of names) {
    const requirement = parseRequirement(name);
    if (requirement) requests.push(requirement);
    else if (/^(\.|\/|\.\/)/.test(name) && !/\.(whl|tar\.gz|zip)$/.test(name)) installProject(name);
    else unsupported.push(...directReference(name));
  }
  for (const editable of [...(args.flags.get('-e') ?? []), ...(args.flags.get('--editable') ?? [])]) installProject(editable);
  for (const file of args.flags.get('-r') ?? []) readRequirementsInto(file);
  for (const file of args.flags.get('--requirement') ?? []) readRequirementsInto(file);
  if (hasFlag(args, '--user', '-t', '--target', '--prefix')) notes.push('the install location (--user/--target/--prefix) becomes the interpreter environment');
  if (hasFlag(args, '--user')) scope.stage.pythonEnvPaths.set(`${homeOf(scope, command)}/.local`, 'user');
  for (const folder of [...(args.flags.get('-t') ?? []), ...(args.flags.get('--target') ?? []), ...(args.flags.get('--prefix') ?? [])]) {
    scope.stage.pythonEnvPaths.set(resolvePath(command.cwd, folder), 'prefix');
  }

  function installProject(target: string): void {
    const contextDir = projectDirOf(scope.stage, resolvePath(command.cwd, target.replace(/\[[^\]]*\]$/, '')));
    if (contextDir === null) {
      unsupported.push(`${target} (a project not copied from the build context)`);
      return;
    }
    const extras = /\[([^\]]*)\]$/.exec(target)?.[1]?.split(',').map((e) => e.trim()) ?? [];
    const project = readPythonProject(scope.context, contextDir, { only: null, with: [], without: [], extras });
    if (project.kind === 'none' || project.kind === 'setuptools') {
      unsupported.push(`${target}: ${project.advice}`);
      return;
    }
    requests.push(...project.dependencies);
    unsupported.push(...reportSources(scope, project.sources, 'pip'));
    notes.push(`installs the project in ${contextDir || 'the context root'} from source, ${project.advice}`);
    projectInstalled = true;
  }

  /** A URL or `name @ URL` requirement is a package to build by hand: reported (and marked) under its name. */
  function directReference(text: string): string[] {
    const spec = text.replace(/^(-e|--editable)[\s=]+/, '');
    if (!/^(git\+|hg\+|svn\+|https?:|file:)|\s@\s/.test(spec)) return [text];
    const name = /[#&]egg=([A-Za-z0-9._-]+)/.exec(spec)?.[1] ?? /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@/.exec(spec)?.[1] ?? spec;
    const source = spec.includes(' @ ') ? spec.slice(spec.indexOf(' @ ') + 3).trim() : spec;
    return reportSources(scope, [{ name, source }], 'pip');
  }

  function readRequirementsInto(file: string): void {
    const imagePath = resolvePath(command.cwd, file);
    const contextPath = contextPathOf(scope.stage, imagePath);
    if (!contextPath) {
      unsupported.push(`-r ${file} (not copied from the build context before this line)`);
      return;
    }
    const text = scope.context.readText(contextPath);
    if (text === null) {
      unsupported.push(`-r ${file} (${contextPath} is not in the build context)`);
      return;
    }
    const parsed = parseRequirements(text, contextPath, (p) => scope.context.readText(p));
    requests.push(...parsed.requirements);
    unsupported.push(...parsed.unsupported.flatMap((u) => directReference(u).map((text) => `${text} (in ${contextPath})`)));
    unsupported.push(...parsed.missing.map((m) => `-r ${m} (missing)`));
    notes.push(`read ${parsed.requirements.length} requirements from ${contextPath}`);
  }

  // Installers and build backends: Nix does their work, so the image needs none of them.
  const tooling = new Set(['pip', 'setuptools', 'wheel', 'poetry', 'poetry-core', 'pipenv', 'uv', 'hatchling', 'flit-core', 'pdm', 'pip-tools', 'virtualenv']);
  const onlyTooling = requests.length > 0 && requests.every((r) => tooling.has(r.name.toLowerCase())) && unsupported.length === 0;
  if (onlyTooling) return ignored('run.pip.tooling', `pip install ${requests.map((r) => r.name).join(' ')}: packaging tools, not needed in a Nix image`);
  const outcome = installPackages(scope, 'pip', requests.filter((r) => !tooling.has(r.name.toLowerCase())));
  outcome.rule = 'run.pip.install';
  outcome.message = `pip install into ${pythonSet(scope)}: ${outcome.message.replace(/^pip install: /, '')}`;
  if (notes.length) outcome.message += `; ${notes.join('; ')}`;
  if (unsupported.length) {
    outcome.status = 'manual';
    outcome.message += `; needs manual work: ${unsupported.join(', ')}`;
  } else if (projectInstalled && outcome.status === 'mapped') {
    outcome.status = 'approximated';
  }
  return outcome;
};

/** The home folder `pip install --user` writes under: $HOME, else the current user's home, else /root. */
function homeOf(scope: CommandScope, command: ShellCommand): string {
  const home = command.assigns.HOME ?? scope.env.HOME;
  if (home) return home.replace(/\/+$/, '') || '/';
  const user = scope.stage.user?.split(':')[0];
  const entry = user && user !== 'root' && user !== '0' ? [...scope.stage.users.values()].find((u) => u.name === user || String(u.uid) === user) : undefined;
  return entry ? entry.home.replace(/\/+$/, '') : '/root';
}

/**
 * `python -m venv /opt/venv`, `virtualenv /opt/venv`, `uv venv /opt/venv`: a virtual environment. The image's
 * Python environment (python.withPackages) stands for it; where the image gets that folder it is a link to the
 * environment, so `/opt/venv/bin/…` and a PATH through it keep working.
 */
const venv: Rule = (words, command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['--prompt', '-p', '--python', '--seed', '--index-url', '--extra-index-url']));
  const target = args.operands[0] ?? (words[0] === 'uv' ? '.venv' : undefined);
  if (!target) return manual('run.python.venv', `${command.source}: a virtual environment without a folder`);
  const folder = resolvePath(command.cwd, target);
  scope.stage.pythonEnvPaths.set(folder, 'venv');
  return {
    status: 'approximated',
    rule: 'run.python.venv',
    message: `virtual environment ${folder}: the Python environment (python.withPackages) takes its place and gets the packages installed into it; where the image has ${folder}, it is a link to that environment (read-only, without pip)`,
  };
};

/** `poetry install`, `uv sync`, `pipenv install`: the project's declared dependencies, as pip would install them. */
const pythonProjectTool: Rule = (words, command, scope) => {
  const tool = words[0]!;
  const action = words.slice(1).find((w) => !w.startsWith('-'));
  if (tool === 'uv' && action === 'pip') return pip(['pip', ...words.slice(words.indexOf('pip') + 1)], command, scope);
  if (tool === 'uv' && action === 'venv') return venv(words.filter((w, i) => i === 0 || w !== 'venv' || words.indexOf('venv') !== i), command, scope);
  const installs = (tool === 'poetry' && action === 'install') || (tool === 'uv' && action === 'sync') || (tool === 'pipenv' && (action === 'install' || action === 'sync'));
  if (!installs) {
    return /^(config|export|lock|self|cache|--version|venv)$/.test(action ?? '')
      ? ignored(`run.${tool}.noop`, `${tool} ${action}: not needed with Nix`)
      : manual(`run.${tool}.unknown`, `${tool} ${action ?? ''}: not understood`);
  }
  const dir = projectDirOf(scope.stage, command.cwd);
  if (dir === null) return manual(`run.${tool}.install`, `${tool} ${action}: the project in ${command.cwd} was not copied from the build context`);
  const project = readPythonProject(scope.context, dir, groupSelection(tool, words));
  if (project.kind === 'none' || project.kind === 'setuptools') return manual(`run.${tool}.install`, `${tool} ${action}: ${project.advice}`);
  const outcome = installPackages(scope, 'pip', project.dependencies);
  const sources = reportSources(scope, project.sources, tool);
  return {
    status: sources.length ? 'manual' : outcome.status === 'mapped' ? 'approximated' : outcome.status,
    rule: `run.${tool}.install`,
    message: `${tool} ${action}: ${project.advice}${project.groups.length ? ` (with the groups ${project.groups.join(', ')})` : ''}; ${outcome.message.replace(/^pip install: /, '')}${sources.length ? `; needs manual work: ${sources.join(', ')}` : ''}`,
  };
};

/**
 * Dependencies from git, a local path or a URL: nixpkgs has no attribute for them, so each is reported (and marked
 * in the Python environment of the Nix) for the user to package; never dropped.
 */
function reportSources(scope: CommandScope, sources: Array<{ name: string; source: string }>, tool: string): string[] {
  return sources.map(({ name, source }) => {
    scope.stage.packageReports.push({
      manager: 'pip',
      name,
      version: null,
      nix: null,
      confidence: 'none',
      line: scope.line,
      role: 'runtime',
      stage: scope.stage.index,
      note: `a ${tool} dependency from ${source}, which nixpkgs cannot provide: package it with buildPythonPackage (src from fetchgit, or the local path) and add it to the Python environment`,
    });
    return `${name} from ${source} (not from a package index: package it with buildPythonPackage)`;
  });
}

/** npm's ways of leaving dev dependencies out, and of keeping them (which wins), in flags (npm 7+ and older spellings). */
export const NPM_PRODUCTION = { without: /^(--omit=dev|--production(=true)?|--only=prod(uction)?|--prod)$/, with: /^(--include=dev|--production=false|--also=dev(elopment)?|--dev)$/ };
/** Yarn 1's and pnpm's. */
const YARN_PRODUCTION = { without: /^--(production|prod)(=true)?$/, with: /^--(production|prod)=false$/ };
const NPM_PRUNED = '; without dev dependencies, as here (npm prune --omit=dev after the build)';
/** npm options whose value may follow as the next word (`--omit dev`). */
const NPM_VALUE_OPTIONS = new Set(['--omit', '--include', '--only', '--also']);

/** A command's flags, with `--omit dev` written as `--omit=dev`. */
function npmFlags(words: string[]): string[] {
  const flags: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('-')) continue;
    const value = words[i + 1];
    if (NPM_VALUE_OPTIONS.has(word) && value !== undefined && !value.startsWith('-')) {
      flags.push(`${word}=${value}`);
      i++;
    } else flags.push(word);
  }
  return flags;
}

/**
 * Whether an install (or prune) leaves dev dependencies out: by its flags, by npm's configuration in the
 * environment (`npm_config_omit=dev`, for npm), or under NODE_ENV=production where it runs (given to the command,
 * or the stage's ARG or ENV at that line). NODE_ENV set later leaves the dev dependencies that were installed in
 * Docker's image too, so it does not count.
 */
function withoutDevDependencies(flags: string[], spelling: { without: RegExp; with: RegExp }, command: ShellCommand, scope: CommandScope, npm: boolean): boolean {
  if (flags.some((f) => spelling.with.test(f))) return false;
  if (flags.some((f) => spelling.without.test(f))) return true;
  const env: Record<string, string | null> = { ...scope.env, ...command.assigns };
  if (npm) {
    const config = (name: string) => Object.entries(env).find(([key]) => key.toLowerCase() === `npm_config_${name}`)?.[1] ?? null;
    if (config('include')?.split(/[\s,]+/).includes('dev')) return false;
    if (config('omit')?.split(/[\s,]+/).includes('dev') || config('production') === 'true') return true;
  }
  return env.NODE_ENV === 'production';
}

const npm: Rule = (words, command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['--prefix', '-w', '--workspace', '--registry', '--cache', '--loglevel', ...NPM_VALUE_OPTIONS]));
  const [action, ...rest] = args.operands;
  const flags = npmFlags(words);
  return match(action)
    .with('ci', 'clean-install', 'install-clean', () => {
      const production = withoutDevDependencies(flags, NPM_PRODUCTION, command, scope, true);
      scope.stage.npm.push({ manager: 'npm', line: scope.line, cwd: command.cwd, action: 'ci', flags, production });
      scope.stage.buildLines.push(scope.line);
      return { status: 'mapped' as const, rule: 'run.npm.ci', message: `npm ci: dependencies from package-lock.json (buildNpmPackage)${production ? NPM_PRUNED : ''}` };
    })
    .with('install', 'i', 'add', 'isntall', () => {
      if (hasFlag(args, '-g', '--global')) {
        const outcome = installPackages(scope, 'npm', rest.map((name) => splitNpmSpec(name)));
        outcome.rule = 'run.npm.global';
        return outcome;
      }
      if (rest.length) return manual('run.npm.add', `npm install ${rest.join(' ')}: adds packages that are not in package.json; add them to package.json and its lock file`);
      const production = withoutDevDependencies(flags, NPM_PRODUCTION, command, scope, true);
      scope.stage.npm.push({ manager: 'npm', line: scope.line, cwd: command.cwd, action: 'install', flags, production });
      scope.stage.buildLines.push(scope.line);
      return { status: 'approximated' as const, rule: 'run.npm.install', message: `npm install: dependencies installed as with npm ci from the lock file (buildNpmPackage)${production ? NPM_PRUNED : ''}` };
    })
    .with('run', 'run-script', () => {
      const script = rest[0];
      if (!script) return manual('run.npm.run', 'npm run without a script name');
      scope.stage.npm.push({ manager: 'npm', line: scope.line, cwd: command.cwd, action: 'run', script, flags });
      scope.stage.buildLines.push(scope.line);
      return { status: 'mapped' as const, rule: 'run.npm.run', message: `npm run ${script}: the build script of buildNpmPackage` };
    })
    .with('prune', () => {
      if (!withoutDevDependencies(flags, NPM_PRODUCTION, command, scope, true)) return ignored('run.npm.noop', 'npm prune: not needed with Nix (the dependencies are exactly those of the lock file)');
      if (hasFlag(args, '--prefix') || command.cwd !== scope.stage.workdir) return manual('run.npm.prune', `npm prune: prunes another folder than the stage's working directory ${scope.stage.workdir}; not converted`);
      if (command.conditional) return manual('run.npm.prune', 'npm prune: runs only under a condition; not converted (the derivation keeps the dev dependencies)');
      // Its flags are not the build's: they would leave dev dependencies out of the install the build needs.
      scope.stage.npm.push({ manager: 'npm', line: scope.line, cwd: command.cwd, action: 'prune', flags: [], production: true });
      scope.stage.buildLines.push(scope.line);
      return { status: 'mapped' as const, rule: 'run.npm.prune', message: 'npm prune: dev dependencies dropped, as here (npm prune --omit=dev after the build)' };
    })
    .with('cache', 'audit', 'config', 'set', 'version', 'dedupe', 'ls', 'list', 'outdated', 'doctor', () =>
      ignored('run.npm.noop', `npm ${action}: not needed with Nix (the derivation installs from the lock file, offline)`),
    )
    .with('test', 't', () => ignored('run.npm.test', 'npm test: tests belong in doCheck/checkPhase'))
    .otherwise(() => manual('run.npm.unknown', `npm ${action ?? ''}: not understood`));
};

function splitNpmSpec(spec: string): { name: string; version: string | null } {
  const at = spec.lastIndexOf('@');
  if (at > 0) return { name: spec.slice(0, at), version: spec.slice(at + 1) };
  return { name: spec, version: null };
}

/** Commands of Yarn 1 and pnpm that are not scripts (`yarn build` runs the build script; `yarn add` is a command). */
const YARN_COMMANDS = new Set(['add', 'audit', 'autoclean', 'bin', 'cache', 'check', 'config', 'create', 'dedupe', 'exec', 'dlx', 'generate-lock-entry', 'global', 'help', 'import', 'info', 'init', 'licenses', 'link', 'list', 'ls', 'login', 'logout', 'outdated', 'owner', 'pack', 'patch', 'policies', 'prune', 'publish', 'rebuild', 'remove', 'rm', 'store', 'tag', 'team', 'unlink', 'unplug', 'up', 'update', 'upgrade', 'upgrade-interactive', 'version', 'versions', 'why', 'workspace', 'workspaces', 'fetch', 'deploy', 'env', 'setup', 'root', 'patch-commit']);

/**
 * Yarn 1 and pnpm: installing from the lock file and running package.json scripts are converted (fetchYarnDeps
 * with yarnConfigHook and yarnBuildHook; fetchPnpmDeps with pnpmConfigHook); Yarn 2+ (Berry) and stages without
 * a lock file are left for manual work, with the nixpkgs approach named.
 */
/** Yarn 1 and pnpm options followed by a value (`--network-timeout 100000`): the value is not a command or script. */
const NODE_MANAGER_VALUE_FLAGS = new Set(['--cwd', '--modules-folder', '--network-timeout', '--registry', '--cache-folder', '--mutex', '--network-concurrency', '--global-folder', '--link-folder', '--preferred-cache-folder', '--otp', '--use-yarnrc', '-C', '--dir', '--filter', '-F', '--reporter', '--store-dir', '--loglevel', '--virtual-store-dir', '--modules-dir', '--workspace-concurrency']);
/** Options that move the command to another folder or across a workspace: not converted yet. */
const NODE_MANAGER_ELSEWHERE = new Set(['--cwd', '-C', '--dir', '--filter', '-F', '-r', '--recursive', '-w', '--workspace-root']);

/**
 * Yarn 1 and pnpm: installing from the lock file and running package.json scripts are converted (fetchYarnDeps
 * with yarnConfigHook and yarnBuildHook; fetchPnpmDeps with pnpmConfigHook) when they run in the stage's working
 * directory with the lock file copied there. Yarn 2+ (Berry), missing locks, other folders and workspaces are left
 * for manual work, with the nixpkgs approach named.
 */
const yarnOrPnpm: Rule = (words, command, scope) => {
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
  if (['cache', 'store', 'prune', 'fetch', 'config', 'audit', 'outdated', 'licenses', 'why', 'info', 'list', 'ls', 'version', 'versions', 'help'].includes(action)) {
    return ignored(`run.${tool}.noop`, `${tool} ${action}: not needed with Nix`);
  }
  if (action === 'test') return ignored(`run.${tool}.test`, `${tool} test: tests belong in doCheck/checkPhase`);
  if (elsewhere.length) return manual('run.node.other-manager', `${tool} ${[...elsewhere, action].join(' ')}: runs in another folder or across a workspace; not converted yet (give the derivation that folder as its source, or set pnpmWorkspaces)`);
  if (command.cwd !== scope.stage.workdir) return manual('run.node.other-manager', `${tool} ${action}: runs in ${command.cwd}, not in the stage's working directory ${scope.stage.workdir}; not converted yet`);
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
    return manual('run.node.other-manager', `yarn ${action}: yarn.lock is Yarn 2+ (Berry): in nixpkgs use yarn-berry_4.fetchYarnBerryDeps with yarn-berry_4.yarnBerryConfigHook; dock2nix converts Yarn 1 and pnpm builds only so far`);
  }
  const push = (step: { action: 'install' | 'run'; script?: string; production?: boolean }) => {
    scope.stage.npm.push({ manager: tool, line: scope.line, cwd: command.cwd, flags, ...step });
    scope.stage.buildLines.push(scope.line);
  };
  if (action === 'install' || action === 'i') {
    if (operands.length > 1) return manual(`run.${tool}.add`, `${tool} install ${operands.slice(1).join(' ')}: adds packages that are not in package.json; add them to package.json and ${lockName}`);
    const production = withoutDevDependencies(flags, YARN_PRODUCTION, command, scope, false);
    push({ action: 'install', production });
    const how = tool === 'pnpm' ? 'dependencies from pnpm-lock.yaml (fetchPnpmDeps, pnpmConfigHook)' : 'dependencies from yarn.lock (fetchYarnDeps, yarnConfigHook)';
    if (!production) return { status: 'mapped', rule: `run.${tool}.install`, message: `${tool} install: ${how}` };
    return tool === 'yarn'
      ? { status: 'mapped', rule: 'run.yarn.install', message: `yarn install: ${how}; then without dev dependencies, as here (yarn install --production=true --offline, before the build script)` }
      : { status: 'approximated', rule: 'run.pnpm.install', message: `pnpm install: ${how}; dev dependencies are installed too (the hook installs them all)` };
  }
  if (action === 'add') return manual(`run.${tool}.add`, `${tool} add ${operands.slice(1).join(' ')}: adds packages that are not in package.json; add them to package.json and ${lockName}`);
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

const go: Rule = (words, command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['-o', '-ldflags', '-tags', '-gcflags', '-asmflags', '-mod', '-p', '-buildmode', '-pkgdir', '-installsuffix', '-modfile', '-overlay', '-C']));
  const [action, ...packages] = args.operands;
  const cgoSetting = command.assigns.CGO_ENABLED ?? scope.env.CGO_ENABLED ?? null;
  return match(action)
    .with('build', 'install', () => {
      if (action === 'install' && packages.some((p) => p.includes('@'))) {
        return manual('run.go.install-remote', `go install ${packages.join(' ')}: installs a tool from the network; use the nixpkgs package or buildGoModule with its source`);
      }
      const output = flagValue(args, '-o');
      scope.stage.go.push({
        line: scope.line,
        cwd: command.cwd,
        output: output ? resolvePath(command.cwd, output) : null,
        packages: packages.length ? packages : ['.'],
        ldflags: (flagValue(args, '-ldflags') ?? '').split(/\s+/).filter(Boolean),
        tags: (flagValue(args, '-tags') ?? '').split(/[\s,]+/).filter(Boolean),
        cgo: cgoSetting === null ? null : cgoSetting === '1',
      });
      scope.stage.buildLines.push(scope.line);
      return { status: 'mapped' as const, rule: 'run.go.build', message: `go ${action} ${packages.join(' ') || '.'}: buildGoModule${cgoSetting === '0' ? ' with env.CGO_ENABLED = 0' : ''}` };
    })
    .with('mod', 'get', () =>
      packages.length && action === 'get'
        ? manual('run.go.get', `go get ${packages.join(' ')}: changes go.mod at build time; commit the change instead`)
        : ignored('run.go.mod', `go ${action} ${packages.join(' ')}: dependencies come from buildGoModule's vendorHash`),
    )
    .with('test', 'vet', 'version', 'env', 'fmt', () => ignored('run.go.check', `go ${action}: checks run in buildGoModule's checkPhase`))
    .with('generate', () => {
      scope.stage.unhandled.push({ line: scope.line, source: command.source, after: buildStepCount(scope.stage), replayed: true });
      return { status: 'approximated' as const, rule: 'run.go.generate', message: `go generate: replayed in the derivation before its build, offline with the vendored modules; a generator that downloads, or calls a tool the stage lacks, fails there` };
    })
    .otherwise(() => manual('run.go.unknown', `go ${action ?? ''}: not understood`));
};

/** Crates installed only to speed up Docker builds: Nix builds the project without them. */
const CARGO_BUILD_TOOLS = new Set(['cargo-chef', 'sccache', 'cargo-cache', 'cargo-build-deps']);

const cargo: Rule = (words, command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['--bin', '--features', '-F', '--target', '--manifest-path', '-p', '--package', '--profile', '-j', '--jobs', '--root', '--path', '--recipe-path', '--name', '--vcs', '--edition', '--version', '--git', '--branch', '--tag', '--rev', '--registry', '--index']));
  const [action, ...operands] = args.operands;
  if (action === 'chef') {
    return ignored('run.cargo.chef', `cargo chef ${operands[0] ?? ''}: cargo-chef caches the dependencies in a Docker layer; the derivation builds them from Cargo.lock itself (cargoLock)`);
  }
  if (action === 'new' || action === 'init') {
    return ignored('run.cargo.dummy', `cargo ${action} ${operands.join(' ')}: a placeholder crate to cache the dependencies in a Docker layer; the derivation builds the real source`);
  }
  // `cargo install NAME` installs a crate from crates.io, not the project (that is `cargo install --path DIR`).
  if (action === 'install' && operands.length && !hasFlag(args, '--path')) {
    if (operands.every((crate) => CARGO_BUILD_TOOLS.has(crate.replace(/@.*$/, '')))) {
      return ignored('run.cargo.tool', `cargo install ${operands.join(' ')}: a tool for Docker's build cache, not needed with Nix`);
    }
    return manual('run.cargo.install-crate', `cargo install ${operands.join(' ')}: installs a crate from crates.io at build time; use its nixpkgs package (or rustPlatform.buildRustPackage with its source)`);
  }
  return match(action)
    .with('build', 'install', () => {
      const manifestPath = flagValue(args, '--manifest-path');
      const path = action === 'install' ? flagValue(args, '--path') : null;
      scope.stage.cargo.push({
        line: scope.line,
        cwd: path ? resolvePath(command.cwd, path) : command.cwd,
        release: action === 'install' || hasFlag(args, '--release', '-r'),
        bins: args.flags.get('--bin') ?? [],
        features: [...(args.flags.get('--features') ?? []), ...(args.flags.get('-F') ?? [])].flatMap((f) => f.split(/[\s,]+/)).filter(Boolean),
        noDefaultFeatures: hasFlag(args, '--no-default-features'),
        packages: [...(args.flags.get('-p') ?? []), ...(args.flags.get('--package') ?? [])],
        manifestPath: manifestPath ? resolvePath(command.cwd, manifestPath) : null,
      });
      scope.stage.buildLines.push(scope.line);
      return { status: 'mapped' as const, rule: 'run.cargo.build', message: `cargo ${action}: rustPlatform.buildRustPackage` };
    })
    .with('fetch', 'vendor', 'generate-lockfile', () => ignored('run.cargo.fetch', `cargo ${action}: dependencies come from Cargo.lock`))
    .with('test', 'check', 'clippy', 'fmt', () => ignored('run.cargo.check', `cargo ${action}: checks run in buildRustPackage's checkPhase`))
    .otherwise(() => manual('run.cargo.unknown', `cargo ${action ?? ''}: not understood`));
};

/**
 * Paths of the placeholder-crate trick in a Rust stage (`cargo new dummy`, `echo 'fn main() {}' > src/main.rs`, a
 * first `cargo build`, then `rm -rf target/release/deps/app*` or `rm src/*.rs`): cargo's target folder and the
 * crate's .rs files and src folder.
 */
function cargoScaffolding(scope: CommandScope, path: string): boolean {
  if (!isRustStage(scope.stage)) return false;
  return /(^|\/)target(\/|$)/.test(path) || /\.rs$/.test(path) || /(^|\/)src(\/\*)?$/.test(path) || /\/src\/[^/]*\*[^/]*$/.test(path);
}

/** A path where a language build left a binary: cargo's target folder, a `go build -o` output, GOPATH/bin. */
function builtOutput(stage: CommandScope['stage'], path: string): boolean {
  if (stage.cargo.length && /\/target\/(?:[^/]+\/)?(?:release|debug)\/[^/]+$/.test(path)) return true;
  if (stage.go.some((step) => step.output === path && step.make === undefined)) return true;
  return stage.go.length > 0 && /^\/go\/bin\/[^/]+$/.test(path);
}

/**
 * `cp target/release/app /out/` (or mv, install) after the build: the derivation's binary is placed where the
 * command put it, for the stages that copy it from there. Other copies are not converted.
 */
const copyBuilt: Rule = (words, command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['-m', '--mode', '-t', '--target-directory', '-o', '--owner', '-g', '--group', '-S', '--suffix']));
  const targetDir = flagValue(args, '-t', '--target-directory');
  const sources = (targetDir ? args.operands : args.operands.slice(0, -1)).map((s) => resolvePath(command.cwd, s));
  const dest = targetDir ?? args.operands[args.operands.length - 1];
  if (!dest || !sources.length || !sources.every((s) => builtOutput(scope.stage, s))) return unknownProgram(command, words[0]!.split('/').pop()!);
  const destPath = resolvePath(command.cwd, dest);
  const intoDir = Boolean(targetDir) || dest.endsWith('/') || sources.length > 1 || scope.stage.directories.has(destPath) || /^\/(usr\/(local\/)?)?s?bin$/.test(destPath);
  const placed = sources.map((from) => ({ line: scope.line, from, to: intoDir ? `${destPath.replace(/\/$/, '')}/${from.split('/').pop()}` : destPath }));
  scope.stage.builtCopies.push(...placed);
  return { status: 'mapped', rule: 'run.cp.build-output', message: `${words[0]} ${placed.map((p) => `${p.from} → ${p.to}`).join(', ')}: the derivation's binary, placed there for the stages that copy it` };
};

function unknownProgram(command: ShellCommand, base: string): Outcome {
  return manual('run.unknown', `${command.source}: no Nix equivalent known for "${base}"; it becomes part of a build step to finish by hand`);
}

const touch: Rule = (words, command, scope) => {
  const { operands } = parseArgs(words.slice(1));
  const paths = operands.map((p) => resolvePath(command.cwd, p));
  if (paths.length && paths.every((p) => cargoScaffolding(scope, p))) return ignored('run.cargo.dummy', `touch ${operands.join(' ')}: makes cargo rebuild the crate after the placeholder; the derivation builds the real source once`);
  return unknownProgram(command, 'touch');
};

/** Whether the stage builds Go: a golang base, a go build before, or a go.mod copied where the command runs. */
function goStage(scope: CommandScope, cwd: string): boolean {
  return Boolean(scope.stage.runtimes.go) || scope.stage.go.length > 0 || contextPathOf(scope.stage, resolvePath(cwd, 'go.mod')) !== null;
}

/**
 * `make <target>` in a Go stage. When the Makefile's recipe for the target is plain commands dock2nix converts
 * (`go build -o bin/app -ldflags ... ./cmd/app`), they become buildGoModule's flags. Otherwise the derivation
 * keeps buildGoModule's Go and vendored modules and runs the target as written, marked for a check.
 */
const make: Rule = (words, command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['-C', '--directory', '-f', '--file', '--makefile', '-j', '--jobs', '-l', '-o', '-W', '-I']));
  const dir = resolvePath(command.cwd, flagValue(args, '-C', '--directory') ?? '.');
  if (!goStage(scope, dir)) return unknownProgram(command, 'make');
  const overrides = Object.fromEntries(args.operands.filter((o) => o.includes('=')).map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]));
  const targets = args.operands.filter((o) => !o.includes('='));
  const names = flagValue(args, '-f', '--file', '--makefile') ? [flagValue(args, '-f', '--file', '--makefile')!] : ['GNUmakefile', 'makefile', 'Makefile'];
  let makefile: { path: string; text: string } | null = null;
  for (const name of names) {
    const path = contextPathOf(scope.stage, resolvePath(dir, name));
    const text = path === null ? null : scope.context.readText(path);
    if (path !== null && text !== null) {
      makefile = { path, text };
      break;
    }
  }
  const env = { ...scope.env, ...Object.fromEntries(Object.entries(command.assigns).filter((e): e is [string, string] => e[1] !== null)) };
  const recipe = makefile ? makeRecipe(makefile.text, targets[0] ?? null, { ...env, ...overrides }) : null;
  const target = targets.join(' ') || recipe?.target || '(the first target)';
  let why = !makefile ? 'no Makefile copied from the build context before it' : recipe === null ? `the recipe of "${target}" in ${makefile.path} is not plain commands dock2nix can read` : '';
  if (recipe && makefile) {
    const saved = { go: scope.stage.go.length, lines: scope.stage.buildLines.length, unhandled: scope.stage.unhandled.length, copies: scope.stage.builtCopies.length };
    const analysis = analyzeShell(scope.shell, recipe.commands.join('\n'), env, dir);
    const outcomes = analysis.ok ? analysis.commands.map((c) => ruleForCommand({ ...c, conditional: c.conditional || command.conditional }, scope)) : [];
    const built = scope.stage.go.length > saved.go;
    if (analysis.ok && built && outcomes.every((o) => o.status !== 'manual')) {
      return { status: 'approximated', rule: 'run.make.go', message: `make ${target}: its recipe in ${makefile.path} (${recipe.commands.join('; ')}) becomes buildGoModule's build` };
    }
    scope.stage.go.length = saved.go;
    scope.stage.buildLines.length = saved.lines;
    scope.stage.unhandled.length = saved.unhandled;
    scope.stage.builtCopies.length = saved.copies;
    why = !analysis.ok ? `the recipe of "${target}" in ${makefile.path} does not parse` : !built ? `the recipe of "${target}" in ${makefile.path} runs no go build` : `the recipe of "${target}" in ${makefile.path} has commands dock2nix does not convert (${outcomes.filter((o) => o.status === 'manual').map((o) => o.message).join('; ')})`;
  }
  const cgo = command.assigns.CGO_ENABLED ?? scope.env.CGO_ENABLED ?? null;
  scope.stage.go.push({ line: scope.line, cwd: dir, output: null, packages: [], ldflags: [], tags: [], cgo: cgo === null ? null : cgo === '1', make: command.source });
  scope.stage.buildLines.push(scope.line);
  return manual('run.make.go', `${command.source}: ${why}; the derivation runs it as written, with buildGoModule's Go and vendored modules (offline): check that it builds offline and leaves what later stages copy`);
};

/**
 * The recipe of a Makefile target (the first target when none is named), with its prerequisites' recipes first
 * and variables expanded; null when it needs make features beyond plain variables ($(shell ...), patterns...).
 */
export function makeRecipe(text: string, wanted: string | null, env: Record<string, string>): { target: string; commands: string[] } | null {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const vars = new Map<string, string>();
  const rules = new Map<string, { prerequisites: string[]; commands: string[] }>();
  let first: string | null = null;
  let current: { commands: string[] } | null = null;
  for (const line of lines) {
    if (line.startsWith('\t')) {
      if (current) current.commands.push(line.slice(1));
      continue;
    }
    const bare = line.replace(/#.*$/, '').trim();
    if (!bare) continue;
    const assign = /^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*(::=|:=|\?=|\+=|!=|=)\s*(.*)$/.exec(bare);
    if (assign) {
      current = null;
      const [, name, op, value] = assign as unknown as [string, string, string, string];
      if (op === '!=') return null;
      if (op === '?=' && (vars.has(name) || env[name] !== undefined)) continue;
      vars.set(name, op === '+=' ? `${vars.get(name) ?? ''} ${value}`.trim() : value);
      continue;
    }
    const rule = /^([^:=]+?)\s*::?\s*([^=]*)$/.exec(bare);
    if (!rule) return null;
    const [, names, prereqs] = rule as unknown as [string, string, string];
    const inline = prereqs.includes(';') ? prereqs.slice(prereqs.indexOf(';') + 1) : null;
    const entry = { prerequisites: (inline === null ? prereqs : prereqs.slice(0, prereqs.indexOf(';'))).split(/\s+/).filter(Boolean), commands: inline ? [inline.trim()] : [] };
    for (const name of names.split(/\s+/)) {
      if (name.startsWith('.')) continue;
      if (name.includes('%')) return null;
      first ??= name;
      rules.set(name, entry);
    }
    current = entry;
  }
  const target = wanted ?? first;
  if (!target || !rules.has(target)) return null;
  const expand = (value: string, depth = 0): string | null => {
    if (depth > 10) return null;
    let failed = false;
    const out = value.replace(/\$(?:\(([^()]*)\)|\{([^{}]*)\}|([A-Za-z_@<^]))/g, (_, a?: string, b?: string, c?: string) => {
      const name = (a ?? b ?? c)!;
      if (/\s/.test(name) || /^[@<^]$/.test(name)) {
        failed = true;
        return '';
      }
      const value = env[name] ?? vars.get(name) ?? '';
      const expanded = expand(value, depth + 1);
      if (expanded === null) failed = true;
      return expanded ?? '';
    });
    return failed ? null : out;
  };
  const commands: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): boolean => {
    if (seen.has(name)) return true;
    seen.add(name);
    const rule = rules.get(name);
    if (!rule) return true;
    for (const prerequisite of rule.prerequisites) if (!visit(prerequisite)) return false;
    for (const command of rule.commands) {
      const expanded = expand(command.replace(/\$\$/g, '\u0001'));
      if (expanded === null) return false;
      const clean = expanded.replace(/\u0001/g, '$').replace(/^[@+-]+/, '').trim();
      if (clean) commands.push(clean);
    }
    return true;
  };
  return visit(target) && commands.length ? { target, commands } : null;
}

/** Programs npx runs under another name than their package's. */
const NPX_PACKAGES: Record<string, string> = { tsc: 'typescript', 'ng': '@angular/cli', 'nest': '@nestjs/cli', 'vue-cli-service': '@vue/cli-service', 'react-scripts': 'react-scripts', 'svelte-kit': '@sveltejs/kit' };

/**
 * `npx vite build`, `npx prisma generate` in a Node stage: replayed in the derivation's build, where
 * node_modules/.bin has the tool when package.json names it; otherwise npx would download it, which is manual.
 */
const npx: Rule = (words, command, scope) => {
  const args = parseArgs(words.slice(1), new Set(['-p', '--package', '-c', '--call']));
  const tool = args.operands[0];
  if (!tool) return manual('run.npx', `${command.source}: not understood`);
  const name = tool.replace(/(.)@[^/]*$/, '$1');
  const packageJson = contextPathOf(scope.stage, resolvePath(command.cwd, 'package.json'));
  let dependencies: string[] = [];
  try {
    const meta = JSON.parse((packageJson && scope.context.readText(packageJson)) || '{}') as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    dependencies = [...Object.keys(meta.dependencies ?? {}), ...Object.keys(meta.devDependencies ?? {})];
  } catch {
    dependencies = [];
  }
  const local = dependencies.includes(name) || dependencies.includes(NPX_PACKAGES[name] ?? name);
  if (!local || !scope.stage.npm.length) {
    return manual('run.npx', `npx ${tool}: ${!scope.stage.npm.length ? 'no npm, Yarn or pnpm install before it in this stage' : `${name} is not a dependency in package.json`}, so npx would download it; add it to package.json (then the build replays it) or use its nixpkgs package`);
  }
  scope.stage.unhandled.push({ line: scope.line, source: command.source, after: buildStepCount(scope.stage), replayed: true });
  return { status: 'approximated', rule: 'run.npx', message: `npx ${tool}: replayed in the derivation's build, where node_modules/.bin has ${name} from package.json` };
};

const rm: Rule = (words, command, scope) => {
  const { operands } = parseArgs(words.slice(1));
  const scaffold = operands.map((p) => resolvePath(command.cwd, p.replace(/^~/, '/root')));
  if (scaffold.length && scaffold.every((p) => cargoScaffolding(scope, p))) return ignored('run.cargo.dummy', `rm ${operands.join(' ')}: clears a placeholder crate or its compiled files, kept only for Docker's layer cache; the derivation builds the real source`);
  // A word only known at build time could name anything: nothing is taken out of the plan on a guess.
  const dynamic = command.words.some((w) => w.text === null);
  const placed = dynamic ? null : removePlaced(operands, command, scope);
  if (placed?.outcome.status === 'manual') return placed.outcome;
  const rest = operands.filter((p) => !placed?.handled.includes(p));
  if (placed && !rest.length) return placed.outcome;
  const paths = rest.map((p) => resolvePath(command.cwd, p.replace(/^~/, '/root')));
  const caches = paths.filter((p) => CACHE_PATHS.some((re) => re.test(p)));
  if (caches.length === paths.length) {
    return placed ? { ...placed.outcome, message: `${placed.outcome.message}; ${rest.join(' ')}: caches and lists that a Nix image never contains` } : ignored('run.cleanup', `rm ${operands.join(' ')}: caches and lists that a Nix image never contains`);
  }
  const removed = `rm ${rest.join(' ')}: files removed in the Docker build; the Nix image only has what is placed in it`;
  return { status: 'approximated', rule: 'run.rm', message: placed ? `${placed.outcome.message}; ${removed}` : removed };
};

const ln: Rule = (words, command, scope) => {
  const args = parseArgs(words.slice(1));
  if (!hasFlag(args, '-s', '--symbolic') || args.operands.length !== 2) return manual('run.ln', `${command.source}: only "ln -s TARGET LINK" is converted`);
  const [target, link] = args.operands as [string, string];
  const path = resolvePath(command.cwd, link);
  scope.stage.symlinks.set(path, { path, target: { kind: 'path', path: target } });
  return { status: 'mapped', rule: 'run.ln', message: `ln -s ${target} ${link}: symbolic link in the image` };
};

const download: Rule = (words, command) => {
  const url = words.find((w) => /^(https?|ftp):\/\//.test(w));
  if (command.writes.length === 0 && words.includes('|')) return manual('run.download', `${command.source}`);
  return manual('run.download', `${words[0]} ${url ?? ''}: downloads at build time; use pkgs.fetchurl with a hash, or the nixpkgs package that provides it`);
};

const userAdd: Rule = (words, _command, scope) => addUser(words, scope);
const groupAdd: Rule = (words, _command, scope) => addGroup(words, scope);

const certificates: Rule = (_words, _command, scope) => {
  scope.stage.needs.caCertificates = true;
  scope.stage.needReasons.push(`line ${scope.line}: update-ca-certificates`);
  return { status: 'mapped', rule: 'run.ca-certificates', message: 'update-ca-certificates: dockerTools.caCertificates provides the bundle' };
};

const harmless: Rule = (words) => ignored('run.noop', `${words[0]}: changes nothing in the image`);

/** Programs whose conversion does not depend on the folder they run in. */
const WHEREVER = new Set(['apk', 'apt-get', 'apt', 'aptitude', 'apt-mark', 'apt-key', 'apt-cache', 'dpkg-reconfigure', 'debconf-set-selections', 'useradd', 'adduser', 'groupadd', 'addgroup', 'update-ca-certificates', 'set', 'true', ':', 'echo', 'printf', 'cd', 'export', 'sleep', 'which']);

/** Program name → rule. Names not listed need manual work. */
const RULES: Record<string, Rule> = {
  apk,
  'apt-get': apt,
  apt,
  aptitude: apt,
  'apt-mark': aptHelpers,
  'apt-key': aptHelpers,
  'apt-cache': aptHelpers,
  'dpkg-reconfigure': aptHelpers,
  'debconf-set-selections': aptHelpers,
  pip,
  pip3: pip,
  poetry: pythonProjectTool,
  uv: pythonProjectTool,
  pipenv: pythonProjectTool,
  virtualenv: venv,
  npm,
  yarn: yarnOrPnpm,
  pnpm: yarnOrPnpm,
  go,
  cargo,
  cp: copyBuilt,
  mv: copyBuilt,
  install: copyBuilt,
  touch,
  make,
  npx,
  rm,
  mkdir,
  chown,
  chmod,
  ln,
  curl: download,
  wget: download,
  useradd: userAdd,
  adduser: userAdd,
  groupadd: groupAdd,
  addgroup: groupAdd,
  'update-ca-certificates': certificates,
  set: harmless,
  true: harmless,
  ':': harmless,
  echo: harmless,
  printf: harmless,
  cd: harmless,
  export: harmless,
  sleep: harmless,
  which: harmless,
  ls: harmless,
  ldconfig: harmless,
  sync: harmless,
  pwd: harmless,
  env: harmless,
  id: harmless,
  whoami: harmless,
};

const VERSION_CHECK = /^(-v|--version|-V|version)$/;
/** Programs whose known package names are worth mapping even when other words are dynamic. */
const PACKAGE_INSTALLERS = new Set(['apk', 'apt-get', 'apt', 'aptitude', 'pip', 'pip3']);
/** Marks a word whose value is only known at build time; installers skip such names. */
export const DYNAMIC = '\u0000';
const WRAPPERS = new Set(['sudo', 'exec', 'command', 'nice', 'nohup', 'time', 'eatmydata']);

/** Decide one shell command. */
export function ruleForCommand(command: ShellCommand, scope: CommandScope): Outcome {
  let words = command.words.map((w) => w.text);
  while (words.length && words[0] !== null && WRAPPERS.has(words[0]!)) words = words.slice(1);
  if (words[0] === 'env') {
    // `env A=b cmd`: the assignments become the command's environment.
    let i = 1;
    while (i < words.length && words[i] !== null && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) {
      const [name, ...value] = words[i]!.split('=');
      command.assigns[name!] = value.join('=');
      i++;
    }
    words = words.slice(i);
    if (!words.length) return harmless(['env'], command, scope);
  }
  const program = words[0];
  if (program === null || program === undefined) return manual('run.dynamic', `${command.source}: the program name is only known at build time`);
  const base = program.split('/').pop()!;
  if (command.cwd === UNKNOWN_DIRECTORY && !WHEREVER.has(base)) return manual('run.dynamic', `${command.source}: runs in a folder only known at build time (after a cd)`);
  // `python -m pip install …`
  const pythonModule = /^python(\d(\.\d+)?)?$/.test(base) && words[1] === '-m' ? words[2] : null;
  if (pythonModule === 'pip') return finish(pip(['pip', ...(words.slice(3) as string[])], command, scope));
  if (pythonModule === 'venv' || pythonModule === 'virtualenv') return finish(venv(['venv', ...(words.slice(3).map((w) => w ?? ''))], command, scope));
  if (words.length === 2 && words[1] !== null && VERSION_CHECK.test(words[1]!)) return ignored('run.version-check', `${base} ${words[1]}: a version check`);
  // An own property only: `constructor` or `__proto__` is a program name, not a rule.
  const rule = Object.hasOwn(RULES, base) ? RULES[base] : undefined;
  if (!rule) return finish(unknownProgram(command, base));
  const dynamic = command.words.filter((w) => w.text === null).map((w) => w.raw);
  if (dynamic.length && PACKAGE_INSTALLERS.has(base)) {
    // Install what is known; the words only known at build time are reported, not guessed.
    const outcome = rule(command.words.map((w) => w.text ?? `${DYNAMIC}${w.raw}`), command, scope);
    return finish({ ...outcome, status: 'manual', message: `${outcome.message.replaceAll(DYNAMIC, '')}; only known at build time, so not mapped: ${dynamic.join(', ')}` });
  }
  if (dynamic.length && !['echo', 'printf', 'set', 'export', 'cd', 'rm'].includes(base)) {
    return finish(manual('run.dynamic', `${command.source}: some words are only known at build time (${dynamic.join(', ')})`));
  }
  return finish(rule(words.map((w) => w ?? ''), command, scope));

  function finish(outcome: Outcome): Outcome {
    const writes = command.writes;
    for (const write of writes) if (write !== null) scope.stage.writtenFiles.add(resolvePath(command.cwd, write));
    if (writes.length && writes.every((w) => w !== null && cargoScaffolding(scope, resolvePath(command.cwd, w)))) {
      return ignored('run.cargo.dummy', `${command.source}: writes a placeholder ${writes.join(', ')} to cache the dependencies in a Docker layer; the derivation builds the real source`);
    }
    if (writes.length && outcome.status !== 'manual') {
      return { status: 'manual', rule: 'run.writes-file', message: `${command.source}: writes ${writes.map((w) => w ?? '(unknown path)').join(', ')}; write the file with pkgs.writeText instead` };
    }
    if (command.conditional && outcome.status === 'mapped') {
      return { ...outcome, status: 'approximated', message: `${outcome.message} (runs only under a condition in the Dockerfile)` };
    }
    return outcome;
  }
}

