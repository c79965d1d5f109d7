/**
 * What the syntax-tree cache holds (src/shell/tree-cache.ts), read from its files directly: every shell-* folder's
 * packs, oldest first, so that a later entry for a script replaces an earlier one as a run reads them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const PACK_NAME = /^trees-[0-9a-z]+-[0-9]+-[0-9a-f]+\.jsonl$/;

/** The folders of a cache root that hold trees (named `shell-<16 hex digits>` by src/shell/parse.ts). */
export function treeFolders(cache: string): string[] {
  return existsSync(cache) ? readdirSync(cache).filter((name) => /^shell-[0-9a-f]{16}$/.test(name)).map((name) => path.join(cache, name)) : [];
}

/** Each file of the tree folders, by path. */
export function treeFiles(cache: string): string[] {
  return treeFolders(cache).flatMap((folder) => readdirSync(folder).map((name) => path.join(folder, name)));
}

/** Entry text by the sha256 of its script, as a run reads the packs. */
export function cachedTrees(cache: string): Map<string, string> {
  const trees = new Map<string, string>();
  for (const file of treeFiles(cache).filter((f) => PACK_NAME.test(path.basename(f))).sort()) {
    for (const line of readFileSync(file, 'utf8').split('\n')) if (line) trees.set(line.slice(0, 64), line.slice(65));
  }
  return trees;
}
