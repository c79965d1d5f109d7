/**
 * Files of the dock2nix package found from wherever the running code sits: src/ under the test runner, dist/ as
 * compiled, or dist/bundle/ as the command line runs it (scripts/bundle.mjs). The package's folder is the nearest
 * one above this module whose package.json is dock2nix's.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  name?: string;
  version: string;
}

let found: { root: string; manifest: Manifest } | null = null;

/** The absolute path of `relative` (slash-separated) inside the dock2nix package. */
export function packagePath(relative: string): string {
  return path.join(packageRoot().root, ...relative.split('/'));
}

/** dock2nix's package.json, read once (finding the package reads it). */
export function packageManifest(): Manifest {
  return packageRoot().manifest;
}

function packageRoot(): { root: string; manifest: Manifest } {
  if (found) return found;
  const from = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    const manifest = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Manifest) : null;
    if (manifest?.name === 'dock2nix') return (found = { root: dir, manifest });
    if (path.dirname(dir) === dir) throw new Error(`dock2nix's package.json not found above ${from}`);
  }
}
