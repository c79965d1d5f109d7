/**
 * One image as the equivalence checks see it: its config, its merged filesystem (after whiteouts, every layer
 * applied), and the text of the few files the audit reads (/etc/passwd, package databases). Paths are relative to
 * the image root, as in the layer tars; symlinks are followed inside the image, never on this machine.
 */
import type { LoadedImage } from '../image/inspect.js';
import { normaliseEntryPath, resolveLinkTarget } from '../image/paths.js';
import type { LayerEntry } from '../image/types.js';
import { flattenLayers, type FlatEntry } from '../image/wasted.js';

export interface ImageView {
  config: Record<string, unknown>;
  /** The merged filesystem, sorted by path. */
  flat: Map<string, FlatEntry>;
  /** The text of a captured file (see CAPTURE), by its path; undefined when it is not there or was not read. */
  text(path: string): string | undefined;
}

/** Files whose data the audit reads: users and groups, and the package databases. */
export function captureForAudit(path: string): boolean {
  return (
    path === 'etc/passwd' ||
    path === 'etc/group' ||
    path === 'var/lib/dpkg/status' ||
    path.startsWith('var/lib/dpkg/status.d/') ||
    path === 'lib/apk/db/installed' ||
    /\.dist-info\/METADATA$/.test(path) ||
    /(^|\/)node_modules\/(@[^/]+\/)?[^/]+\/package\.json$/.test(path)
  );
}

export function imageView(image: LoadedImage): ImageView {
  const flat = flattenLayers(image.scans.map((scan) => scan.entries));
  const text = (path: string): string | undefined => {
    let current = path;
    for (let hops = 0; hops < 8; hops++) {
      const found = flat.get(current);
      if (!found) return undefined;
      if (found.entry.type === 'hardlink') {
        current = normaliseEntryPath(found.entry.linkname ?? '').path;
        continue;
      }
      if (found.entry.type === 'symlink') {
        current = resolveLinkTarget(current, found.entry.linkname ?? '');
        continue;
      }
      return image.scans[found.layer]?.captured?.[found.entry.path] ?? image.scans[found.layer]?.captured?.[current];
    }
    return undefined;
  };
  return { config: image.config, flat, text };
}

/** A view from plain entries (tests, and images whose layers are at hand). */
export function viewOf(config: Record<string, unknown>, layers: LayerEntry[][], files: Record<string, string> = {}): ImageView {
  const flat = flattenLayers(layers);
  return { config, flat, text: (path) => files[path] };
}

const MAX_HOPS = 40;

/**
 * Where `path` leads in the image: every symlink on the way (the last component included, unless `followLast` is
 * false) replaced by its target. Returns the real path and the entry there (undefined when nothing is there).
 */
export function resolveInImage(
  flat: Map<string, FlatEntry>,
  path: string,
  followLast = true,
): { path: string; found: FlatEntry | undefined; viaStore: boolean } {
  let parts = path.split('/').filter((part) => part !== '');
  let done: string[] = [];
  let viaStore = false;
  let hops = 0;
  for (let index = 0; index < parts.length; index++) {
    const here = [...done, parts[index]!].join('/');
    const found = flat.get(here);
    const last = index === parts.length - 1;
    if (found?.entry.type === 'symlink' && (followLast || !last) && hops < MAX_HOPS) {
      hops++;
      const target = resolveLinkTarget(here, found.entry.linkname ?? '');
      if (target.startsWith('nix/store/')) viaStore = true;
      parts = [...target.split('/').filter((part) => part !== ''), ...parts.slice(index + 1)];
      done = [];
      index = -1;
      continue;
    }
    done.push(parts[index]!);
  }
  const real = done.join('/');
  return { path: real, found: flat.get(real), viaStore };
}

/**
 * Every path at or under `root` as a container sees it: a symlinked folder (into /nix/store, say) is listed
 * through its link, under the name it has at `root`. Returns path (as seen) → entry (where it really is).
 */
export function listTree(flat: Map<string, FlatEntry>, root: string, depth = 0): Map<string, { entry: FlatEntry; real: string; viaStore: boolean }> {
  const out = new Map<string, { entry: FlatEntry; real: string; viaStore: boolean }>();
  const start = resolveInImage(flat, root);
  if (!start.found && root !== '') return out;
  if (root !== '') out.set(root, { entry: start.found!, real: start.path, viaStore: start.viaStore });
  if (start.found && start.found.entry.type !== 'directory') return out;
  const prefix = start.path === '' ? '' : `${start.path}/`;
  for (const [path, entry] of flat) {
    if (!path.startsWith(prefix) || path === start.path) continue;
    const seen = (root === '' ? '' : `${root}/`) + path.slice(prefix.length);
    if (entry.entry.type === 'symlink' && depth < 4) {
      const target = resolveInImage(flat, path);
      // Not a link to one of its own parents (a loop), and not one whose target this listing walks anyway.
      const inside = prefix !== '' && target.path.startsWith(prefix);
      if (target.found?.entry.type === 'directory' && target.path !== '' && !`${path}/`.startsWith(`${target.path}/`) && !inside) {
        // A folder linked from elsewhere (a store path): list what it holds under the name it has here.
        for (const [inner, value] of listTree(flat, path, depth + 1))
          out.set(seen + inner.slice(path.length), { ...value, viaStore: value.viaStore || start.viaStore });
        continue;
      }
    }
    out.set(seen, { entry, real: path, viaStore: start.viaStore });
  }
  return out;
}
