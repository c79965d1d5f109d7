import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LayerEntry } from '../../src/image/types.js';
import { mergeLayers } from '../../src/image/wasted.js';
import { whiteoutTarget } from '../../src/image/paths.js';

function file(path: string, size: number): LayerEntry {
  const entry: LayerEntry = { path, type: 'file', size, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: 0 };
  const whiteout = whiteoutTarget(path);
  if (whiteout) entry.whiteout = whiteout.kind;
  return entry;
}
function dir(path: string): LayerEntry {
  return { path, type: 'directory', size: 0, mode: 0o755, uid: 0, gid: 0, uname: '', gname: '', mtime: 0 };
}
function symlink(path: string, target: string): LayerEntry {
  return { path, type: 'symlink', size: 0, mode: 0o777, uid: 0, gid: 0, uname: '', gname: '', mtime: 0, linkname: target };
}

describe('mergeLayers', () => {
  it('counts a file replaced by a later layer as wasted, once', () => {
    const view = mergeLayers([[dir('etc'), file('etc/a', 10)], [file('etc/a', 15)], [file('etc/a', 20)]]);
    expect(view.wastedBytes).toBe(25);
    expect(view.wasted.map((w) => [w.layer, w.hiddenBy, w.reason])).toEqual([
      [0, 1, 'replaced'],
      [1, 2, 'replaced'],
    ]);
    expect(view.visible).toEqual([{ path: 'etc/a', bytes: 20, layer: 2 }]);
  });

  it('removes a file with a whiteout in a later layer, but not one the same layer adds', () => {
    const view = mergeLayers([
      [file('data/old', 7), file('data/keep', 3)],
      [file('data/.wh.old', 0), file('data/new', 5)],
    ]);
    expect(view.wastedBytes).toBe(7);
    expect(view.wasted[0]).toMatchObject({ path: 'data/old', reason: 'whiteout', layer: 0, hiddenBy: 1 });
    expect(view.visible.map((v) => v.path).sort()).toEqual(['data/keep', 'data/new']);
    // The whiteout marker itself is not a visible file.
    expect(view.visibleBytes).toBe(8);
  });

  it('a whiteout of a directory removes everything under it', () => {
    const view = mergeLayers([[file('opt/app/bin/x', 100), file('opt/app/lib/y', 50)], [file('opt/.wh.app', 0)]]);
    expect(view.wastedBytes).toBe(150);
    expect(view.visible).toEqual([]);
  });

  it('an opaque directory hides the lower layers’ content, wherever its marker comes in the tar', () => {
    const view = mergeLayers([
      [file('var/cache/a', 4), file('var/cache/sub/b', 6), file('var/other', 1)],
      [file('var/cache/c', 2), file('var/cache/.wh..wh..opq', 0)],
    ]);
    expect(view.wastedBytes).toBe(10);
    expect(view.wasted.every((w) => w.reason === 'opaque')).toBe(true);
    expect(view.visible.map((v) => v.path).sort()).toEqual(['var/cache/c', 'var/other']);
  });

  it('a directory replaced by a file wastes everything under the directory', () => {
    const view = mergeLayers([[dir('srv'), file('srv/a', 8), file('srv/deep/b', 9)], [file('srv', 1)]]);
    expect(view.wastedBytes).toBe(17);
    expect(view.wasted.map((w) => w.reason)).toEqual(['parent-replaced', 'parent-replaced']);
    expect(view.visible).toEqual([{ path: 'srv', bytes: 1, layer: 1 }]);
  });

  it('a file replaced by a directory (explicit or implied by a child) is wasted', () => {
    const explicit = mergeLayers([[file('x', 5)], [dir('x'), file('x/y', 1)]]);
    expect(explicit.wastedBytes).toBe(5);
    const implied = mergeLayers([[file('x', 5)], [file('x/y', 1)]]);
    expect(implied.wastedBytes).toBe(5);
    expect(implied.visible).toEqual([{ path: 'x/y', bytes: 1, layer: 1 }]);
  });

  it('a duplicate entry in the same layer wastes the first copy', () => {
    const view = mergeLayers([[file('a', 3), file('a', 4)]]);
    expect(view.wasted).toEqual([{ path: 'a', bytes: 3, layer: 0, hiddenBy: 0, reason: 'duplicate' }]);
  });

  it('follows a symlinked parent directory, as a runtime applying the layer does', () => {
    const view = mergeLayers([[dir('usr'), dir('usr/lib'), file('usr/lib/libc.so', 30), symlink('lib', 'usr/lib')], [file('lib/libc.so', 40)]]);
    expect(view.wastedBytes).toBe(30);
    expect(view.visible).toEqual([{ path: 'usr/lib/libc.so', bytes: 40, layer: 1 }]);
    const whiteout = mergeLayers([[dir('usr/lib'), file('usr/lib/z', 2), symlink('lib', '/usr/lib')], [file('lib/.wh.z', 0)]]);
    expect(whiteout.wastedBytes).toBe(2);
  });

  it('survives symlink loops', () => {
    const view = mergeLayers([[symlink('a', 'b'), symlink('b', 'a')], [file('a/x', 1)]]);
    expect(view.visibleBytes).toBe(1);
  });

  it('sums directory sizes including subdirectories', () => {
    const view = mergeLayers([[file('usr/bin/a', 10), file('usr/lib/b', 20), file('etc/c', 1)]]);
    const usr = view.directories.find((d) => d.path === 'usr');
    expect(usr).toEqual({ path: 'usr', bytes: 30, files: 2 });
  });
});

