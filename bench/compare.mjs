#!/usr/bin/env node
// Compare two builds of dock2nix on the corpus, in turns with the baseline, so a busy machine weighs on all alike:
//   node bench/compare.mjs /path/to/other/checkout [rounds]
// (the other checkout built: `npm ci && npm run build`, or a `git worktree` with node_modules linked and `npm run
// build`; before the bundle (session 5), `npx tsc -p tsconfig.build.json && node dist/rules/stamp.js`). Prints
// the median wall time of a first run (no syntax tree cached) and a cached run of `dock2nix convert
// '*/Dockerfile'` for each build, and of the baseline (node
// parsing the same files with dockerfile-ast).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const other = process.argv[2] && path.resolve(process.argv[2]);
const rounds = Number(process.argv[3] ?? 11);
const corpus = path.resolve(here, '../shared/corpus/dockerfiles');
if (!other || !existsSync(path.join(other, 'bin/dock2nix.js'))) {
  console.error('usage: node bench/compare.mjs <other dock2nix checkout, built> [rounds]');
  process.exit(2);
}
if (!existsSync(corpus)) {
  console.log(`corpus not found at ${corpus}: nothing to compare`);
  process.exit(0);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-compare-'));
const tree = path.join(work, 'corpus');
const names = readdirSync(corpus).filter((f) => f !== 'INDEX.tsv');
for (const name of names) {
  mkdirSync(path.join(tree, name), { recursive: true });
  copyFileSync(path.join(corpus, name), path.join(tree, name, 'Dockerfile'));
}
const builds = { other: path.join(other, 'bin/dock2nix.js'), this: path.join(here, 'bin/dock2nix.js') };
const env = { ...process.env };
delete env.DOCK2NIX_CACHE;

/** Wall-clock milliseconds of one child process (what the targets of issue #6 speak of). */
function measure(args, extraEnv = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: tree, stdio: 'ignore', env: { ...env, ...extraEnv } });
  if (result.status !== 0 && result.status !== 1) throw new Error(`${args.join(' ')} failed (${result.status})`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const clearOutputs = () => {
  for (const name of names) rmSync(path.join(tree, name, 'nix'), { recursive: true, force: true });
};
const warmCache = Object.fromEntries(Object.keys(builds).map((key) => [key, path.join(work, `cache-${key}`)]));
for (const [key, bin] of Object.entries(builds)) {
  clearOutputs();
  measure([bin, 'convert', '*/Dockerfile', '--json'], { DOCK2NIX_CACHE_DIR: warmCache[key] });
}
const parse = `const { DockerfileParser } = require(${JSON.stringify(path.join(here, 'node_modules/dockerfile-ast'))}); const fs = require('node:fs'); for (const f of fs.readdirSync('.')) DockerfileParser.parse(fs.readFileSync(f + '/Dockerfile', 'utf8')).getInstructions();`;
const samples = {};
const add = (key, value) => (samples[key] ??= []).push(value);
for (let round = 0; round < rounds; round++) {
  add('baseline', measure(['-e', parse]));
  for (const [key, bin] of Object.entries(builds)) {
    clearOutputs();
    add(`${key} first`, measure([bin, 'convert', '*/Dockerfile', '--json'], { DOCK2NIX_CACHE_DIR: mkdtempSync(path.join(work, 'empty-')) }));
    clearOutputs();
    add(`${key} cached`, measure([bin, 'convert', '*/Dockerfile', '--json'], { DOCK2NIX_CACHE_DIR: warmCache[key] }));
  }
}
rmSync(work, { recursive: true, force: true });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const baseline = median(samples.baseline);
console.log(`${names.length} corpus Dockerfiles, ${rounds} rounds in turns; medians (this = ${here}, other = ${other})`);
for (const [key, values] of Object.entries(samples)) {
  const m = median(values);
  console.log(`  ${key.padEnd(14)} ${m.toFixed(0).padStart(5)} ms  ${(m / baseline).toFixed(2)}x the baseline`);
}
