#!/usr/bin/env node
// Growth with input size (issue 19: "time proportional to input"): the whole `dock2nix convert` on inputs of
// size n and 4n, as a ratio measured in this one run. Linear work gives about 4x (less, as start-up is shared);
// quadratic work gives about 16x. Each case fails the bench when its ratio passes 8x.
//   - a COPY whose glob matches n context files (printing the placed files once took 46 s for 11,000);
//   - a RUN of n commands joined by &&;
//   - n chained stages.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/dock2nix.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-bench-scaling-'));
const LIMIT = 8;

const cases = {
  'COPY glob, context files': (dir, n) => {
    mkdirSync(path.join(dir, 'files'));
    for (let i = 0; i < n; i++) writeFileSync(path.join(dir, 'files', `f${i}.txt`), '');
    return 'FROM alpine:3.19\nCOPY files/*.txt /app/\n';
  },
  'RUN with && between commands': (_dir, n) => `FROM alpine:3.19\nRUN ${Array.from({ length: n }, (_, i) => `echo ${i}`).join(' && ')}\n`,
  'chained stages': (_dir, n) => `FROM alpine:3.19 AS s0\n${Array.from({ length: n }, (_, i) => `FROM s${i} AS s${i + 1}\n`).join('')}`,
};

function convertMs(name, n) {
  const dir = path.join(work, `${name.replace(/\W+/g, '-')}-${n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), cases[name](dir, n));
  const times = [];
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, 'convert', path.join(dir, 'Dockerfile'), '-o', path.join(dir, 'nix'), '--force', '--json'], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`${name} (${n}): exit ${result.status}: ${result.stderr.trim().split('\n')[0]}`);
  }
  return times.sort((a, b) => a - b)[1];
}

let failed = false;
const lines = ['growth with input size (dock2nix convert, median of 3; n and 4n):'];
try {
  for (const [name, n] of [
    ['COPY glob, context files', 2500],
    ['RUN with && between commands', 1500],
    ['chained stages', 800],
  ]) {
    let small;
    let large;
    try {
      small = convertMs(name, n);
      large = convertMs(name, 4 * n);
    } catch (error) {
      failed = true;
      lines.push(`  ${name}: ${error.message}`);
      continue;
    }
    const ratio = large / small;
    if (ratio > LIMIT) failed = true;
    lines.push(`  ${name}: ${n} in ${small.toFixed(0)} ms, ${4 * n} in ${large.toFixed(0)} ms, ratio ${ratio.toFixed(2)}x (limit ${LIMIT}x)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(lines.join('\n'));
if (failed) process.exitCode = 1;
