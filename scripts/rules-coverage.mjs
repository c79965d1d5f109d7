#!/usr/bin/env node
/**
 * Prints how many package names in the Dockerfile corpus resolve with confidence exact or high, per package
 * manager (apk, apt, pip) and overall, then every name below that and every install command whose names are
 * only known at build time. Uses dist/ (run `npm run build` first).
 *
 *   node scripts/rules-coverage.mjs [DIR] [--json]     DIR defaults to ../shared/corpus/dockerfiles
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const dir = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(root, '../shared/corpus/dockerfiles'));
const dist = path.join(root, 'dist/rules');
if (!existsSync(path.join(dist, 'coverage.js'))) {
  console.error('rules-coverage: dist/rules/coverage.js is missing; run `npm run build` first');
  process.exit(1);
}
if (!existsSync(dir) || !statSync(dir).isDirectory()) {
  console.error(`rules-coverage: no Dockerfile corpus at ${dir}`);
  process.exit(1);
}
const { measureCoverage, renderCoverage } = await import(pathToFileURL(path.join(dist, 'coverage.js')).href);
const { loadRules } = await import(pathToFileURL(path.join(dist, 'load.js')).href);

const inputs = readdirSync(dir)
  .filter((name) => name !== 'INDEX.tsv' && statSync(path.join(dir, name)).isFile())
  .sort()
  .map((name) => ({ name, text: readFileSync(path.join(dir, name), 'utf8') }));
const report = measureCoverage(inputs, loadRules());
process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderCoverage(report));
