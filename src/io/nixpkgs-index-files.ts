/** The nixpkgs index (rules/nixpkgs-index) and nixpkgs facts folders, read from disk. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NixpkgsIndex, type Fact, type IndexMeta } from '../rules/nixpkgs-index.js';

const cache = new Map<string, NixpkgsIndex | null>();

/** The index in `dir`, or null when the folder has none. Read once per folder. */
export function loadNixpkgsIndex(dir: string): NixpkgsIndex | null {
  if (cache.has(dir)) return cache.get(dir)!;
  let index: NixpkgsIndex | null = null;
  try {
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as IndexMeta;
    index = new NixpkgsIndex((name) => readFileSync(path.join(dir, name), 'utf8'), meta);
  } catch {
    index = null;
  }
  cache.set(dir, index);
  return index;
}

/** The facts in a folder (top-level.json, python3XXPackages.json) and the revision its README names. */
export function readFactsDir(dir: string): { topLevel: Record<string, Fact>; python: Record<string, Record<string, Fact>>; revision: string } {
  const topLevel = JSON.parse(readFileSync(path.join(dir, 'top-level.json'), 'utf8')) as Record<string, Fact>;
  const python: Record<string, Record<string, Fact>> = {};
  for (const file of readdirSync(dir)) {
    const set = /^(python3\d+)Packages\.json$/.exec(file);
    if (set) python[set[1]!] = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, Fact>;
  }
  let revision = 'unknown';
  for (const readme of [path.join(dir, 'README.md'), path.join(dir, '..', 'README.md')]) {
    try {
      const commit = /\b([0-9a-f]{40})\b/.exec(readFileSync(readme, 'utf8'));
      if (commit) {
        revision = commit[1]!;
        break;
      }
    } catch {
      // no README here
    }
  }
  return { topLevel, python, revision };
}
