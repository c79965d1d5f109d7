#!/usr/bin/env node
// npm run bench: speed as ratios measured in this one run, so a noisy machine affects both sides alike.
//  1. converting each corpus Dockerfile (in process) against parsing it with dockerfile-ast alone;
//  2. the whole dock2nix convert command on one file against `node` parsing that file with dockerfile-ast.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { convertDockerfile } from '../dist/convert/convert.js';
import { memoryContext } from '../dist/convert/context.js';
import { loadRules } from '../dist/io/rules-files.js';
import { loadShellReader } from '../dist/io/shell-reader.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = path.resolve(root, '../shared/corpus/dockerfiles');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Run the measurements in turns (a, b, c, a, b, c, ...), so a busy moment of the machine falls on all of them; medians. */
function interleaved(measures, rounds) {
  const samples = measures.map(() => []);
  for (let i = 0; i < rounds; i++) measures.forEach((measure, at) => samples[at].push(measure()));
  return samples.map(median);
}

function time(fn, rounds) {
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

const lines = [];
if (existsSync(corpus)) {
  const files = readdirSync(corpus)
    .filter((f) => f !== 'INDEX.tsv')
    .map((f) => readFileSync(path.join(corpus, f), 'utf8'));
  const rules = loadRules();
  const shell = await loadShellReader(); // the command line's reader (src/io/shell-reader.ts)
  const convertAll = () => {
    for (const text of files) {
      try {
        convertDockerfile(text, memoryContext({}), rules, {
          shell,
          dockerfilePath: 'Dockerfile',
          imageName: 'bench',
          contextFromOutput: '..',
          outputInContext: 'nix',
        });
      } catch {
        // Rejected Dockerfiles count too: they are part of the work.
      }
    }
  };
  const parseAll = () => {
    for (const text of files) DockerfileParser.parse(text).getInstructions();
  };
  convertAll();
  parseAll();
  const parse = time(parseAll, 15);
  const convert = time(convertAll, 15);
  lines.push(`corpus: ${files.length} Dockerfiles`);
  lines.push(`  parse only (dockerfile-ast): ${(parse / files.length).toFixed(2)} ms per file`);
  lines.push(`  dock2nix convert (in process): ${(convert / files.length).toFixed(2)} ms per file`);
  lines.push(`  ratio convert/parse: ${(convert / parse).toFixed(1)}x`);
} else {
  lines.push(`corpus not found at ${corpus}: skipping the corpus benchmark`);
}

const out = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-bench-'));
const cli = path.join(root, 'bin/dock2nix.js');

/** Milliseconds of one run of a command. */
function run(command, args, options) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: 'ignore', ...options });
  if (result.status !== 0 && result.status !== 1) throw new Error(`${args.join(' ')} failed (${result.status})`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// dock2nix keeps nothing between runs (no cache: src/io/shell-reader.ts), so every run below is a first run, and
// the same as every later one.

// 3. The whole corpus in one `dock2nix convert` run against one node process parsing it all.
if (existsSync(corpus)) {
  const tree = path.join(out, 'corpus');
  const names = readdirSync(corpus).filter((f) => f !== 'INDEX.tsv');
  for (const name of names) {
    mkdirSync(path.join(tree, name), { recursive: true });
    copyFileSync(path.join(corpus, name), path.join(tree, name, 'Dockerfile'));
  }
  const convertBatch =
    (jobs = []) =>
    () => {
      // Every round writes a fresh output tree, as a first conversion of a repository does.
      for (const name of names) rmSync(path.join(tree, name, 'nix'), { recursive: true, force: true });
      return run(process.execPath, [cli, 'convert', '*/Dockerfile', '--json', ...jobs], { cwd: tree });
    };
  const parseEach = `const { DockerfileParser } = require('dockerfile-ast'); const fs = require('node:fs'); for (const f of fs.readdirSync(${JSON.stringify(tree)})) DockerfileParser.parse(fs.readFileSync(${JSON.stringify(tree)} + '/' + f + '/Dockerfile', 'utf8')).getInstructions();`;
  convertBatch()(); // the operating system's file cache, as for the parse below
  const [parsed, converted, twoThreads] = interleaved(
    [() => run(process.execPath, ['-e', parseEach], { cwd: root }), convertBatch(), convertBatch(['--jobs', '2'])],
    7,
  );
  lines.push(`corpus in one process (${names.length} Dockerfiles, files written to fresh folders; ${os.availableParallelism()} cores):`);
  lines.push(`  node + dockerfile-ast parse: ${parsed.toFixed(0)} ms`);
  lines.push(`  dock2nix convert '*/Dockerfile': ${converted.toFixed(0)} ms, ratio ${(converted / parsed).toFixed(2)}x (target: at most 3x)`);
  lines.push(`  the same with --jobs 2 (a worker thread too): ${twoThreads.toFixed(0)} ms, ratio ${(twoThreads / parsed).toFixed(2)}x`);
}
const dockerfile = path.join(root, 'fixtures/python-debian-user/Dockerfile');
const parseScript = `import('dockerfile-ast').then(({ DockerfileParser }) => DockerfileParser.parse(require('node:fs').readFileSync(${JSON.stringify(dockerfile)}, 'utf8')).getInstructions())`;
const convertOne = () => run(process.execPath, [cli, 'convert', dockerfile, '-o', out, '--force', '--json']);
convertOne();
const [baseline, single] = interleaved([() => run(process.execPath, ['-e', parseScript], { cwd: root }), convertOne], 11);
lines.push('single file (fixtures/python-debian-user), whole process:');
lines.push(`  node + dockerfile-ast parse: ${baseline.toFixed(0)} ms`);
lines.push(`  dock2nix convert: ${single.toFixed(0)} ms, ratio ${(single / baseline).toFixed(2)}x (target: at most 2x)`);
rmSync(out, { recursive: true, force: true });
console.log(lines.join('\n'));
