#!/usr/bin/env node
/**
 * Prints how many package names in the corpus resolve with confidence exact or high, per package manager (apk,
 * apt, pip) and overall, then every name below that and every install command whose names are only known at
 * build time. The corpus is the Dockerfiles of ../shared/corpus/dockerfiles (with an empty build context) and
 * the real projects of ../shared/corpus/projects (each with its own build context, so requirements files and
 * lock files are read). Uses dist/ (run `npm run build` first).
 *
 *   node scripts/rules-coverage.mjs [CORPUS] [--json]     CORPUS defaults to ../shared/corpus
 *                                                          (a folder of Dockerfiles is taken as it is)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const dir = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(root, '../shared/corpus'));
const dist = path.join(root, 'dist');
if (!existsSync(path.join(dist, 'check/coverage.js'))) {
  console.error('rules-coverage: dist/check/coverage.js is missing; run `npm run build` first');
  process.exit(1);
}
if (!existsSync(dir) || !statSync(dir).isDirectory()) {
  console.error(`rules-coverage: no corpus at ${dir}`);
  process.exit(1);
}
const { measureCoverage, renderCoverage } = await import(pathToFileURL(path.join(dist, 'check/coverage.js')).href);
const { loadRules } = await import(pathToFileURL(path.join(dist, 'io/rules-files.js')).href);
const { fsContext } = await import(pathToFileURL(path.join(dist, 'io/fs-context.js')).href);

const files = (folder) =>
  readdirSync(folder)
    .filter((name) => name !== 'INDEX.tsv' && statSync(path.join(folder, name)).isFile())
    .sort()
    .map((name) => ({ name, text: readFileSync(path.join(folder, name), 'utf8') }));
const inputs = [];
const dockerfiles = path.join(dir, 'dockerfiles');
const projects = path.join(dir, 'projects');
if (existsSync(dockerfiles) || existsSync(projects)) {
  if (existsSync(dockerfiles)) inputs.push(...files(dockerfiles));
  if (existsSync(projects)) {
    for (const name of readdirSync(projects).sort()) {
      const project = path.join(projects, name);
      if (!existsSync(path.join(project, 'Dockerfile'))) continue;
      inputs.push({ name: `projects/${name}/Dockerfile`, text: readFileSync(path.join(project, 'Dockerfile'), 'utf8'), context: fsContext(project) });
    }
  }
} else {
  inputs.push(...files(dir));
}
const { loadShellReader } = await import(pathToFileURL(path.join(dist, 'io/shell-reader.js')).href);
const report = measureCoverage(inputs, loadRules(), await loadShellReader());
process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : renderCoverage(report));
