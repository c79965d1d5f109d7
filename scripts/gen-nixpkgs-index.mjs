#!/usr/bin/env node
/**
 * Writes rules/nixpkgs-index/ (the compact index of nixpkgs facts that lookups fall back on) from the facts
 * evaluated from a real nixpkgs (../shared/nixpkgs/facts: top-level.json and python3XXPackages.json). The format
 * is made by src/rules/nixpkgs-index.ts (this script uses the built copy in dist/: run `npm run build` first).
 *
 *   node scripts/gen-nixpkgs-index.mjs [FACTS_DIR] [--check]
 *
 * The nixpkgs revision is read from the facts' README (the commit it names). `--check` changes nothing and
 * exits 1 when the committed index differs from what the facts give.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const factsDir = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(root, '../shared/nixpkgs/facts'));
const dist = path.join(root, 'dist/rules/nixpkgs-index.js');
if (!existsSync(dist)) {
  console.error('gen-nixpkgs-index: dist/rules/nixpkgs-index.js is missing; run `npm run build` first');
  process.exit(1);
}
if (!existsSync(path.join(factsDir, 'top-level.json'))) {
  console.error(`gen-nixpkgs-index: no facts at ${factsDir} (expected top-level.json)`);
  process.exit(1);
}
const { compactIndex, indexFileNames } = await import(pathToFileURL(dist).href);
const { readFactsDir } = await import(pathToFileURL(path.join(root, 'dist/io/nixpkgs-index-files.js')).href);
const { topLevel, python, revision } = readFactsDir(factsDir);
const files = compactIndex(topLevel, python, { revision, source: 'facts evaluated from nixpkgs (../shared/nixpkgs/facts), by scripts/gen-nixpkgs-index.mjs' });
const out = path.join(root, 'rules/nixpkgs-index');
const stale = indexFileNames.filter((name) => !existsSync(path.join(out, name)) || readFileSync(path.join(out, name), 'utf8') !== files[name]);
if (check) {
  if (stale.length) {
    console.error(`rules/nixpkgs-index is stale (${stale.join(', ')}): run \`npm run build && node scripts/gen-nixpkgs-index.mjs\``);
    process.exit(1);
  }
  console.log('rules/nixpkgs-index is up to date');
} else {
  mkdirSync(out, { recursive: true });
  for (const name of stale) writeFileSync(path.join(out, name), files[name]);
  console.log(stale.length ? `wrote ${stale.map((n) => `rules/nixpkgs-index/${n}`).join(', ')}` : 'rules/nixpkgs-index is already up to date');
}
