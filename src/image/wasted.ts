/**
 * The merged filesystem of an image, built in memory from per-entry summaries (no file data), and what it hides.
 *
 * Wasted bytes are the sizes of regular-file entries that are not visible in the final merged filesystem:
 * replaced by a later entry at the same path (or a later entry of the same layer), removed by a whiteout
 * (`.wh.NAME`) or an opaque marker (`.wh..wh..opq`) in a later layer, or under a directory that a later
 * entry replaced with a non-directory. Whiteouts of a layer act on the layers below it only.
 * Symlinks met as parent folders are followed inside the image, as container runtimes do when they apply a layer.
 */
import { whiteoutTarget } from './paths.js';
import type { EntryType, LargestDirectory, LargestFile, LayerEntry, WastedFile, WasteReason } from './types.js';

interface Node {
  type: EntryType;
  size: number;
  layer: number;
  linkname?: string;
  /** The entry that made this node (absent for a folder no entry named, made to hold others). */
  entry?: LayerEntry;
  /** The layer of `entry`, when a later folder entry merged into this one. */
  entryLayer?: number;
  children: Map<string, Node> | null;
}

/** One path of the merged filesystem: the entry that is visible there, and the layer it comes from. */
export interface FlatEntry {
  entry: LayerEntry;
  layer: number;
}

export interface MergedView {
  wasted: WastedFile[];
  wastedBytes: number;
  visible: LargestFile[];
  visibleBytes: number;
  /** Every directory of the merged filesystem with its total size, except those whose only content is one directory. */
  directories: LargestDirectory[];
}

const MAX_LINK_HOPS = 40;

export function mergeLayers(layers: readonly (readonly LayerEntry[])[]): MergedView {
  const fs = new MergedFs();
  layers.forEach((entries, layer) => fs.applyLayer(entries, layer));
  return fs.view();
}

/**
 * The merged filesystem as a map from path to the visible entry (whiteouts and opaque folders applied, later
 * layers over earlier ones): what a container started from the image sees. Paths are where the entry ends up
 * (a parent symlink followed), sorted. Folders that no entry named are left out.
 */
export function flattenLayers(layers: readonly (readonly LayerEntry[])[]): Map<string, FlatEntry> {
  const fs = new MergedFs();
  layers.forEach((entries, layer) => fs.applyLayer(entries, layer));
  return fs.flat();
}

class MergedFs {
  private readonly root: Node = newDir(-1);
  private readonly wasted: WastedFile[] = [];
  /**
   * Directories already walked to by `add`, by the parent path the entry named. Walking creates what is missing,
   * so a path keeps leading to the same directory until something is removed or replaced: then it is cleared.
   */
  private readonly parents = new Map<string, Node>();

  applyLayer(entries: readonly LayerEntry[], layer: number): void {
    // Whiteouts hide what the layers below hold, wherever in the tar they come; apply them first.
    for (const entry of entries) {
      if (entry.whiteout === 'opaque') this.hideChildren(parentPath(entry.path), layer);
      else if (entry.whiteout === 'file') this.remove(whiteoutTargetPath(entry.path), layer);
    }
    for (const entry of entries) {
      if (!entry.whiteout) this.add(entry, layer);
    }
  }

  private remove(path: string, layer: number): void {
    this.parents.clear();
    const parent = this.resolveDir(segments(path).slice(0, -1), layer, false);
    const name = lastSegment(path);
    const node = parent?.children?.get(name);
    if (!parent || !node) return;
    parent.children!.delete(name);
    this.waste(node, path, layer, 'whiteout');
  }

  private hideChildren(dirPath: string, layer: number): void {
    this.parents.clear();
    const dir = this.resolveDir(segments(dirPath), layer, false);
    if (!dir?.children) return;
    for (const [name, child] of dir.children) this.waste(child, join(dirPath, name), layer, 'opaque');
    dir.children.clear();
  }

  private add(entry: LayerEntry, layer: number): void {
    // Entry paths are normalised: no empty, `.` or `..` segments.
    const slash = entry.path.lastIndexOf('/');
    const name = entry.path.slice(slash + 1);
    if (name === '') return;
    const parentPath = slash < 0 ? '' : entry.path.slice(0, slash);
    let parent = this.parents.get(parentPath);
    if (!parent) {
      parent = this.resolveDir(segments(parentPath), layer, true)!;
      this.parents.set(parentPath, parent);
    }
    const children = parent.children!;
    const existing = children.get(name);
    if (existing && existing.type === 'directory' && entry.type === 'directory') {
      // directories merge; the later entry's mode and owner are the ones that apply
      existing.entry = entry;
      existing.entryLayer = layer;
      return;
    }
    if (existing) {
      const reason: WasteReason = existing.layer === layer ? 'duplicate' : existing.type === 'directory' ? 'parent-replaced' : 'replaced';
      this.waste(existing, entry.path, layer, reason);
    }
    const node: Node = entry.type === 'directory' ? newDir(layer) : { type: entry.type, size: entry.type === 'file' ? entry.size : 0, layer, children: null };
    if (entry.linkname !== undefined) node.linkname = entry.linkname;
    node.entry = entry;
    children.set(name, node);
  }

