/**
 * The image-assembly scripts: `extraCommands` (folders, placed files, modes, removals, links) and
 * `fakeRootCommands` (owners). Every line is built with the shell module (src/nix/shell.ts), so text from the
 * Dockerfile, the context or a base image reaches the script only as a quoted word, and modes and owners only
 * after their grammar is checked.
 */
import type { FilePlacement, MigrationPlan, PathChange } from '../convert/types.js';
import { apply, id, select, str, type StringPart } from './ast.js';
import { command, comment, mode, option, owner, printShell, storePath, template, word, type ShellArg, type ShellNode } from './shell.js';
import { formatOf } from './formats/index.js';

const pkgs = id('pkgs');

/** An image path as a word relative to the layer root (`.` for the root; never starting with `-`). */
export function imagePath(absolute: string): ShellArg {
  const relative = absolute.replace(/^\/+/, '');
  return word(relative === '' ? '.' : relative.startsWith('-') ? `./${relative}` : relative);
}

function storeName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9+._?=-]/g, '-').replace(/^\.+/, '');
  return clean || 'file';
}

const PLACE_FUNCTION = `# place SOURCE TARGET: copy a file, or merge a folder's contents, as Docker's COPY does.
place() {
  mkdir -p "$(dirname "$2")"
  if [ -d "$1" ]; then
    mkdir -p "$2"
    cp -rT --no-preserve=ownership --remove-destination "$1" "$2"
  else
    cp --no-preserve=ownership --remove-destination "$1" "$2"
  fi
  chmod -R u+w "$2"
}
`;

/**
 * A folder's contents copied into a folder that was there before: Docker's --chmod and --chown reach each entry it
 * copied (those of SOURCE, now in TARGET), not TARGET itself nor what earlier lines put there. The entries are
 * those of the store path, so a build's output needs no listing at plan time. A file SOURCE went into TARGET.
 */
const COPIED_LOOP = (
  name: string,
  program: string,
  what: string,
) => `# ${name} ${what} SOURCE TARGET: ${program} -R of each entry a COPY of SOURCE put into the folder TARGET.
${name}() {
  local entry
  if [ ! -d "$2" ]; then
    ${program} -R "$1" "$3/\${2##*/}"
    return
  fi
  for entry in "$2"/* "$2"/.[!.]* "$2"/..?*; do
    if [ -e "$entry" ] || [ -L "$entry" ]; then ${program} -R "$1" "$3/\${entry##*/}"; fi
  done
}
`;
const CHMOD_COPIED = COPIED_LOOP('chmod_copied', 'chmod', 'MODE');
const CHOWN_COPIED = COPIED_LOOP('chown_copied', 'chown', 'OWNER');

function describeSource(file: FilePlacement): string {
  return file.source.kind === 'context'
    ? `${file.source.path || '.'} from the build context`
    : file.source.kind === 'derivation'
      ? `${file.source.path} built by ${file.source.derivation}`
      : `${file.source.name}, written by the Dockerfile or the base image`;
}

/** The store path a placed file comes from. */
function sourceArg(file: FilePlacement): ShellArg {
  const source = file.source;
  if (source.kind === 'context') return storePath(apply(id('fromContext'), str(source.path)));
  if (source.kind === 'derivation') return source.path === '.' ? storePath(id(source.derivation)) : storePath(id(source.derivation), `/${source.path}`);
  return storePath(apply(select(pkgs, 'writeText'), str(storeName(source.name)), str(source.content)));
}

/** Whether a removal at a later line takes `target` away (the path itself or a folder above it). */
function removedAfter(changes: PathChange[], target: string, line: number): boolean {
  return changes.some((c) => c.change.kind === 'remove' && c.line > line && (c.path === target || target.startsWith(`${c.path === '/' ? '' : c.path}/`)));
}

