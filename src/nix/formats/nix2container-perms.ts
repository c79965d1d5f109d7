/**
 * nix2container's `perms`: the owners and modes the Dockerfile sets, for a builder without a fake root.
 *
 * nix2container (nlewo/nix2container nix/tar.go, appendFileToTar) writes each file of a store path with owner
 * root (0:0) and the store's mode (0444 or 0555, folders 0555), then applies, in list order, every perms entry of
 * that store path (`path`) whose `regex` matches the file's store path: the entry sets uid and gid (absent: 0),
 * uname and gname when given, and the mode when given. So the last matching entry decides the owner, and the last
 * matching entry with a mode decides the mode. The list made here has two parts, as the layered format's two
 * scripts: first the modes (with owner 0), in the order extraCommands sets them (folders, then Dockerfile lines);
 * then the owners (without a mode), in the order fakeRootCommands sets them. An owner entry never changes a mode,
 * and every owner entry comes after every mode entry, so each file ends with the owner and the mode the layered
 * format gives it wherever one of those scripts sets them.
 *
 * What is not set here keeps the store's read-only mode: the files and subfolders of a copied folder, and a copied
 * file (Docker gives them their context mode, typically 0644 or 0755). The folders the Dockerfile makes (WORKDIR,
 * mkdir, homes, the destination of a copy and the folders above) are given 0755, as Docker makes them.
 */
import type { MigrationPlan, PathChange } from '../../convert/types.js';

export interface PermEntry {
  /** The image path (absolute). */
  path: string;
  /** The entry covers the path and everything under it (chmod -R, chown -R, COPY of a folder). */
  subtree: boolean;
  /** Octal, four digits. */
  mode?: string;
  owner?: { uid: number; gid: number; uname?: string; gname?: string };
  /** The Dockerfile line, for the comment (0: a folder the Dockerfile makes). */
  line: number;
}

export interface PermsResult {
  entries: PermEntry[];
  /** Modes that cannot be written as one absolute mode (a symbolic mode whose result depends on the file's). */
  unresolved: Array<{ line: number; path: string; mode: string }>;
}

/** `chmod` of a symbolic mode: null when the clause is not one this reads. */
export function applySymbolicMode(mode: number, symbolic: string, isDirectory: boolean, umask = 0o022): number | null {
  let result = mode;
  for (const clause of symbolic.split(',')) {
    const match = /^([ugoa]*)((?:[-+=][rwxXst]*)+)$/.exec(clause);
    if (!match) return null;
    const who = match[1]!;
    const scope = who === '' ? null : who.includes('a') ? 0o7777 : [...who].reduce((m, w) => m | { u: 0o4700, g: 0o2070, o: 0o1007 }[w as 'u' | 'g' | 'o'], 0);
    for (const action of match[2]!.match(/[-+=][rwxXst]*/g)!) {
      const op = action[0]!;
      let bits = 0;
      for (const p of action.slice(1)) {
        if (p === 'r') bits |= 0o444;
        else if (p === 'w') bits |= 0o222;
        else if (p === 'x') bits |= 0o111;
        else if (p === 'X') bits |= isDirectory || (result & 0o111) !== 0 ? 0o111 : 0;
        else if (p === 's') bits |= 0o6000;
        else if (p === 't') bits |= 0o1000;
      }
      // Without `who`, the bits the umask masks are left alone (and s/t are not masked).
      const affected = scope ?? 0o7777 & ~umask;
      const applied = bits & affected;
      if (op === '+') result |= applied;
      else if (op === '-') result &= ~applied;
      else result = (result & ~(scope ?? 0o7777)) | applied;
    }
  }
  return result;
}

/**
 * The absolute mode a chmod leaves on a file Docker copied (0644 or 0755) and on a folder (0755), or null when that
 * depends on which it was (`u+x` gives 0744 or 0755).
 */
export function absoluteMode(mode: string): string | null {
  if (/^[0-7]{3,4}$/.test(mode)) return mode.padStart(4, '0');
  const results = new Set([applySymbolicMode(0o644, mode, false), applySymbolicMode(0o755, mode, false), applySymbolicMode(0o755, mode, true)]);
  if (results.size !== 1) return null;
  const [only] = [...results];
  return only === null || only === undefined ? null : only.toString(8).padStart(4, '0');
}

/** Whether a later removal takes `target` away (the path itself or a folder above it), as layer-script.ts decides. */
function removedAfter(changes: PathChange[], target: string, line: number): boolean {
  return changes.some((c) => c.change.kind === 'remove' && c.line > line && (c.path === target || target.startsWith(`${c.path === '/' ? '' : c.path}/`)));
}

