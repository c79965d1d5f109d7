/**
 * Python projects installed from their source (`pip install .`, `poetry install`, `uv sync`, `pipenv install`):
 * their declared dependencies (pyproject.toml PEP 621 or Poetry tables, Pipfile) become Python packages, and
 * the report names the Nix tool made for that project kind.
 */
import { parseToml } from '../toml.js';
import type { BuildContext } from '../context.js';
import type { StageState } from '../stage.js';
import type { PackageRequest } from './packages.js';
import { parseRequirement } from './requirements.js';

export interface PythonProject {
  kind: 'pep621' | 'poetry' | 'uv' | 'pipenv' | 'setuptools' | 'none';
  dependencies: PackageRequest[];
  /** What the report says about this kind of project. */
  advice: string;
  /** Files read, for the report. */
  files: string[];
}

/** Where an image path came from in the build context: a copied file, or a file inside a copied folder. */
export function contextPathOf(stage: StageState, imagePath: string): string | null {
  const file = stage.contextFiles.get(imagePath);
  if (file !== undefined) return file;
  let best: { dir: string; source: string } | null = null;
  for (const [key, source] of stage.contextFiles) {
    if (!key.endsWith('/')) continue;
    const dir = key.slice(0, -1);
    if ((imagePath === dir || imagePath.startsWith(`${dir}/`) || dir === '') && (!best || dir.length > best.dir.length)) best = { dir, source };
  }
  if (!best) return null;
  const rest = imagePath.slice(best.dir.length).replace(/^\//, '');
  return [best.source, rest].filter(Boolean).join('/');
}

/**
 * The context folder a project in the image came from: the folder copied there, or the folder of its copied
 * pyproject.toml / Pipfile / setup.py when the files were copied one by one.
 */
export function projectDirOf(stage: StageState, imageDir: string): string | null {
  const dir = contextPathOf(stage, imageDir);
  if (dir !== null && !stage.contextFiles.has(imageDir)) return dir;
  for (const marker of ['pyproject.toml', 'Pipfile', 'setup.py']) {
    const file = stage.contextFiles.get(`${imageDir.replace(/\/$/, '')}/${marker}`);
    if (file !== undefined) return file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  }
  return null;
}

function tomlAt(context: BuildContext, file: string): Record<string, unknown> | null {
  const text = context.readText(file);
  if (text === null) return null;
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function table(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function versionOf(spec: unknown): string | null {
  if (typeof spec === 'string') return spec === '*' ? null : spec;
  const version = table(spec).version;
  return typeof version === 'string' && version !== '*' ? version : null;
}

/** Read the project at a context folder ('' for the context root). */
export function readPythonProject(context: BuildContext, dir: string): PythonProject {
  const at = (name: string) => (dir ? `${dir}/${name}` : name);
  const pyproject = tomlAt(context, at('pyproject.toml'));
  const files: string[] = [];
  if (pyproject) {
    files.push(at('pyproject.toml'));
    const poetry = table(table(pyproject.tool).poetry);
    const project = table(pyproject.project);
    const hasUvLock = context.kind(at('uv.lock')) === 'file';
    if (Object.keys(table(poetry.dependencies)).length && !Array.isArray(project.dependencies)) {
      const dependencies = Object.entries(table(poetry.dependencies))
        .filter(([name]) => name.toLowerCase() !== 'python')
        .map(([name, spec]) => ({ name, version: versionOf(spec) }));
      return { kind: 'poetry', dependencies, files, advice: 'a Poetry project: dependencies come from [tool.poetry.dependencies]; for a full Nix build of it use poetry2nix or pyproject.nix' };
    }
    const dependencies = (Array.isArray(project.dependencies) ? project.dependencies : [])
      .filter((d): d is string => typeof d === 'string')
      .map((d) => parseRequirement(d))
      .filter((d): d is PackageRequest => d !== null);
    if (hasUvLock) {
      files.push(at('uv.lock'));
      return { kind: 'uv', dependencies, files, advice: 'a uv project (uv.lock): dependencies come from [project.dependencies]; for exact versions from uv.lock use uv2nix' };
    }
    return { kind: 'pep621', dependencies, files, advice: 'dependencies come from [project.dependencies]; to package the project itself use buildPythonApplication with pyproject = true' };
  }
  const pipfile = tomlAt(context, at('Pipfile'));
  if (pipfile) {
    files.push(at('Pipfile'));
    const dependencies = Object.entries(table(pipfile.packages)).map(([name, spec]) => ({ name, version: versionOf(spec) }));
    return { kind: 'pipenv', dependencies, files, advice: 'a Pipenv project: packages come from the Pipfile [packages] table (Pipfile.lock pins are decided by the flake\'s nixpkgs)' };
  }
  if (context.kind(at('setup.py')) === 'file') {
    return { kind: 'setuptools', dependencies: [], files: [at('setup.py')], advice: 'a setup.py project: its dependencies are not read (setup.py is code); list them in requirements.txt or pyproject.toml' };
  }
  return { kind: 'none', dependencies: [], files, advice: 'no pyproject.toml, Pipfile or setup.py found' };
}
