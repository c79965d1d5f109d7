/**
 * Python projects installed from their source (`pip install .`, `poetry install`, `uv sync`, `pipenv install`):
 * their declared dependencies (pyproject.toml PEP 621 or Poetry tables, Pipfile) become Python packages, and
 * the report names the Nix tool made for that project kind.
 */
import { parseToml } from '../../convert/toml.js';
import type { BuildContext } from '../../convert/context.js';
import { contextPathOf, type CommandScope, type StageState } from '../../convert/stage.js';
import type { PackageRequest } from '../../convert/programs/packages.js';
import { parseRequirement } from '../pip/requirements.js';

export interface PythonProject {
  kind: 'pep621' | 'poetry' | 'uv' | 'pipenv' | 'setuptools' | 'none';
  dependencies: PackageRequest[];
  /** Dependencies that do not come from a package index (git, a local path, a URL): nixpkgs cannot provide them. */
  sources: Array<{ name: string; source: string }>;
  /** Dependency groups read besides the main dependencies (`dev`, extras), for the report. */
  groups: string[];
  /** What the report says about this kind of project. */
  advice: string;
  /** Files read, for the report. */
  files: string[];
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

/**
 * Which dependency groups an install takes, from its flags: Poetry installs every non-optional group unless
 * told otherwise (`--no-dev`, `--only main`, `--without dev`, `--with docs`), uv sync takes the `dev` group unless
 * `--no-dev`, pipenv takes [dev-packages] only with `--dev`.
 */
export interface GroupSelection {
  /** Only these groups (`main` is the main dependencies); null: the default set. */
  only: string[] | null;
  with: string[];
  without: string[];
  /** Optional extras (uv --extra, --all-extras as '*'). */
  extras: string[];
}

export function groupSelection(tool: string, words: string[]): GroupSelection {
  const selection: GroupSelection = { only: null, with: [], without: [], extras: [] };
  const values = (flag: string): string[] =>
    words
      .flatMap((w, i) => (w === flag ? [words[i + 1] ?? ''] : w.startsWith(`${flag}=`) ? [w.slice(flag.length + 1)] : []))
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter(Boolean);
  if (tool === 'poetry') {
    selection.only = words.includes('--only-root') ? [] : values('--only').length ? values('--only') : null;
    selection.with = values('--with');
    selection.without = [...values('--without'), ...(words.includes('--no-dev') ? ['dev'] : [])];
  } else if (tool === 'uv') {
    if (words.includes('--only-dev')) selection.only = ['dev'];
    selection.with = values('--group');
    selection.without = [...values('--no-group'), ...(words.includes('--no-dev') ? ['dev'] : [])];
    selection.extras = words.includes('--all-extras') ? ['*'] : values('--extra');
  } else if (tool === 'pipenv') {
    selection.with = words.includes('--dev') || words.includes('-d') ? ['dev'] : [];
  }
  return selection;
}

/** What a non-index dependency points at, or null for a plain version requirement. */
function sourceOf(spec: unknown): string | null {
  const t = table(spec);
  for (const key of ['git', 'path', 'url', 'file']) {
    if (typeof t[key] === 'string')
      return `${key === 'git' ? 'git ' : key === 'path' ? 'local path ' : ''}${t[key] as string}${typeof t.rev === 'string' ? ` (rev ${t.rev})` : typeof t.tag === 'string' ? ` (tag ${t.tag})` : typeof t.branch === 'string' ? ` (branch ${t.branch})` : typeof t.ref === 'string' ? ` (ref ${t.ref})` : ''}`;
  }
  return null;
}

/** PEP 508 strings: index requirements, and the direct references (`name @ git+https://…`) nixpkgs cannot provide. */
function pep508(list: unknown, into: PythonProject): void {
  for (const entry of Array.isArray(list) ? list : []) {
    if (typeof entry !== 'string') continue;
    const parsed = parseRequirement(entry);
    if (parsed) into.dependencies.push(parsed);
    else
      into.sources.push({
        name: /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(entry)?.[1] ?? entry,
        source: entry.includes('@') ? entry.slice(entry.indexOf('@') + 1).trim() : entry,
      });
  }
}

/** Name → spec tables (Poetry, Pipfile): index requirements and direct sources. */
function specTable(value: unknown, into: PythonProject): void {
  for (const [name, spec] of Object.entries(table(value))) {
    if (name.toLowerCase() === 'python') continue;
    const source = sourceOf(spec);
    if (source) into.sources.push({ name, source });
    else into.dependencies.push({ name, version: versionOf(spec) });
  }
}

/** Read the project at a context folder ('' for the context root). */
export function readPythonProject(
  context: BuildContext,
  dir: string,
  selection: GroupSelection = { only: null, with: [], without: [], extras: [] },
): PythonProject {
  const project = readProjectFiles(context, dir, selection);
  project.sources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return project;
}

function readProjectFiles(context: BuildContext, dir: string, selection: GroupSelection): PythonProject {
  const wants = (group: string, optional: boolean) =>
    selection.only ? selection.only.includes(group) : !selection.without.includes(group) && (!optional || selection.with.includes(group));
  const empty = (kind: PythonProject['kind'], files: string[], advice: string): PythonProject => ({
    kind,
    dependencies: [],
    sources: [],
    groups: [],
    files,
    advice,
  });
  const at = (name: string) => (dir ? `${dir}/${name}` : name);
  const pyproject = tomlAt(context, at('pyproject.toml'));
  const files: string[] = [];
  if (pyproject) {
    files.push(at('pyproject.toml'));
    const poetry = table(table(pyproject.tool).poetry);
    const project = table(pyproject.project);
    const hasUvLock = context.kind(at('uv.lock')) === 'file';
    if (Object.keys(table(poetry.dependencies)).length && !Array.isArray(project.dependencies)) {
      const result = empty(
        'poetry',
        files,
        'a Poetry project: dependencies come from [tool.poetry.dependencies]; for a full Nix build of it use poetry2nix or pyproject.nix',
      );
      if (wants('main', false)) specTable(poetry.dependencies, result);
      const groups: Array<[string, unknown, boolean]> = Object.entries(table(poetry.group)).map(([name, group]) => [
        name,
        table(group).dependencies,
        table(group).optional === true,
      ]);
      if (poetry['dev-dependencies'] !== undefined) groups.push(['dev', poetry['dev-dependencies'], false]);
      for (const [name, dependencies, optional] of groups) {
        if (!wants(name, optional)) continue;
        specTable(dependencies, result);
        result.groups.push(name);
      }
      return result;
    }
    const result = empty(
      'pep621',
      files,
      'dependencies come from [project.dependencies]; to package the project itself use buildPythonApplication with pyproject = true',
    );
    pep508(project.dependencies, result);
    for (const [extra, list] of Object.entries(table(project['optional-dependencies']))) {
      if (!selection.extras.includes(extra) && !selection.extras.includes('*')) continue;
      pep508(list, result);
      result.groups.push(`extra ${extra}`);
    }
    if (hasUvLock) {
      files.push(at('uv.lock'));
      result.kind = 'uv';
      result.advice = 'a uv project (uv.lock): dependencies come from [project.dependencies]; for exact versions from uv.lock use uv2nix';
      const devGroups = { ...table(pyproject['dependency-groups']) };
      const legacyDev = table(table(pyproject.tool).uv)['dev-dependencies'];
      if (Array.isArray(legacyDev)) devGroups.dev = [...(Array.isArray(devGroups.dev) ? devGroups.dev : []), ...legacyDev];
      for (const [name, list] of Object.entries(devGroups)) {
        if (!wants(name, name !== 'dev')) continue;
        pep508(list, result);
        result.groups.push(name);
      }
    }
    return result;
  }
  const pipfile = tomlAt(context, at('Pipfile'));
  if (pipfile) {
    files.push(at('Pipfile'));
    const result = empty(
      'pipenv',
      files,
      "a Pipenv project: packages come from the Pipfile [packages] table (Pipfile.lock pins are decided by the flake's nixpkgs)",
    );
    specTable(pipfile.packages, result);
    if (wants('dev', true)) {
      specTable(pipfile['dev-packages'], result);
      result.groups.push('dev');
    }
    return result;
  }
  if (context.kind(at('setup.py')) === 'file') {
    return empty(
      'setuptools',
      [at('setup.py')],
      'a setup.py project: its dependencies are not read (setup.py is code); list them in requirements.txt or pyproject.toml',
    );
  }
  return empty('none', files, 'no pyproject.toml, Pipfile or setup.py found');
}

/**
 * Dependencies from git, a local path or a URL: nixpkgs has no attribute for them, so each is reported (and marked
 * in the Python environment of the Nix) for the user to package; never dropped.
 */
export function reportSources(scope: CommandScope, sources: Array<{ name: string; source: string }>, tool: string): string[] {
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
