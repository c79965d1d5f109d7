/**
 * A build stage that only installs Python packages is folded into the image's Python environment
 * (python.withPackages) instead of becoming a derivation. What a later `COPY --from=<that stage>` takes from it is
 * worked out here: the packages join the environment, a virtual environment or user site becomes a link to the
 * environment, and the files the stage had copied from the build context are placed where Docker would put them.
 */
import { resolvePath } from '../container-path.js';
import type { Instruction } from '../dockerfile/model.js';
import type { BuildContext } from './context.js';
import { hasLanguageBuild, type CopyRequest } from './derivations.js';
import type { StageState } from './stage.js';
import type { FilePlacement, SymlinkPlan } from './types.js';

export interface FoldedCopy {
  /** Where Docker puts the copied path (a folder's contents merge into the destination). */
  target: string;
  files: FilePlacement[];
  links: SymlinkPlan[];
  /** What the report says about the copy, one clause each. */
  notes: string[];
  /** Why the copy cannot be done (the instruction needs manual work), or null. */
  problem: string | null;
}

/** Where pip and the interpreter keep packages in a Python image: the packages become the environment's. */
const PYTHON_LOCATIONS = [
  /^\/usr\/local(\/(lib|lib64)(\/python3[^/]*(\/.*)?)?|\/bin(\/.*)?)?$/,
  /^\/usr\/lib\/python3[^/]*(\/.*)?$/,
  /^\/root\/\.local(\/.*)?$/,
];

const INSTALLER = /^\s*(\S*\/)?(pip3?|python3?(\.\d+)? -m (pip|venv)|poetry|uv|pipenv|virtualenv)\s/;

/** A stage that installs Python packages and builds nothing else (no npm, Go or Cargo build). */
export function installsPythonOnly(state: StageState): boolean {
  if (hasLanguageBuild(state)) return false;
  return state.pythonPackages.size > 0 || state.pythonEnvPaths.size > 0 || state.packageReports.some((r) => r.manager === 'pip');
}

const under = (path: string, dir: string) => (dir === '/' ? path.startsWith('/') : path === dir || path.startsWith(`${dir}/`));

/** The destination Docker gives a copied path: a folder's contents merge into the destination. */
function destinationOf(copy: Extract<Instruction, { keyword: 'COPY' | 'ADD' }> | undefined, request: CopyRequest, directory: boolean): string {
  if (!copy) return request.dest;
  const dest = resolvePath(copy.workdir, copy.dest);
  if (directory) return dest;
  const destIsDir = copy.dest.endsWith('/') || copy.sources.length > 1 || copy.dest === '.';
  return destIsDir ? `${dest.replace(/\/$/, '')}/${request.from.split('/').pop()}` : dest;
}

export function foldPythonCopy(
  request: CopyRequest,
  source: StageState,
  copy: Extract<Instruction, { keyword: 'COPY' | 'ADD' }> | undefined,
  context: BuildContext,
): FoldedCopy {
  const from = request.from.replace(/(.)\/+$/, '$1');
  const result: FoldedCopy = { target: request.dest, files: [], links: [], notes: [], problem: null };
  const envPaths = [...source.pythonEnvPaths.entries()];
  const containing = source.files.find((f) => f.source.kind === 'context' && f.source.directory && f.dest !== from && under(from, f.dest));
  const directory =
    from === source.workdir ||
    source.directories.has(from) ||
    envPaths.some(([path]) => under(path, from)) ||
    source.files.some((f) => f.dest !== from && under(f.dest, from)) ||
    source.files.some((f) => f.dest === from && f.source.kind !== 'text' && f.source.directory) ||
    (containing?.source.kind === 'context' && context.kind(joinContext(containing.source.path, from.slice(containing.dest.length + 1))) === 'dir') ||
    PYTHON_LOCATIONS.some((re) => re.test(from));
  const target = destinationOf(copy, request, directory).replace(/(.)\/+$/, '$1');
  result.target = target;
  const rebase = (path: string) => (path === from ? target : `${target === '/' ? '' : target}${path.slice(from === '/' ? 0 : from.length)}`);

  // The environment: virtual environments and user sites become links to it; other install folders just join it.
  let joined = false;
  for (const [path, kind] of envPaths) {
    if (under(path, from)) {
      if (kind === 'prefix') {
        result.notes.push(`the packages installed under ${path} join the image's Python environment (${rebase(path)} itself is not placed)`);
      } else {
        const at = rebase(path);
        result.links.push({ path: at, target: { kind: 'python', subpath: '' } });
        result.notes.push(
          kind === 'venv'
            ? `the virtual environment ${path} is the image's Python environment: ${at} is a link to it`
            : `the user site ${path} (pip install --user) is the image's Python environment: ${at} is a link to it`,
        );
      }
      joined = true;
    } else if (under(from, path)) {
      result.notes.push(
        `${from} is part of the ${kind === 'venv' ? 'virtual environment' : 'install folder'} ${path}: its packages join the image's Python environment`,
      );
      joined = true;
    }
  }
  if (!joined && PYTHON_LOCATIONS.some((re) => re.test(from))) {
    result.notes.push(`${from} holds what pip installed: those packages join the image's Python environment`);
    joined = true;
  }

  // Files the stage copied from the build context (or wrote) at that path, placed where the copy puts them.
  for (const file of source.files) {
    if (under(file.dest, from)) {
      if (envPaths.some(([path, kind]) => kind !== 'prefix' && under(file.dest, path))) continue;
      result.files.push({ ...file, line: request.line, dest: rebase(file.dest), owner: request.owner ?? file.owner, mode: request.mode ?? file.mode });
    }
  }
  if (containing && containing.source.kind === 'context') {
    const inner = joinContext(containing.source.path, from.slice(containing.dest.length + 1));
    const kind = context.kind(inner);
    if (kind) {
      result.files.unshift({
        line: request.line,
        source: { kind: 'context', path: inner, directory: kind === 'dir' },
        dest: target,
        owner: request.owner ?? containing.owner,
        mode: request.mode ?? containing.mode,
      });
    }
  }
  if (result.files.length) {
    result.notes.push(`the files stage ${source.name ? `"${source.name}"` : `#${source.index}`} copied from the build context are placed at ${target}`);
    // Installs (pip, poetry, uv, pipenv) are reported on their own lines; they put no files there.
    const unconverted = [...new Set(source.unhandled.filter((u) => !INSTALLER.test(u.source)).map((u) => u.line))];
    if (unconverted.length) result.notes.push(`what its unconverted commands (line ${unconverted.join(', ')}) made there is not`);
  }
  if (!joined && !result.files.length) {
    result.problem = `nothing to copy: stage ${source.name ? `"${source.name}"` : `#${source.index}`} only installs Python packages, and dock2nix does not know what it has at ${from}`;
  }
  return result;
}

function joinContext(base: string, rest: string): string {
  return [base, rest].filter(Boolean).join('/');
}
