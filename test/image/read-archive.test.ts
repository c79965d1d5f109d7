import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectArchive, inspectImage } from '../../src/image/inspect.js';
import { renderImageReport } from '../../src/image/render.js';
import {
  gzip,
  hasZstd,
  imageConfig,
  makeTar,
  ociFiles,
  sha256,
  tempDir,
  writeDockerArchive,
  writeOciDirectory,
  writeOciTar,
  zstd,
  type TestEntry,
} from './helpers.js';

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir.remove();
});

const layer0: TestEntry[] = [
  { name: 'etc/' },
  { name: 'etc/app.conf', data: 'one\n' },
  { name: 'data/' },
  { name: 'data/old.txt', data: 'x'.repeat(100) },
  { name: 'bin/tool', data: 'T'.repeat(5000), mode: 0o755 },
];
const layer1: TestEntry[] = [
  { name: 'etc/app.conf', data: 'two, longer\n' },
  { name: 'data/.wh.old.txt', data: '' },
  { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
];
const layer2: TestEntry[] = [
  { name: 'srv/www/index.html', data: 'hello' },
  { name: 'srv/www/.wh..wh..opq', data: '' },
];

async function threeLayers(): Promise<Buffer[]> {
  return [await makeTar(layer0), await makeTar(layer1), await makeTar(layer2)];
}

/** What the three layers above must give, counted by hand from their definitions. */
function expectThreeLayerFigures(report: Awaited<ReturnType<typeof inspectImage>>, tars: Buffer[]): void {
  expect(report.layers.map((l) => l.uncompressedBytes)).toEqual(tars.map((t) => t.length));
  expect(report.layers.map((l) => l.files)).toEqual([3, 1, 1]);
  expect(report.layers.map((l) => l.contentBytes)).toEqual([4 + 100 + 5000, 12, 5]);
  expect(report.layers.map((l) => l.diffId)).toEqual(tars.map((t) => `sha256:${sha256(t)}`));
  expect(report.totals).toMatchObject({ layers: 3, files: 5, contentBytes: 5121, wastedBytes: 104, wastedFiles: 2, visibleFiles: 3, visibleBytes: 5017 });
  expect(report.totals.efficiency).toBeCloseTo(1 - 104 / 5121, 10);
  expect(report.wasted.map((w) => [w.path, w.bytes, w.reason]).sort()).toEqual([
    ['data/old.txt', 100, 'whiteout'],
    ['etc/app.conf', 4, 'replaced'],
  ]);
  expect(report.largestFiles[0]).toEqual({ path: 'bin/tool', bytes: 5000, layer: 0 });
  expect(report.findings).toEqual([]);
}

describe('docker-archive', () => {
  it('reads plain layers when manifest.json comes after them, pairing history without empty_layer entries', async () => {
    const tars = await threeLayers();
    const config = imageConfig(tars, {
      history: [
        { created_by: 'ADD rootfs' },
        { created_by: 'ENV A=1', empty_layer: true },
        { created_by: 'RUN change' },
        { created_by: 'CMD x', empty_layer: true },
        { created_by: 'COPY site' },
      ],
    });
    const path = await writeDockerArchive(join(dir.path, 'plain.tar'), { blobs: tars, config });
    const report = await inspectImage(path);
    expect(report.format).toBe('docker-archive');
    expect(report.label).toBe('test/image:latest');
    expect(report.layers.map((l) => l.createdBy)).toEqual(['ADD rootfs', 'RUN change', 'COPY site']);
    expect(report.layers.every((l) => l.compressedBytes === null && l.compression === 'none')).toBe(true);
    expect(report.totals.compressedBytes).toBeNull();
    expect(report.config).toMatchObject({ cmd: ['/bin/sh'], env: ['PATH=/bin'], user: 'app', exposedPorts: ['8080/tcp'], created: '2024-01-01T00:00:00Z' });
    expectThreeLayerFigures(report, tars);
  });

  it('reads the same archive with manifest.json first, and with legacy <id>/layer.tar symlinks', async () => {
    const tars = await threeLayers();
    const first = await inspectImage(await writeDockerArchive(join(dir.path, 'first.tar'), { blobs: tars, manifestFirst: true }));
    expectThreeLayerFigures(first, tars);
    const legacy = await inspectImage(await writeDockerArchive(join(dir.path, 'legacy.tar'), { blobs: tars, legacySymlinks: true }));
    expectThreeLayerFigures(legacy, tars);
    expect(legacy.layers[0]!.path).toMatch(/^[a-f0-9]{64}\/layer\.tar$/);
  });

  it('detects gzip layers by their bytes, not their names', async () => {
    const tars = await threeLayers();
    const blobs = [gzip(tars[0]!), tars[1]!, gzip(tars[2]!)];
    const report = await inspectImage(await writeDockerArchive(join(dir.path, 'gz-layers.tar'), { blobs, tars }));
    expect(report.layers.map((l) => l.compression)).toEqual(['gzip', 'none', 'gzip']);
    expect(report.layers.map((l) => l.compressedBytes)).toEqual([blobs[0]!.length, null, blobs[2]!.length]);
    expect(report.totals.compressedBytes).toBe(blobs[0]!.length + blobs[2]!.length);
    // Nothing is hashed without --verify: a plain layer's digest is its diffID (the same bytes), a gzip one's unknown.
    expect(report.digestsChecked).toBe(false);
    expect(report.layers.map((l) => l.digest)).toEqual([null, `sha256:${sha256(tars[1]!)}`, null]);
    const verified = await inspectImage(await writeDockerArchive(join(dir.path, 'gz-layers.tar'), { blobs, tars }), undefined, { verify: true });
    expect(verified.digestsChecked).toBe(true);
    expect(verified.layers.map((l) => l.digest)).toEqual(blobs.map((b) => `sha256:${sha256(b)}`));
    expect(verified.findings).toEqual([]);
    expectThreeLayerFigures(report, tars);
  });

  it('reads a gzip-compressed archive (nixpkgs dockerTools .tar.gz)', async () => {
    const tars = await threeLayers();
    const report = await inspectImage(await writeDockerArchive(join(dir.path, 'outer.tar.gz'), { blobs: tars, compress: 'gzip' }));
    expect(report.archiveCompression).toBe('gzip');
    expectThreeLayerFigures(report, tars);
  });

  it('reads zstd layers and a zstd-compressed archive', async (context) => {
    if (!(await hasZstd())) {
      console.warn('skipping zstd case: the zstd command is not installed');
      context.skip();
    }
    const tars = await threeLayers();
    const blobs = [await zstd(tars[0]!), tars[1]!, await zstd(tars[2]!)];
    const report = await inspectImage(await writeDockerArchive(join(dir.path, 'zst-layers.tar'), { blobs, tars }));
    expect(report.layers.map((l) => l.compression)).toEqual(['zstd', 'none', 'zstd']);
    expect(report.layers[0]!.compressedBytes).toBe(blobs[0]!.length);
    expectThreeLayerFigures(report, tars);
    const outer = await inspectImage(await writeDockerArchive(join(dir.path, 'outer.tar.zst'), { blobs: tars, compress: 'zstd' }));
    expect(outer.archiveCompression).toBe('zstd');
    expectThreeLayerFigures(outer, tars);
  });

  it('lists the /nix/store paths of each layer of a Nix image', async () => {
    const hash = 'a'.repeat(32);
    const tar = await makeTar([
      { name: 'nix/' },
      { name: 'nix/store/' },
      { name: `nix/store/${hash}-hello-2.12/bin/hello`, data: 'elf' },
      { name: `nix/store/${'b'.repeat(32)}-glibc-2.39/lib/libc.so.6`, data: 'so' },
    ]);
    const config = { ...imageConfig([tar]), history: [] };
    const report = await inspectImage(await writeDockerArchive(join(dir.path, 'nix.tar'), { blobs: [tar], config }));
    expect(report.layers[0]!.storePaths).toEqual([`/nix/store/${hash}-hello-2.12`, `/nix/store/${'b'.repeat(32)}-glibc-2.39`]);
    expect(report.layers[0]!.createdBy).toBeNull();
  });

  it('reports every image of a multi-image manifest', async () => {
    const tars = await threeLayers();
    const path = join(dir.path, 'multi.tar');
    const configData = Buffer.from(JSON.stringify(imageConfig(tars)));
    const entries: TestEntry[] = tars.map((tar, i) => ({ name: `l${i}.tar`, data: tar }));
    entries.push({ name: 'c.json', data: configData });
    entries.push({
      name: 'manifest.json',
      data: JSON.stringify([
        { Config: 'c.json', RepoTags: ['one:1'], Layers: ['l0.tar'] },
        { Config: 'c.json', RepoTags: ['two:2'], Layers: ['l0.tar', 'l1.tar', 'l2.tar'] },
      ]),
    });
    await writeFile(path, await makeTar(entries));
    const report = await inspectArchive(path);
    expect(report.images.map((image) => [image.label, image.totals.layers])).toEqual([
      ['one:1', 1],
      ['two:2', 3],
    ]);
    // One layer for a config that lists three diff_ids: said, not hidden.
    expect(report.images[0]!.findings.some((f) => /3 diff_ids for 1 layers/.test(f.message))).toBe(true);
  });
});

describe('OCI image layout', () => {
  it('reads a layout directory with gzip layers, verifying digests', async () => {
    const tars = await threeLayers();
    const blobs = tars.map(gzip);
    const layout = await writeOciDirectory(join(dir.path, 'oci-dir'), { blobs, tars, refName: 'example:1' });
    const report = await inspectImage(layout, undefined, { verify: true });
    expect(report.findings).toEqual([]);
    expect(report.format).toBe('oci-layout');
    expect(report.label).toBe('example:1');
    expect(report.layers.map((l) => l.digest)).toEqual(blobs.map((b) => `sha256:${sha256(b)}`));
    expect(report.layers.map((l) => l.compressedBytes)).toEqual(blobs.map((b) => b.length));
    expectThreeLayerFigures(report, tars);
  });

  it('reads an OCI archive (tar), also through a nested index, and uncompressed layers despite a gzip media type', async () => {
    const tars = await threeLayers();
    const report = await inspectImage(await writeOciTar(join(dir.path, 'oci.tar'), { blobs: tars, nested: true }));
    expect(report.format).toBe('oci-archive');
    expect(report.label).toBe('oci-test (linux/amd64)');
    expect(report.layers.every((l) => l.compression === 'none')).toBe(true);
    expectThreeLayerFigures(report, tars);
  });

  it('reads zstd layers in an OCI layout', async (context) => {
    if (!(await hasZstd())) {
      console.warn('skipping zstd case: the zstd command is not installed');
      context.skip();
    }
    const tars = await threeLayers();
    const blobs = await Promise.all(tars.map(zstd));
    const report = await inspectImage(
      await writeOciDirectory(join(dir.path, 'oci-zst'), { blobs, tars, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' }),
    );
    expect(report.layers.map((l) => l.compression)).toEqual(['zstd', 'zstd', 'zstd']);
    expectThreeLayerFigures(report, tars);
  });

  it('says when a blob does not match its digest, or the config diffID does not match the tar', async () => {
    const tars = await threeLayers();
    const layout = await writeOciDirectory(join(dir.path, 'oci-tampered'), { blobs: tars });
    // Replace layer 1's blob with other bytes of the same length, under the same name.
    const tampered = await makeTar([
      { name: 'etc/app.conf', data: 'TWO, LONGER\n' },
      { name: 'data/.wh.old.txt', data: '' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    ]);
    expect(tampered.length).toBe(tars[1]!.length);
    await writeFile(join(layout, 'blobs/sha256', sha256(tars[1]!)), tampered);
    // Only --verify reads the bytes to hash them; without it the digests are reported as written, unchecked.
    const unchecked = await inspectImage(layout);
    expect(unchecked.digestsChecked).toBe(false);
    expect(unchecked.findings).toEqual([]);
    expect(renderImageReport(unchecked)).toContain('layer digests not checked');
    const report = await inspectImage(layout, undefined, { verify: true });
    const messages = report.findings.filter((f) => f.layer === 1).map((f) => f.message);
    expect(messages).toEqual([
      expect.stringMatching(/^diffID in the config .* does not match the layer tar/),
      expect.stringMatching(/^blob digest .* does not match its content/),
    ]);
    expect(renderImageReport(report)).not.toContain('layer digests not checked');
    // The same through the tar (seeking) reader and the streaming one (a gzip-compressed archive).
    for (const compress of [undefined, 'gzip'] as const) {
      const files = ociFiles({ blobs: tars }).map((file) => (file.name === `blobs/sha256/${sha256(tars[1]!)}` ? { ...file, data: tampered } : file));
      let archive = await makeTar(files.map((file) => ({ name: file.name, data: file.data! })));
      if (compress) archive = gzip(archive);
      const path = join(dir.path, `oci-tampered.tar${compress ? '.gz' : ''}`);
      await writeFile(path, archive);
      const fromTar = await inspectImage(path, undefined, { verify: true });
      expect(fromTar.findings.filter((f) => f.layer === 1).map((f) => f.message)).toEqual(messages);
    }
  });

  it('fails with E_ARCHIVE when the manifest names a blob that is not there', async () => {
    const tars = await threeLayers();
    const wrong = `sha256:${'0'.repeat(64)}`;
    const missing = await writeOciTar(join(dir.path, 'oci-missing.tar'), { blobs: tars, layerDigests: ['', wrong] });
    await expect(inspectImage(missing)).rejects.toMatchObject({ code: 'E_ARCHIVE', message: `layer 1 blobs/sha256/${'0'.repeat(64)} is not in the archive` });
  });
});
