/**
 * Files of the dock2nix package found from wherever the running code sits: src/ under the test runner, dist/ as
 * compiled, or dist/bundle/ as the command line runs it (scripts/bundle.mjs). The package's folder is the nearest
 * one above this module whose package.json is dock2nix's.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The absolute path of `relative` (slash-separated) inside the dock2nix package. */
export function packagePath(relative: string): string {
  root ??= findRoot(path.dirname(fileURLToPath(import.meta.url)));
  return path.join(root, ...relative.split('/'));
}

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'dock2nix') return dir;
    if (path.dirname(dir) === dir) throw new Error(`dock2nix's package.json not found above ${from}`);
  }
}
