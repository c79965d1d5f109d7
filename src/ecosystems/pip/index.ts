/** pip: `pip install` (names, requirements files, local projects) into the image's Python environment through rules/pip.json. */
import { resolvePath } from '../../container-path.js';
import type { ShellCommand } from '../../shell/analyze.js';
import { hasFlag, parseArgs } from '../../convert/programs/args.js';
import { installPackages, pythonSet } from '../../convert/programs/packages.js';
import { contextPathOf, type CommandScope } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { projectDirOf, readPythonProject, reportSources } from '../python-project/projects.js';
import { parseRequirement, parseRequirements } from './requirements.js';

export const pip: ProgramHandler = (words, command, scope) => {
  // `python -m pip …` arrives here with the interpreter words removed.
  const args = parseArgs(
    words.slice(1),
    new Set([
      '-r',
      '--requirement',
      '-c',
      '--constraint',
      '-e',
      '--editable',
      '-i',
      '--index-url',
      '--extra-index-url',
      '-f',
      '--find-links',
      '--trusted-host',
      '-t',
      '--target',
      '--prefix',
      '--root',
      '--platform',
      '--python-version',
      '--implementation',
      '--abi',
      '--only-binary',
      '--no-binary',
      '--progress-bar',
      '--log',
      '--cache-dir',
      '--src',
      '--upgrade-strategy',
      '--global-option',
      '-C',
      '--config-settings',
      '--timeout',
      '--retries',
      '--proxy',
      '--cert',
      '--client-cert',
      '--root-user-action',
      '--python',
    ]),
  );
  const [action, ...names] = args.operands;
  if (
    action === 'cache' ||
    action === 'config' ||
    action === 'freeze' ||
    action === 'list' ||
    action === 'check' ||
    action === 'show' ||
    action === 'download' ||
    (action === 'wheel' && names.length === 0)
  ) {
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
    const extras =
      /\[([^\]]*)\]$/
        .exec(target)?.[1]
        ?.split(',')
        .map((e) => e.trim()) ?? [];
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
  const outcome = installPackages(
    scope,
    'pip',
    requests.filter((r) => !tooling.has(r.name.toLowerCase())),
  );
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

export default defineEcosystem({
  id: 'pip',
  summary: 'Python packages (pip install, python -m pip)',
  programs: { pip, pip3: pip },
  pythonModules: { pip },
  installer: { naming: 'python', coverage: true, installsKnownNames: ['pip', 'pip3'] },
});