  /**
   * Walk to the directory named by `parts`, following symlinks inside the image. With `create`, missing
   * directories are made and non-directories in the way are replaced (their content wasted); without, null.
   */
  private resolveDir(parts: string[], layer: number, create: boolean): Node | null {
    let current = this.root;
    let hops = 0;
    let pending = parts;
    let next = 0;
    let where: string[] = [];
    while (next < pending.length) {
      const name = pending[next++]!;
      let child = current.children!.get(name);
      if (child?.type === 'symlink' && hops < MAX_LINK_HOPS) {
        hops++;
        const target = child.linkname ?? '';
        const base = target.startsWith('/') ? [] : where;
        pending = [...normaliseSegments([...base, ...segments(target)]), ...pending.slice(next)];
        next = 0;
        current = this.root;
        where = [];
        continue;
      }
      if (!child || child.type !== 'directory') {
        if (!create) return null;
        if (child) this.waste(child, join(where.join('/'), name), layer, 'replaced');
        child = newDir(layer);
        current.children!.set(name, child);
      }
      current = child;
      where.push(name);
    }
    return current;
  }

  private waste(node: Node, path: string, hiddenBy: number, reason: WasteReason): void {
    this.parents.clear();
    // A stack, not recursion: a layer may nest folders thousands deep.
    const pending: Array<{ node: Node; path: string; reason: WasteReason }> = [{ node, path, reason }];
    while (pending.length) {
      const item = pending.pop()!;
      if (item.node.type === 'file') {
        this.wasted.push({ path: item.path, bytes: item.node.size, layer: item.node.layer, hiddenBy, reason: item.reason });
        continue;
      }
      if (!item.node.children) continue;
      const inner: WasteReason = item.reason === 'whiteout' || item.reason === 'opaque' ? item.reason : 'parent-replaced';
      // Pushed in reverse so they are taken in the folder's own order, as a recursive walk would.
      const children = [...item.node.children];
      for (let i = children.length - 1; i >= 0; i--) pending.push({ node: children[i]![1], path: join(item.path, children[i]![0]), reason: inner });
    }
  }

  flat(): Map<string, FlatEntry> {
    const out: Array<[string, FlatEntry]> = [];
    const walk = (node: Node, path: string): void => {
      for (const [name, child] of node.children!) {
        const childPath = join(path, name);
        if (child.entry) out.push([childPath, { entry: child.entry, layer: child.entryLayer ?? child.layer }]);
        if (child.children) walk(child, childPath);
      }
    };
    walk(this.root, '');
    out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    return new Map(out);
  }

  view(): MergedView {
    const visible: LargestFile[] = [];
    const directories: LargestDirectory[] = [];
    interface Frame {
      node: Node;
      path: string;
      entries: IterableIterator<[string, Node]>;
      bytes: number;
      files: number;
    }
    // Depth first with an explicit stack (folders can nest thousands deep); the same order as recursion.
    const walk = (root: Node, rootPath: string): { bytes: number; files: number } => {
      const stack: Frame[] = [{ node: root, path: rootPath, entries: root.children!.entries(), bytes: 0, files: 0 }];
      for (;;) {
        const frame = stack[stack.length - 1]!;
        const next = frame.entries.next();
        if (next.done) {
          stack.pop();
          const parent = stack[stack.length - 1];
          if (!parent) return { bytes: frame.bytes, files: frame.files };
          // A folder whose only content is one folder says nothing its child does not: list the child.
          const onlyChild = frame.node.children!.size === 1 ? [...frame.node.children!.values()][0] : undefined;
          if (onlyChild?.type !== 'directory') directories.push({ path: frame.path, bytes: frame.bytes, files: frame.files });
          parent.bytes += frame.bytes;
          parent.files += frame.files;
          continue;
        }
        const [name, child] = next.value;
        const childPath = join(frame.path, name);
        if (child.type === 'file') {
          visible.push({ path: childPath, bytes: child.size, layer: child.layer });
          frame.bytes += child.size;
          frame.files += 1;
        } else if (child.children) {
          stack.push({ node: child, path: childPath, entries: child.children.entries(), bytes: 0, files: 0 });
        }
      }
    };
    const total = walk(this.root, '');
    return {
      wasted: this.wasted,
      wastedBytes: this.wasted.reduce((sum, file) => sum + file.bytes, 0),
      visible,
      visibleBytes: total.bytes,
      directories,
    };
  }
}

function newDir(layer: number): Node {
  return { type: 'directory', size: 0, layer, children: new Map() };
}

function segments(path: string): string[] {
  const parts = path.split('/');
  // Entry paths are normalised already; link targets may not be.
  return parts.includes('') || parts.includes('.') ? parts.filter((part) => part !== '' && part !== '.') : parts;
}

function normaliseSegments(parts: string[]): string[] {
  const kept: string[] = [];
  for (const part of parts) {
    if (part === '..') kept.pop();
    else if (part !== '.' && part !== '') kept.push(part);
  }
  return kept;
}

function lastSegment(path: string): string {
  return segments(path).at(-1) ?? '';
}

function parentPath(path: string): string {
  return segments(path).slice(0, -1).join('/');
}

function whiteoutTargetPath(path: string): string {
  return whiteoutTarget(path)?.target ?? path;
}

function join(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** The `count` largest items by bytes, largest first (ties by path, for stable output). */
export function largest<T extends { bytes: number; path: string }>(items: readonly T[], count: number): T[] {
  // A short list kept in order as the items go by: most items are smaller than its last and cost one comparison.
  const best: T[] = [];
  if (count <= 0) return best;
  for (const item of items) {
    if (best.length === count && bySize(item, best[count - 1]!) >= 0) continue;
    let at = best.length;
    while (at > 0 && bySize(item, best[at - 1]!) < 0) at--;
    best.splice(at, 0, item);
    if (best.length > count) best.pop();
  }
  return best;
}

function bySize(x: { bytes: number; path: string }, y: { bytes: number; path: string }): number {
  return y.bytes - x.bytes || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
}
