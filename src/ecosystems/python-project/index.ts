/**
 * Python project tools (poetry, uv, pipenv) and virtual environments (python -m venv, virtualenv, uv venv): the
 * project's declared dependencies become the image's Python environment.
 */
import { resolvePath } from '../../container-path.js';
import { parseArgs } from '../../convert/programs/args.js';
import { installPackages } from '../../convert/programs/packages.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';
import { pip } from '../pip/index.js';
import { groupSelection, projectDirOf, readPythonProject, reportSources } from './projects.js';

/**
 * `python -m venv /opt/venv`, `virtualenv /opt/venv`, `uv venv /opt/venv`: a virtual environment. The image's
 * Python environment (python.withPackages) stands for it; where the image gets that folder it is a link to the
 * environment, so `/opt/venv/bin/…` and a PATH through it keep working.
 */
const venv: ProgramHandler = (words, command, scope) => {
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
const pythonProjectTool: ProgramHandler = (words, command, scope, run) => {
  const tool = words[0]!;
  const action = words.slice(1).find((w) => !w.startsWith('-'));
  if (tool === 'uv' && action === 'pip') return pip(['pip', ...words.slice(words.indexOf('pip') + 1)], command, scope, run);
  if (tool === 'uv' && action === 'venv')
    return venv(
      words.filter((w, i) => i === 0 || w !== 'venv' || words.indexOf('venv') !== i),
      command,
      scope,
      run,
    );
  const installs =
    (tool === 'poetry' && action === 'install') || (tool === 'uv' && action === 'sync') || (tool === 'pipenv' && (action === 'install' || action === 'sync'));
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

export default defineEcosystem({
  id: 'python-project',
  summary: 'Python project tools and virtual environments (poetry, uv, pipenv, venv)',
  programs: { poetry: pythonProjectTool, uv: pythonProjectTool, pipenv: pythonProjectTool, virtualenv: venv },
  pythonModules: { venv, virtualenv: venv },
});