/**
 * A second, deliberately different model of the merged filesystem: a flat map of paths, with prefix
 * deletes. No symlinks in the generated input, so the two must agree exactly.
 */
function flatModel(layers: LayerEntry[][]): { visible: Map<string, number>; wasted: number } {
  const map = new Map<string, { type: string; size: number; layer: number }>();
  let wasted = 0;
  const removeTree = (path: string): void => {
    for (const [key, value] of [...map]) {
      if (key === path || key.startsWith(`${path}/`)) {
        if (value.type === 'file') wasted += value.size;
        map.delete(key);
      }
    }
  };
  const removeChildren = (path: string): void => {
    for (const [key, value] of [...map]) {
      if (path === '' || key.startsWith(`${path}/`)) {
        if (value.type === 'file') wasted += value.size;
        map.delete(key);
      }
    }
  };
  layers.forEach((entries, layer) => {
    for (const entry of entries) {
      const target = whiteoutTarget(entry.path);
      if (!target) continue;
      if (target.kind === 'opaque') removeChildren(target.target);
      else removeTree(target.target);
    }
    for (const entry of entries) {
      if (whiteoutTarget(entry.path)) continue;
      const parts = entry.path.split('/');
      for (let i = 1; i < parts.length; i++) {
        const ancestor = parts.slice(0, i).join('/');
        const existing = map.get(ancestor);
        if (existing && existing.type !== 'directory') removeTree(ancestor);
        if (!map.has(ancestor)) map.set(ancestor, { type: 'directory', size: 0, layer });
      }
      const existing = map.get(entry.path);
      if (existing && !(existing.type === 'directory' && entry.type === 'directory')) removeTree(entry.path);
      if (!(existing && existing.type === 'directory' && entry.type === 'directory')) map.set(entry.path, { type: entry.type, size: entry.size, layer });
    }
  });
  const visible = new Map<string, number>();
  for (const [key, value] of map) if (value.type === 'file') visible.set(key, value.size);
  return { visible, wasted };
}

const pathArb = fc.constantFrom('a', 'a/b', 'a/b/c', 'a/d', 'e', 'e/f', 'a/.wh.b', 'a/.wh..wh..opq', '.wh.a', 'e/.wh.f', 'a/b/.wh..wh..opq', '.wh.e');
const entryArb = fc
  .record({ path: pathArb, isDir: fc.boolean(), size: fc.integer({ min: 0, max: 1000 }) })
  .map(({ path, isDir, size }) => (whiteoutTarget(path) ? file(path, 0) : isDir ? dir(path) : file(path, size)));
const layersArb = fc.array(fc.array(entryArb, { maxLength: 6 }), { minLength: 1, maxLength: 5 });

describe('mergeLayers against a flat model', () => {
  it('agrees on visible files and wasted bytes, and content = visible + wasted', () => {
    fc.assert(
      fc.property(layersArb, (layers) => {
        const view = mergeLayers(layers);
        const model = flatModel(layers);
        expect(new Map(view.visible.map((v) => [v.path, v.bytes]))).toEqual(model.visible);
        expect(view.wastedBytes).toBe(model.wasted);
        const content = layers
          .flat()
          .filter((e) => e.type === 'file' && !e.whiteout)
          .reduce((sum, e) => sum + e.size, 0);
        expect(view.visibleBytes + view.wastedBytes).toBe(content);
      }),
      { numRuns: 500 },
    );
  });
});
