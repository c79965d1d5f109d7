/**
 * RUN mkdir, chmod, chown and rm. What they change must be something the Nix image has: a folder the Dockerfile
 * makes, or what a COPY placed (a file keeps being a file). Modes are checked against chmod's grammar and owners
 * become numeric ids before they reach the plan; anything else is `manual`, never a guess.
 */
import { resolvePath } from '../../container-path.js';
import { isValidMode } from '../../nix/shell.js';
import { hasWildcard } from '../../convert/glob.js';
import { groupIdOf, userIds, type CommandScope, type Outcome, type StageState } from '../../convert/stage.js';
import type { ShellCommand } from '../../shell/analyze.js';
import { flagValue, hasFlag, parseArgs } from '../../convert/programs/args.js';

const manual = (rule: string, message: string): Outcome => ({ status: 'manual', rule, message });

const within = (path: string, folder: string): boolean => path === folder || path.startsWith(folder === '/' ? '/' : `${folder}/`);

/** How a path relates to what the stage placed so far. */
type Placed = 'placed' | 'inside' | 'above' | null;

function placedRelation(stage: StageState, path: string): Placed {
  const dests = [
    ...stage.files.map((f) => ({ dest: f.dest, folder: f.source.kind !== 'text' && f.source.directory })),
    ...stage.stageCopyDests.map((dest) => ({ dest, folder: true })),
  ];
  if (dests.some((d) => d.dest === path)) return 'placed';
  if (dests.some((d) => d.folder && within(path, d.dest))) return 'inside';
  if (dests.some((d) => within(d.dest, path))) return 'above';
  return null;
}

/** Why a target cannot be changed, or null. */
function unplaceable(stage: StageState, target: string, path: string, what: string): string | null {
  if (hasWildcard(target)) return `${what} ${target}: a wildcard, which dock2nix does not expand at assembly time`;
  if (stage.writtenFiles.has(path))
    return `${what} ${path}: the file is written by a RUN redirection, which dock2nix does not place; write it with pkgs.writeText (or COPY it) instead`;
  return null;
}

export function mkdir(words: string[], command: ShellCommand, scope: CommandScope): Outcome {
  const args = parseArgs(words.slice(1), new Set(['-m', '--mode']));
  const mode = flagValue(args, '-m', '--mode');
  if (mode !== null && !isValidMode(mode)) return manual('run.mkdir', `mkdir -m: ${JSON.stringify(mode)} is not a mode dock2nix understands`);
  for (const dir of args.operands) {
    if (hasWildcard(dir)) return manual('run.mkdir', `mkdir ${dir}: a wildcard, which dock2nix does not expand`);
  }
  for (const dir of args.operands) {
    const path = resolvePath(command.cwd, dir);
    scope.stage.directories.set(path, { path, mode, owner: scope.stage.directories.get(path)?.owner ?? null });
  }
  return { status: 'mapped', rule: 'run.mkdir', message: `mkdir ${args.operands.join(' ')}: directories created in the image` };
}

export function chmod(words: string[], command: ShellCommand, scope: CommandScope): Outcome {
  const args = parseArgs(words.slice(1));
  const [mode, ...targets] = args.operands;
  if (!mode || !targets.length) return manual('run.chmod', `${command.source}: not understood`);
  if (!isValidMode(mode)) return manual('run.chmod', `chmod: ${JSON.stringify(mode)} is not a mode dock2nix understands`);
  const recursive = hasFlag(args, '-R', '--recursive');
  const stage = scope.stage;
  const done: string[] = [];
  for (const target of targets) {
    const path = resolvePath(command.cwd, target);
    const problem = unplaceable(stage, target, path, 'chmod');
    if (problem) return manual('run.chmod', problem);
    const relation = placedRelation(stage, path);
    const directory = stage.directories.get(path);
    if (relation === 'placed' || relation === 'inside' || relation === 'above') {
      stage.pathChanges.push({ line: scope.line, path, change: { kind: 'mode', mode }, recursive });
    } else if (directory) {
      stage.directories.set(path, { ...directory, mode });
    } else {
      return manual(
        'run.chmod',
        `chmod ${mode} ${path}: nothing this Dockerfile places is there (a file of the base image or of a package?); set the mode where the file is made`,
      );
    }
    done.push(path);
  }
  return { status: 'mapped', rule: 'run.chmod', message: `chmod ${recursive ? '-R ' : ''}${mode} ${done.join(' ')}: mode set when the image is assembled` };
}

/** The owner a placed path has before this chown (for `chown user path`, which keeps the group). */
function currentGid(stage: StageState, path: string): number {
  const owners = [
    ...stage.files.filter((f) => f.owner && within(path, f.dest)).map((f) => ({ line: f.line, owner: f.owner! })),
    ...stage.pathChanges
      .filter((c) => c.change.kind === 'owner' && (c.path === path || (c.recursive && within(path, c.path))))
      .map((c) => ({ line: c.line, owner: (c.change as { owner: string }).owner })),
  ].sort((a, b) => a.line - b.line);
  const last = owners.at(-1)?.owner ?? stage.directories.get(path)?.owner;
  return last ? Number(last.split(':')[1]) : 0;
}

