/** Path handling for names found inside tars: lexical only, nothing here touches the disk. */

export interface NormalisedPath {
  /** No leading `/` or `./`, no `.` or empty segments, `..` resolved; '' for the root. */
  path: string;
  /** The name was absolute (`/etc/passwd`). */
  absolute: boolean;
  /** A `..` tried to climb above the root; it was dropped. */
  escapes: boolean;
}

/** A leading or doubled `/`, a `.` or `..` segment: what makes a name (its trailing `/` taken off) not normal already. */
const NOT_NORMAL = /^\/|\/\/|(?:^|\/)\.\.?(?:\/|$)/;

export function normaliseEntryPath(name: string): NormalisedPath {
  // Most names are normal but for a directory's trailing `/`: take the short way.
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  if (trimmed !== '' && !trimmed.endsWith('/') && !NOT_NORMAL.test(trimmed)) return { path: trimmed, absolute: false, escapes: false };
  const absolute = name.startsWith('/');
  const kept: string[] = [];
  let escapes = false;
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (kept.length === 0) escapes = true;
      else kept.pop();
      continue;
    }
    kept.push(segment);
  }
  return { path: kept.join('/'), absolute, escapes };
}

/** Resolve a symlink target found in an archive, relative to the link's own folder. */
export function resolveLinkTarget(linkPath: string, target: string): string {
  if (target.startsWith('/')) return normaliseEntryPath(target).path;
  const parent = parentOf(linkPath);
  return normaliseEntryPath(parent ? `${parent}/${target}` : target).path;
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

/** What a whiteout entry removes: `{ kind: 'file', target }` for `.wh.NAME`, `{ kind: 'opaque', target: dir }` for the opaque marker. */
export function whiteoutTarget(path: string): { kind: 'file' | 'opaque'; target: string } | null {
  const base = baseName(path);
  if (!base.startsWith(WHITEOUT_PREFIX)) return null;
  const parent = parentOf(path);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', target: parent };
  // Other `.wh..wh.` names are aufs bookkeeping (hard-link directories), not deletions.
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return null;
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '') return null;
  return { kind: 'file', target: parent ? `${parent}/${name}` : name };
}

/** A digest usable as a file name under blobs/: algorithm and lower-case hex only, so it can never climb out. */
export function blobPathForDigest(digest: string): string | null {
  const match = /^(sha256|sha384|sha512):([a-f0-9]{64,128})$/.exec(digest);
  if (!match) return null;
  return `blobs/${match[1]}/${match[2]}`;
}