/** The extraCommands script: folders, placed files with their modes, RUN chmod and rm in line order, links. */
export function layerScriptNodes(plan: MigrationPlan): ShellNode[] {
  const { image } = plan;
  const nodes: ShellNode[] = [];
  if (image.directories.length) {
    nodes.push(command('mkdir', option('-p'), ...image.directories.map((d) => imagePath(d.path))));
    for (const dir of image.directories.filter((d) => d.mode)) nodes.push(command('chmod', mode(dir.mode!), imagePath(dir.path)));
  }
  const changes = image.pathChanges.filter((c) => c.change.kind !== 'owner');
  if (image.files.length || changes.length) {
    if (image.files.length) nodes.push(template(PLACE_FUNCTION));
    if (image.files.some((f) => f.mode && f.intoExisting)) nodes.push(template(CHMOD_COPIED));
    const steps: Array<{ line: number; nodes: ShellNode[] }> = [];
    for (const file of image.files) {
      const placed = [comment(`${describeSource(file)} (Dockerfile line ${file.line})`), command('place', sourceArg(file), imagePath(file.dest))];
      if (file.mode)
        placed.push(
          file.intoExisting
            ? command('chmod_copied', mode(file.mode), sourceArg(file), imagePath(file.dest))
            : command('chmod', option('-R'), mode(file.mode), imagePath(file.dest)),
        );
      steps.push({ line: file.line, nodes: placed });
    }
    for (const change of changes) {
      const target = imagePath(change.path);
      const what = change.change;
      const step =
        what.kind === 'mode' ? command('chmod', ...(change.recursive ? [option('-R')] : []), mode(what.mode), target) : command('rm', option('-rf'), target);
      steps.push({ line: change.line, nodes: [comment(`RUN ${change.change.kind === 'remove' ? 'rm' : 'chmod'} (Dockerfile line ${change.line})`), step] });
    }
    // Stable: a placement comes before a change of the same line (there is none: a RUN has its own line).
    steps.sort((a, b) => a.line - b.line);
    for (const step of steps) nodes.push(...step.nodes);
  }
  const parents = new Set<string>();
  for (const link of image.symlinks) {
    const parent = link.path.slice(0, link.path.lastIndexOf('/'));
    if (parent && !parents.has(parent)) nodes.push(command('mkdir', option('-p'), imagePath(parent)));
    parents.add(parent);
    const target =
      link.target.kind === 'path'
        ? word(link.target.path)
        : link.target.kind === 'python'
          ? storePath(id('python'), link.target.subpath)
          : storePath(select(pkgs, link.target.attr), link.target.subpath);
    nodes.push(command('ln', option('-sfn'), target, imagePath(link.path)));
  }
  return nodes;
}

const within = (path: string, folder: string): boolean => path === folder || path.startsWith(folder === '/' ? '/' : `${folder}/`);

/**
 * The fakeRootCommands script: owners of folders, of placed files and of RUN chown, in line order. It runs once
 * every file is placed, so an owner is given at the line that gave it: a `chown -R` (or a `--chown` copy) reaches
 * files later lines put below it, which Docker placed as root's; those get root back at their own line.
 */
export function ownerScriptNodes(plan: MigrationPlan): ShellNode[] {
  if (!formatOf(plan.format).fakeRoot) return [];
  const { image } = plan;
  const nodes: ShellNode[] = [];
  // A folder's own owner (a home from useradd -m): what is placed in it later keeps its own.
  for (const dir of image.directories) if (dir.owner) nodes.push(command('chown', owner(dir.owner), imagePath(dir.path)));
  const steps: Array<{ line: number; node: ShellNode }> = [];
  /** Paths an owner was given to with everything below them, by line. */
  const recursive: Array<{ line: number; path: string }> = [];
  for (const change of image.pathChanges) {
    if (change.change.kind !== 'owner' || removedAfter(image.pathChanges, change.path, change.line)) continue;
    steps.push({ line: change.line, node: command('chown', ...(change.recursive ? [option('-R')] : []), owner(change.change.owner), imagePath(change.path)) });
    if (change.recursive) recursive.push({ line: change.line, path: change.path });
  }
  for (const file of image.files) if (file.owner) recursive.push({ line: file.line, path: file.dest });
  const chownPlaced = (file: FilePlacement, who: string): ShellNode =>
    file.intoExisting
      ? command('chown_copied', owner(who), sourceArg(file), imagePath(file.dest))
      : command('chown', option('-R'), owner(who), imagePath(file.dest));
  for (const file of image.files) {
    if (removedAfter(image.pathChanges, file.dest, file.line)) continue;
    if (file.owner) steps.push({ line: file.line, node: chownPlaced(file, file.owner) });
    // Below what an earlier line gave an owner to: Docker placed it as root's.
    else if (recursive.some((r) => r.line < file.line && within(file.dest, r.path))) steps.push({ line: file.line, node: chownPlaced(file, '0:0') });
  }
  // In line order; on one line (a COPY of several sources) in the order of the plan.
  steps.sort((a, b) => a.line - b.line);
  if (steps.some((s) => s.node.kind === 'command' && s.node.program === 'chown_copied')) nodes.unshift(template(CHOWN_COPIED));
  nodes.push(...steps.map((s) => s.node));
  return nodes;
}

export function layerScript(plan: MigrationPlan): StringPart[] {
  return printShell(layerScriptNodes(plan));
}

export function ownerCommands(plan: MigrationPlan): StringPart[] {
  return printShell(ownerScriptNodes(plan));
}