export function chown(words: string[], command: ShellCommand, scope: CommandScope): Outcome {
  const args = parseArgs(words.slice(1), new Set(['--from', '--reference']));
  const [spec, ...targets] = args.operands;
  if (!spec || !targets.length) return manual('run.chown', `${command.source}: not understood`);
  if (hasFlag(args, '--from', '--reference')) return manual('run.chown', `${command.source}: --from and --reference are not converted`);
  const stage = scope.stage;
  const recursive = hasFlag(args, '-R', '--recursive');
  const [user, group, ...rest] = spec.split(':');
  if (rest.length || !user) return manual('run.chown', `chown ${JSON.stringify(spec)}: dock2nix converts USER, USER:GROUP and USER: owners`);
  const ids = userIds(user, stage);
  if (!ids)
    return manual(
      'run.chown',
      `chown ${spec}: user ${JSON.stringify(user)} is not known (not made by this Dockerfile, nor a user of the base image dock2nix knows); use numeric ids`,
    );
  const gid = group === undefined ? null : group === '' ? ids.gid : groupIdOf(group, stage);
  if (gid === undefined) return manual('run.chown', `chown ${spec}: group ${JSON.stringify(group)} is not known; use numeric ids`);
  const done: string[] = [];
  for (const target of targets) {
    const path = resolvePath(command.cwd, target);
    const problem = unplaceable(stage, target, path, 'chown');
    if (problem) return manual('run.chown', problem);
    if (!placedRelation(stage, path) && !stage.directories.has(path)) {
      return manual('run.chown', `chown ${spec} ${path}: nothing this Dockerfile places is there (a file of the base image or of a package?)`);
    }
    const owner = `${ids.uid}:${gid ?? currentGid(stage, path)}`;
    stage.pathChanges.push({ line: scope.line, path, change: { kind: 'owner', owner }, recursive });
    done.push(`${path} (${owner})`);
  }
  return {
    status: 'mapped',
    rule: 'run.chown',
    message: `chown ${recursive ? '-R ' : ''}${spec} ${done.join(' ')}: ownership set in fakeRootCommands, with numeric ids`,
  };
}

/**
 * rm of what COPY placed: a placement that is removed as a whole is left out of the plan; a path inside a placed
 * folder is removed when the image is assembled. Null when nothing placed is concerned (the caller decides).
 */
export function removePlaced(targets: string[], command: ShellCommand, scope: CommandScope): { outcome: Outcome; handled: string[] } | null {
  const stage = scope.stage;
  const paths = targets.map((t) => ({ target: t, path: resolvePath(command.cwd, t.replace(/^~(?=\/|$)/, '/root')) }));
  const concerned = paths.filter(({ path }) => placedRelation(stage, path) !== null);
  if (!concerned.length) return null;
  const handled = concerned.map(({ target }) => target);
  const wild = concerned.find(({ target }) => hasWildcard(target));
  if (wild)
    return {
      handled,
      outcome: manual(
        'run.rm',
        `rm ${wild.target}: removes part of what COPY placed through a wildcard, which dock2nix does not expand; leave those files out of the COPY (.dockerignore) instead`,
      ),
    };
  const notes: string[] = [];
  for (const { path } of concerned) {
    const relation = placedRelation(stage, path);
    if (relation === 'placed' || relation === 'above') {
      const before = stage.files.length;
      stage.files = stage.files.filter((f) => !within(f.dest, path));
      for (const key of [...stage.contextFiles.keys()]) if (within(key.replace(/\/$/, ''), path)) stage.contextFiles.delete(key);
      for (const dir of [...stage.directories.keys()]) if (within(dir, path)) stage.directories.delete(dir);
      const copies = stage.stageCopyDests.filter((dest) => within(dest, path));
      stage.stageCopyDests = stage.stageCopyDests.filter((dest) => !within(dest, path));
      if (copies.length) stage.pathChanges.push({ line: scope.line, path, change: { kind: 'remove' }, recursive: true });
      notes.push(
        `${path}: ${before - stage.files.length ? 'no longer placed' : ''}${before - stage.files.length && copies.length ? '; ' : ''}${copies.length ? 'removed after the copy from the build stage' : ''}`,
      );
    } else {
      stage.pathChanges.push({ line: scope.line, path, change: { kind: 'remove' }, recursive: true });
      notes.push(`${path}: removed from the placed folder when the image is assembled`);
    }
  }
  return { handled, outcome: { status: 'mapped', rule: 'run.rm.placed', message: `rm ${concerned.map((c) => c.target).join(' ')}: ${notes.join('; ')}` } };
}
