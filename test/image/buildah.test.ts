/**
 * Real images built with Buildah from fixtures/images/busybox-layers, checked against counts made here with
 * the system `tar` (and gzip), never with the code under test. Skips when buildah cannot run, except under CI.
 */
import { cp, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareImages } from '../../src/image/diff.js';
import { inspectImage } from '../../src/image/inspect.js';
import type { ImageReport } from '../../src/image/types.js';
import { countArchive, expectedDifferences, type Counted } from '../helpers/system-tar.js';
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

function expectFiguresMatch(report: ImageReport, counted: Counted): void {
  expect(report.layers.length).toBe(counted.layers.length);
  report.layers.forEach((layer, index) => {
    const independent = counted.layers[index]!;
    expect(layer.uncompressedBytes, `layer ${index} tar bytes`).toBe(independent.tarBytes);
    expect(layer.compressedBytes, `layer ${index} stored bytes`).toBe(independent.compressed ? independent.storedBytes : null);
    expect(layer.files, `layer ${index} files`).toBe(independent.files);
    expect(layer.contentBytes, `layer ${index} content`).toBe(independent.contentBytes);
  });
  const content = counted.layers.reduce((sum, layer) => sum + layer.contentBytes, 0);
  expect(report.totals.contentBytes).toBe(content);
  expect(report.totals.visibleBytes).toBe(counted.visibleBytes);
  expect(report.totals.wastedBytes).toBe(content - counted.visibleBytes);
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
    const counted = await countArchive(first.docker, join(work.path, 'first-docker'));
    const report = await inspectImage(first.docker, undefined, { verify: true });
    expect(report.format).toBe('docker-archive');
    expectFiguresMatch(report, counted);
    expect(report.findings).toEqual([]); // with verify: so every diffID in the config matched the tar read
    // And against the fixture itself: the first config.txt, old.txt and both assets are hidden.
    const sizes = await Promise.all(
      ['v1/config.txt', 'old.txt', 'assets/big.txt', 'assets/small.txt'].map(async (file) => (await stat(join(FIXTURE, file))).size),
    );
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
    const counted = await countArchive(first.oci, join(work.path, 'first-oci'));
    const report = await inspectImage(first.oci, undefined, { verify: true });
    expect(report.format).toBe('oci-archive');
    expect(report.layers.every((layer) => layer.compression === 'gzip')).toBe(true);
    expectFiguresMatch(report, counted);
    expect(report.findings).toEqual([]); // with verify: so every blob matched its digest and size, every tar its diffID
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
    const a = await countArchive(first.docker, join(work.path, 'cmp-a'));
    const b = await countArchive(second.docker, join(work.path, 'cmp-b'));
    const expected = await expectedDifferences(a, b, join(work.path, 'cmp-layers'));
    const actual = report.differences
      .filter((d) => d.path !== '')
      .map((d) => `${d.layer} ${d.kind} ${d.path}`)
      .sort();
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
    expect(report.configDifferences.filter((d) => d.kind !== 'created').every((d) => d.kind === 'derived' && /^history\[\d+\]\.comment$/.test(d.key))).toBe(
      true,
    );
  }, 120_000);

  it('two --timestamp 0 builds: identical exactly when the file-by-file and config comparisons find nothing', async () => {
    const c = await build('ts-c', ['--no-cache', '--timestamp', '0']);
    const d = await build('ts-d', ['--no-cache', '--timestamp', '0']);
    const report = await compareImages(c.docker, d.docker, { ignoreTimestamps: false });
    const a = await countArchive(c.docker, join(work.path, 'ts-a'));
    const b = await countArchive(d.docker, join(work.path, 'ts-b'));
    const expected = await expectedDifferences(a, b, join(work.path, 'ts-layers'));
    const configsEqual = JSON.stringify(a.config) === JSON.stringify(b.config);
    expect(
      report.differences
        .filter((x) => x.path !== '')
        .map((x) => `${x.layer} ${x.kind} ${x.path}`)
        .sort(),
    ).toEqual(expected);
    expect(report.configDifferences.length === 0).toBe(configsEqual);
    const sameBytes = await Promise.all(
      a.layers.map(
        async (layer, i) => b.layers[i] !== undefined && (await execa('cmp', ['-s', layer.blob, b.layers[i]!.blob], { reject: false })).exitCode === 0,
      ),
    );
    const layersBitIdentical = a.layers.length === b.layers.length && sameBytes.every(Boolean);
    expect(report.identical).toBe(expected.length === 0 && configsEqual && layersBitIdentical);
    console.info(
      `--timestamp 0 rebuild: ${report.identical ? 'identical' : `${report.differences.length} file and ${report.configDifferences.length} config differences`}`,
    );
  }, 120_000);
});
