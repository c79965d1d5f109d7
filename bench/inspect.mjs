#!/usr/bin/env node
// Reading a large image archive: dock2nix's reader (dist/image, as `inspect` and `audit` use it) against the
// system's `tar -tvf` listing the same layers, as ratios measured in this one run, and the reader's peak memory.
// Run `npm run build` first. The archive is built here: BENCH_MB megabytes (default 400) of random,
// incompressible data in about 20,000 files over 4 layers, once as plain layers (as Buildah and `docker save`
// write them) and once with gzip layers. Each measurement is the median of BENCH_ROUNDS runs (default 3), each in
// a fresh process, so peak memory (maxRSS) is the reader's own.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import tarStream from 'tar-stream';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reader = path.join(root, 'dist/image/index.js');
if (!existsSync(reader)) {
  console.error('bench/inspect.mjs: dist/ is missing; run npm run build first');
  process.exit(1);
}
const totalMb = Number(process.env.BENCH_MB ?? 400);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const LAYERS = 4;
const FILES = 20_000;
const work = mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'dock2nix-bench-inspect-'));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function sha256(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/** A layer tar of `files` files with random content, written as it is made (memory stays flat). */
async function writeLayer(file, index, files, bytes) {
  const pack = tarStream.pack();
  const done = pipeline(pack, createWriteStream(file));
  const average = Math.floor(bytes / files);
  for (let i = 0; i < files; i++) {
    // Sizes vary from 0 to twice the average, as real files do.
    const size = Math.floor((average * ((i * 7919) % 200)) / 100);
    await new Promise((resolve, reject) =>
      pack.entry({ name: `layer${index}/dir${i % 97}/file${i}.bin`, size, mode: 0o644, mtime: new Date(0) }, randomBytes(size), (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }
  pack.finalize();
  await done;
}

async function gzipFile(from, to) {
  await pipeline(createReadStream(from), createGzip({ level: 1 }), createWriteStream(to));
}

/** A docker-archive holding the given layer blobs (plain or gzip). */
async function writeArchive(file, blobs, tars) {
  const diffIds = [];
  for (const tar of tars) diffIds.push(`sha256:${await sha256(tar)}`);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: tars.map((_, i) => ({ created_by: `bench layer ${i}` })),
    }),
  );
  const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
  const names = [];
  for (const blob of blobs) names.push(`${await sha256(blob)}.tar`);
  const pack = tarStream.pack();
  const done = pipeline(pack, createWriteStream(file));
  const add = (name, data) => new Promise((resolve, reject) => pack.entry({ name, mode: 0o644 }, data, (error) => (error ? reject(error) : resolve())));
  for (const [i, blob] of blobs.entries()) {
    const entry = pack.entry({ name: names[i], size: statSync(blob).size, mode: 0o644 });
    await pipeline(createReadStream(blob), entry);
  }
  await add(configName, config);
  await add('manifest.json', Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ['bench:latest'], Layers: names }])));
  pack.finalize();
  await done;
}

/** dock2nix's reader in a fresh process: milliseconds and peak RSS (kB). */
function readWithDock2nix(archive) {
  const script = `
    const { inspectImage } = await import(${JSON.stringify(reader)});
    const start = process.hrtime.bigint();
    const report = await inspectImage(${JSON.stringify(archive)});
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(JSON.stringify({ ms, maxRss: process.resourceUsage().maxRSS, files: report.totals.files }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out);
}

/** Node doing nothing but loading the reader: the floor under the peak memory above. */
function baselineRss() {
  const out = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', `await import(${JSON.stringify(reader)}); console.log(process.resourceUsage().maxRSS)`],
    { encoding: 'utf8' },
  );
  return Number(out);
}

/** `tar -tvf` (or `-tzvf`) over every layer, output discarded: milliseconds. */
function listWithTar(layers, gzip) {
  const start = process.hrtime.bigint();
  for (const layer of layers) {
    const result = spawnSync('tar', [gzip ? '-tzvf' : '-tvf', layer], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status !== 0) throw new Error(`tar failed on ${layer}`);
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

try {
  const bytesPerLayer = Math.floor((totalMb * 1e6) / LAYERS);
  const tars = [];
  const gzips = [];
  for (let i = 0; i < LAYERS; i++) {
    const tar = path.join(work, `layer${i}.tar`);
    await writeLayer(tar, i, FILES / LAYERS, bytesPerLayer);
    tars.push(tar);
    const gz = path.join(work, `layer${i}.tar.gz`);
    await gzipFile(tar, gz);
    gzips.push(gz);
  }
  const plain = path.join(work, 'plain.tar');
  const gzipped = path.join(work, 'gzip-layers.tar');
  await writeArchive(plain, tars, tars);
  await writeArchive(gzipped, gzips, tars);

  const lines = [];
  const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
  lines.push(`archive: ${mb(statSync(plain).size)} docker-archive, ${LAYERS} layers, ${FILES} files of random data (median of ${rounds} runs)`);
  const floor = baselineRss();
  for (const [name, archive, layers, gzip] of [
    ['plain layers', plain, tars, false],
    ['gzip layers', gzipped, gzips, true],
  ]) {
    const ours = [];
    const theirs = [];
    let rss = 0;
    let files = 0;
    for (let r = 0; r < rounds; r++) {
      const run = readWithDock2nix(archive);
      ours.push(run.ms);
      rss = Math.max(rss, run.maxRss);
      files = run.files;
      theirs.push(listWithTar(layers, gzip));
    }
    if (files !== FILES) throw new Error(`the reader counted ${files} files, not ${FILES}`);
    const a = median(ours);
    const b = median(theirs);
    lines.push(`${name}:`);
    lines.push(`  tar ${gzip ? '-tzvf' : '-tvf'} of each layer: ${b.toFixed(0)} ms`);
    lines.push(`  dock2nix reader (whole archive, sizes, wasted space): ${a.toFixed(0)} ms`);
    lines.push(`  ratio dock2nix/tar: ${(a / b).toFixed(2)}x`);
    lines.push(
      `  peak memory: ${(rss / 1024).toFixed(0)} MB RSS (node with the reader loaded: ${(floor / 1024).toFixed(0)} MB), for ${mb(statSync(archive).size)} of archive`,
    );
  }
  // Diffing two builds: `dock2nix diff` against diffoscope, where diffoscope is installed. The second "build"
  // is the gzip-layer archive: the same files, so both tools must read everything to say so.
  const diffoscope = spawnSync('sh', ['-c', 'command -v diffoscope'], { encoding: 'utf8' }).stdout.trim();
  const cli = path.join(root, 'bin/dock2nix.js');
  const timeOf = (command, args) => {
    const start = process.hrtime.bigint();
    spawnSync(command, args, { stdio: 'ignore' });
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const ourDiff = median(Array.from({ length: rounds }, () => timeOf(process.execPath, [cli, 'diff', plain, gzipped, '--json'])));
  lines.push('diff of two archives of the same files:');
  lines.push(`  dock2nix diff: ${ourDiff.toFixed(0)} ms`);
  if (diffoscope) {
    const theirDiff = median(Array.from({ length: rounds }, () => timeOf(diffoscope, ['--no-progress', '--text', '/dev/null', plain, gzipped])));
    lines.push(`  diffoscope: ${theirDiff.toFixed(0)} ms`);
    lines.push(`  ratio dock2nix/diffoscope: ${(ourDiff / theirDiff).toFixed(2)}x`);
  } else {
    lines.push('  diffoscope is not installed: no comparison (apt-get install diffoscope to add one)');
  }
  const summary = lines.join('\n');
  console.log(summary);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, `${summary}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
