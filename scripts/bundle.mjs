#!/usr/bin/env node
// The command line as the user runs it: dist/ (tsc's output) bundled by esbuild into dist/bundle/, one file per
// entry point and shared chunks. Node.js loads a few files instead of ~50 ES modules (each resolved, read,
// compiled and linked on its own): ~20-40 ms less start-up here (docs/benchmarks.md). Commands stay lazy: each
// `await import()` of a command becomes a chunk of its own, loaded when that command runs. Dependencies stay in
// node_modules. dist/bundle/meta.json says which modules each chunk holds (tests read it to see what a command loads).
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
rmSync(path.join(root, 'dist/bundle'), { recursive: true, force: true }); // chunk names change with their content
const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli/main.js', 'dist/cli/commands/convert-worker.js'],
  outdir: 'dist/bundle',
  entryNames: '[name]', // flat: the worker is found beside the code that starts it (convert-pool.ts)
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(path.join(root, 'dist/bundle/meta.json'), `${JSON.stringify(result.metafile, null, 1)}\n`);
