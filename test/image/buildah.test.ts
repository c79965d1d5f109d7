/**
 * Real images built with Buildah from fixtures/images/busybox-layers, checked against counts made here with
 * the system `tar` (and gzip), never with the code under test. Skips when buildah cannot run, except under CI.
 */
import { cp, lstat, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareImages } from '../../src/image/diff.js';
import { inspectImage } from '../../src/image/inspect.js';
import type { ImageReport } from '../../src/image/types.js';
import { commandExists, tempDir } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/images/busybox-layers', import.meta.url));
const BUSYBOX = '/bin/busybox';

async function buildahUnavailable(): Promise<string | null> {
  if (!(await commandExists('buildah'))) return 'buildah is not installed';
  if (process.getuid?.() !== 0) return 'buildah with the vfs driver needs root here';
  try {
    await stat(BUSYBOX);
  } catch {
    return `${BUSYBOX} is missing (apt-get install busybox-static)`;
  }
  return null;
}

const reason = await buildahUnavailable();
if (reason && !process.env.CI) console.warn(`skipping Buildah image tests: ${reason}`);

const buildah = (args: string[]) => execa('buildah', ['--storage-driver', 'vfs', ...args], { stdin: 'ignore' });
const prefix = `dock2nix-test-${process.pid}-${Date.now()}`;
const images: string[] = [];

async function build(name: string, extra: string[]): Promise<{ docker: string; oci: string }> {
  const full = `${prefix}-${name}`;
  images.push(full);
  await buildah(['bud', '--isolation', 'chroot', '--pull=never', '--layers', ...extra, '-t', full, '-f', join(context, 'Dockerfile'), context]);
  const docker = join(work.path, `${name}.docker.tar`);
  const oci = join(work.path, `${name}.oci.tar`);
  await buildah(['push', full, `docker-archive:${docker}:${full}`]);
  await buildah(['push', full, `oci-archive:${oci}`]);
  return { docker, oci };
}

let work: { path: string; remove: () => Promise<void> };
let context: string;

/** One line of `tar -tv --full-time --numeric-owner`. */
interface Listed {
  type: string;
  perms: string;
  owner: string;
  size: number;
  time: string;
  path: string;
  link?: string;
}

function parseListing(text: string): Listed[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const match = /^(\S)(\S{9})\s+(\S+)\s+(\d+)\s+(\S+ \S+)\s+(.*)$/.exec(line);
      if (!match) throw new Error(`cannot parse tar listing line: ${line}`);
      let name = match[6]!;
      let link: string | undefined;
      const arrow = name.indexOf(' -> ');
      const hard = name.indexOf(' link to ');
      if (arrow >= 0) [name, link] = [name.slice(0, arrow), name.slice(arrow + 4)];
      else if (hard >= 0) [name, link] = [name.slice(0, hard), name.slice(hard + 9)];
      const path = name.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/$/, '');
      return { type: match[1]!, perms: match[2]!, owner: match[3]!, size: Number(match[4]), time: match[5]!, path, ...(link !== undefined ? { link } : {}) };
    })
    .filter((entry) => entry.path !== '' && entry.path !== '.');
}

const isWhiteout = (path: string): boolean => path.split('/').pop()!.startsWith('.wh.');

async function sh(script: string): Promise<string> {
  return (await execa('sh', ['-c', script])).stdout;
}

/** A layer blob, decompressed by the system tools, as a shell command that writes it to stdout. */
function catLayer(file: string, compressed: boolean): string {
  return compressed ? `gzip -dc '${file}'` : `cat '${file}'`;
}

interface IndependentLayer {
  tarBytes: number;
  storedBytes: number;
  files: number;
  contentBytes: number;
  listing: Listed[];
}

interface Independent {
  layers: IndependentLayer[];
  layerFiles: string[];
  compressed: boolean;
  config: Record<string, unknown>;
}