/** The folders above an image path, outermost first (not `/`). */
function ancestors(absolute: string): string[] {
  const parts = absolute.split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}

/** uid → name and gid → name from the image's passwd and group lines. */
function names(plan: MigrationPlan): { user: Map<number, string>; group: Map<number, string> } {
  const user = new Map<number, string>([[0, 'root']]);
  const group = new Map<number, string>([[0, 'root']]);
  for (const line of plan.image.users?.passwd ?? []) {
    const [name, , uid] = line.split(':');
    if (name && uid && /^\d+$/.test(uid) && !user.has(Number(uid))) user.set(Number(uid), name);
  }
  for (const line of plan.image.users?.group ?? []) {
    const [name, , gid] = line.split(':');
    if (name && gid && /^\d+$/.test(gid) && !group.has(Number(gid))) group.set(Number(gid), name);
  }
  return { user, group };
}

export function permsEntries(plan: MigrationPlan): PermsResult {
  const { image } = plan;
  const unresolved: PermsResult['unresolved'] = [];
  const modes: PermEntry[] = [];
  const owners: PermEntry[] = [];
  const known = names(plan);
  const ownerOf = (text: string): PermEntry['owner'] => {
    const [uid, gid] = text.split(':').map(Number) as [number, number];
    return { uid, gid, uname: known.user.get(uid), gname: known.group.get(gid) };
  };

  // The folders the Dockerfile makes (mkdir -p: 0755 under the builder's umask), with their own modes after.
  const made = new Set<string>();
  const placedFolders = image.files.filter((f) => f.source.kind !== 'text' && f.source.directory).map((f) => f.dest);
  for (const folder of [...image.directories.map((d) => d.path), ...placedFolders, ...image.files.flatMap((f) => ancestors(f.dest))]) {
    for (const dir of [...ancestors(folder), folder]) if (dir !== '/') made.add(dir);
  }
  const ownModes = new Set(image.directories.filter((d) => d.mode).map((d) => d.path));
  for (const dir of [...made].sort()) if (!ownModes.has(dir)) modes.push({ path: dir, subtree: false, mode: '0755', line: 0 });
  for (const dir of image.directories) {
    if (!dir.mode) continue;
    const mode = absoluteMode(dir.mode);
    if (mode) modes.push({ path: dir.path, subtree: false, mode, line: 0 });
    else unresolved.push({ line: 0, path: dir.path, mode: dir.mode });
  }
  if (image.files.length || image.pathChanges.length) {
    const steps: Array<{ line: number; entry: PermEntry | null; unresolved?: PermsResult['unresolved'][number] }> = [];
    for (const file of image.files) {
      if (!file.mode) continue;
      const mode = absoluteMode(file.mode);
      steps.push(
        mode
          ? { line: file.line, entry: { path: file.dest, subtree: true, mode, line: file.line } }
          : { line: file.line, entry: null, unresolved: { line: file.line, path: file.dest, mode: file.mode } },
      );
    }
    for (const change of image.pathChanges) {
      if (change.change.kind !== 'mode') continue;
      const mode = absoluteMode(change.change.mode);
      steps.push(
        mode
          ? { line: change.line, entry: { path: change.path, subtree: change.recursive, mode, line: change.line } }
          : { line: change.line, entry: null, unresolved: { line: change.line, path: change.path, mode: change.change.mode } },
      );
    }
    steps.sort((a, b) => a.line - b.line);
    for (const step of steps) {
      if (step.entry) modes.push(step.entry);
      if (step.unresolved) unresolved.push(step.unresolved);
    }
  }

  // Owners, as fakeRootCommands sets them: folders' own owners first, then placements and RUN chown in line order.
  for (const dir of image.directories) if (dir.owner) owners.push({ path: dir.path, subtree: false, owner: ownerOf(dir.owner), line: 0 });
  const ownerSteps: PermEntry[] = [];
  for (const file of image.files) {
    if (file.owner && !removedAfter(image.pathChanges, file.dest, file.line))
      ownerSteps.push({ path: file.dest, subtree: true, owner: ownerOf(file.owner), line: file.line });
  }
  for (const change of image.pathChanges) {
    if (change.change.kind !== 'owner' || removedAfter(image.pathChanges, change.path, change.line)) continue;
    ownerSteps.push({ path: change.path, subtree: change.recursive, owner: ownerOf(change.change.owner), line: change.line });
  }
  ownerSteps.sort((a, b) => a.line - b.line);
  owners.push(...ownerSteps);
  return { entries: [...modes, ...owners], unresolved };
}