/** Extract the outer archive with the system tar and list every layer with it. */
async function countWithSystemTar(archive: string, format: 'docker' | 'oci', into: string): Promise<Independent> {
  await mkdir(into, { recursive: true });
  await execa('tar', ['-xf', archive, '-C', into]);
  let layerFiles: string[];
  let config: Record<string, unknown>;
  if (format === 'docker') {
    const manifest = JSON.parse(await readFile(join(into, 'manifest.json'), 'utf8')) as { Config: string; Layers: string[] }[];
    layerFiles = manifest[0]!.Layers.map((layer) => join(into, layer));
    config = JSON.parse(await readFile(join(into, manifest[0]!.Config), 'utf8'));
  } else {
    const index = JSON.parse(await readFile(join(into, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const blob = (digest: string): string => join(into, 'blobs', ...digest.split(':'));
    const manifest = JSON.parse(await readFile(blob(index.manifests[0]!.digest), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
    layerFiles = manifest.layers.map((layer) => blob(layer.digest));
    config = JSON.parse(await readFile(blob(manifest.config.digest), 'utf8'));
  }
  const compressed = format === 'oci';
  const layers: IndependentLayer[] = [];
  for (const file of layerFiles) {
    const listing = parseListing(await sh(`${catLayer(file, compressed)} | tar -tv --full-time --numeric-owner -f -`));
    const files = listing.filter((entry) => entry.type === '-' && !isWhiteout(entry.path));
    layers.push({
      tarBytes: Number(await sh(`${catLayer(file, compressed)} | wc -c`)),
      storedBytes: (await stat(file)).size,
      files: files.length,
      contentBytes: files.reduce((sum, entry) => sum + entry.size, 0),
      listing,
    });
  }
  return { layers, layerFiles, compressed, config };
}

/** Apply the layers in order into a real folder with the system tar (whiteouts by hand), and measure what is left. */
async function visibleBytesAfterApplying(independent: Independent, rootfs: string): Promise<number> {
  await mkdir(rootfs, { recursive: true });
  for (const [index, file] of independent.layerFiles.entries()) {
    for (const entry of independent.layers[index]!.listing) {
      const base = entry.path.split('/').pop()!;
      const parent = entry.path.split('/').slice(0, -1).join('/');
      if (base === '.wh..wh..opq') await sh(`find '${join(rootfs, parent)}' -mindepth 1 -maxdepth 1 -exec rm -rf {} +`);
      else if (base.startsWith('.wh.')) await rm(join(rootfs, parent, base.slice(4)), { recursive: true, force: true });
    }
    await sh(`${catLayer(file, independent.compressed)} | tar -x --exclude='.wh.*' -C '${rootfs}' -f -`);
  }
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const info = await lstat(join(dir, name));
      if (info.isDirectory()) await walk(join(dir, name));
      else if (info.isFile()) total += info.size;
    }
  };
  await walk(rootfs);
  return total;
}

function expectFiguresMatch(report: ImageReport, independent: Independent, visibleBytes: number): void {
  expect(report.layers.length).toBe(independent.layers.length);
  report.layers.forEach((layer, index) => {
    const counted = independent.layers[index]!;
    expect(layer.uncompressedBytes, `layer ${index} tar bytes`).toBe(counted.tarBytes);
    expect(layer.compressedBytes, `layer ${index} stored bytes`).toBe(independent.compressed ? counted.storedBytes : null);
    expect(layer.files, `layer ${index} files`).toBe(counted.files);
    expect(layer.contentBytes, `layer ${index} content`).toBe(counted.contentBytes);
  });
  const content = independent.layers.reduce((sum, layer) => sum + layer.contentBytes, 0);
  expect(report.totals.contentBytes).toBe(content);
  expect(report.totals.visibleBytes).toBe(visibleBytes);
  expect(report.totals.wastedBytes).toBe(content - visibleBytes);
}

/** File-by-file comparison of two archives, from the system tar's listings and extracted bytes. */
async function expectedDifferences(a: Independent, b: Independent, scratch: string): Promise<string[]> {
  const found: string[] = [];
  const layers = Math.max(a.layers.length, b.layers.length);
  for (let layer = 0; layer < layers; layer++) {
    const dirA = join(scratch, `a${layer}`);
    const dirB = join(scratch, `b${layer}`);
    await mkdir(dirA, { recursive: true });
    await mkdir(dirB, { recursive: true });
    await sh(`${catLayer(a.layerFiles[layer]!, a.compressed)} | tar -x -C '${dirA}' -f -`);
    await sh(`${catLayer(b.layerFiles[layer]!, b.compressed)} | tar -x -C '${dirB}' -f -`);
    const listA = new Map(a.layers[layer]!.listing.map((entry) => [entry.path, entry]));
    const listB = new Map(b.layers[layer]!.listing.map((entry) => [entry.path, entry]));
    for (const [path, x] of listA) {
      const y = listB.get(path);
      if (!y) {
        found.push(`${layer} removed ${path}`);
        continue;
      }
      const links = 'lh';
      if (x.type !== y.type) found.push(`${layer} ${links.includes(x.type) || links.includes(y.type) ? 'link' : 'content'} ${path}`);
      else if (links.includes(x.type) && x.link !== y.link) found.push(`${layer} link ${path}`);
      else if (x.type === '-' && !(await readFile(join(dirA, path))).equals(await readFile(join(dirB, path)))) found.push(`${layer} content ${path}`);
      if (x.perms !== y.perms) found.push(`${layer} mode ${path}`);
      if (x.owner !== y.owner) found.push(`${layer} owner ${path}`);
      if (x.time !== y.time) found.push(`${layer} mtime ${path}`);
    }
    for (const path of listB.keys()) if (!listA.has(path)) found.push(`${layer} added ${path}`);
  }
  return found.sort();
}

describe.skipIf(reason !== null && !process.env.CI)('images built with Buildah', () => {
  let first: { docker: string; oci: string };

  beforeAll(async () => {
    if (reason) throw new Error(`CI is set but Buildah image tests cannot run: ${reason}`);
    work = await tempDir('dock2nix-buildah-');
    context = join(work.path, 'context');
    await cp(FIXTURE, context, { recursive: true });
    await cp(BUSYBOX, join(context, 'busybox'));
    first = await build('first', []);
  }, 300_000);

  afterAll(async () => {
    for (const image of images) await buildah(['rmi', image]).catch(() => undefined);
    await work?.remove();
  }, 120_000);

  it('docker-archive: every figure matches the system tar’s count', async () => {
    const independent = await countWithSystemTar(first.docker, 'docker', join(work.path, 'first-docker'));
    const visible = await visibleBytesAfterApplying(independent, join(work.path, 'first-docker-rootfs'));
    const report = await inspectImage(first.docker);
    expect(report.format).toBe('docker-archive');
    expectFiguresMatch(report, independent, visible);
    expect(report.findings).toEqual([]); // so every diffID in the config matched the tar read
    // And against the fixture itself: the first config.txt, old.txt and both assets are hidden.
    const sizes = await Promise.all(['v1/config.txt', 'old.txt', 'assets/big.txt', 'assets/small.txt'].map(async (file) => (await stat(join(FIXTURE, file))).size));
    expect(report.totals.wastedBytes).toBe(sizes.reduce((sum, size) => sum + size, 0));
    expect(report.wasted.map((file) => `${file.path} ${file.reason}`).sort()).toEqual([
      'data/old.txt whiteout',
      'etc/app/config.txt replaced',
      'opt/assets/big.txt whiteout',
      'opt/assets/small.txt whiteout',
    ]);
    expect(report.totals.layers).toBe(6); // five COPY and one RUN; ENV and CMD make no layer
    expect(report.layers.map((layer) => layer.createdBy ?? '')).toEqual([
      expect.stringContaining('COPY'),
      expect.stringContaining('/etc/app/config.txt'),
      expect.stringContaining('/data/old.txt'),
      expect.stringContaining('/opt/assets/'),
      expect.stringContaining('/etc/app/config.txt'),
      expect.stringContaining('rm'),
    ]);
    expect(report.config.cmd).toEqual(['/bin/busybox', 'sh']);
    expect(report.config.env).toContain('GREETING=hello');
    expect(report.largestFiles[0]!.path).toBe('bin/busybox');
  });

  it('OCI archive (gzip layers): every figure matches the system tar and gzip', async () => {
    const independent = await countWithSystemTar(first.oci, 'oci', join(work.path, 'first-oci'));
    const visible = await visibleBytesAfterApplying(independent, join(work.path, 'first-oci-rootfs'));
    const report = await inspectImage(first.oci);
    expect(report.format).toBe('oci-archive');
    expect(report.layers.every((layer) => layer.compression === 'gzip')).toBe(true);
    expectFiguresMatch(report, independent, visible);
    expect(report.findings).toEqual([]); // so every blob matched its digest and size, every tar its diffID
  });

  it('the same build as docker-archive and OCI archive compares identical', async () => {
    const report = await compareImages(first.docker, first.oci, { ignoreTimestamps: false });
    expect(report.differences).toEqual([]);
    expect(report.configDifferences).toEqual([]);
    expect(report.identical).toBe(true);
  });

  it('a rebuild without cache differs, exactly where a file-by-file comparison says', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // make sure the clock has moved on by a second
    const second = await build('second', ['--no-cache']);
    const report = await compareImages(first.docker, second.docker, { ignoreTimestamps: false });
    const a = await countWithSystemTar(first.docker, 'docker', join(work.path, 'cmp-a'));
    const b = await countWithSystemTar(second.docker, 'docker', join(work.path, 'cmp-b'));
    const expected = await expectedDifferences(a, b, join(work.path, 'cmp-layers'));
    const actual = report.differences.filter((d) => d.path !== '').map((d) => `${d.layer} ${d.kind} ${d.path}`).sort();
    expect(actual).toEqual(expected);
    // Built a second later: at least the files the RUN step made (etc/hostname and co.) carry other mtimes.
    expect(actual).toContain('5 mtime etc/hostname');
    expect(report.identical).toBe(false);
    // The image creation time differs whatever the files do.
    expect(report.configDifferences.map((d) => d.key)).toContain('created');
    // Same Dockerfile, same context: the system tar finds only mtimes differing, so the builds differ only in time.
    const onlyTimes = expected.every((line) => line.split(' ')[1] === 'mtime');
    expect(onlyTimes).toBe(true);
    expect(report.identicalIgnoringTimestamps).toBe(true);
    // Buildah's history comments name each parent image by an ID that hashes time stamps: reported, as derived.
    expect(report.configDifferences.filter((d) => d.kind !== 'created').every((d) => d.kind === 'derived' && /^history\[\d+\]\.comment$/.test(d.key))).toBe(true);
  }, 120_000);

  it('two --timestamp 0 builds: identical exactly when the file-by-file and config comparisons find nothing', async () => {
    const c = await build('ts-c', ['--no-cache', '--timestamp', '0']);
    const d = await build('ts-d', ['--no-cache', '--timestamp', '0']);
    const report = await compareImages(c.docker, d.docker, { ignoreTimestamps: false });
    const a = await countWithSystemTar(c.docker, 'docker', join(work.path, 'ts-a'));
    const b = await countWithSystemTar(d.docker, 'docker', join(work.path, 'ts-b'));
    const expected = await expectedDifferences(a, b, join(work.path, 'ts-layers'));
    const configsEqual = JSON.stringify(a.config) === JSON.stringify(b.config);
    expect(report.differences.filter((x) => x.path !== '').map((x) => `${x.layer} ${x.kind} ${x.path}`).sort()).toEqual(expected);
    expect(report.configDifferences.length === 0).toBe(configsEqual);
    const sameBytes = await Promise.all(a.layerFiles.map(async (file, i) => (await execa('cmp', ['-s', file, b.layerFiles[i]!], { reject: false })).exitCode === 0));
    const layersBitIdentical = a.layerFiles.length === b.layerFiles.length && sameBytes.every(Boolean);
    expect(report.identical).toBe(expected.length === 0 && configsEqual && layersBitIdentical);
    console.info(`--timestamp 0 rebuild: ${report.identical ? 'identical' : `${report.differences.length} file and ${report.configDifferences.length} config differences`}`);
  }, 120_000);
});
