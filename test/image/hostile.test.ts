import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dock2nixError } from '../../src/errors.js';
import { buildImageReport, inspectImage, loadImages } from '../../src/image/inspect.js';
import { MAX_JSON_BYTES } from '../../src/image/archive.js';
import { gzip, hasZstd, imageConfig, makeTar, rawHeader, sha256, tempDir, withDeclaredSize, writeDockerArchive, writeOciDirectory, zstd } from './helpers.js';

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir.remove();
});

async function simpleLayer(): Promise<Buffer> {
  return makeTar([{ name: 'etc/' }, { name: 'etc/hostname', data: 'box\n' }, { name: 'bin/sh', data: 'S'.repeat(3000) }]);
}

/** Run inspect (or `read`) and return the error it fails with (failing the test when it does not fail, or fails with something else). */
async function archiveError(path: string, read: () => Promise<unknown> = () => inspectImage(path)): Promise<Dock2nixError> {
  try {
    await read();
  } catch (error) {
    expect(error).toBeInstanceOf(Dock2nixError);
    const failure = error as Dock2nixError;
    expect(failure.oneLine()).not.toContain('\n');
    return failure;
  }
  throw new Error(`inspect of ${path} did not fail`);
}

/**
 * The one-line error of each way an archive is read: inspect of the plain archive (layers listed by seeking),
 * reading it with file hashes (diff, audit: layers streamed), and inspect of the same archive gzip-compressed
 * (one streaming pass). They must all be the same line; it is returned.
 */
async function sameErrorFromEveryReader(path: string): Promise<string> {
  const seeking = (await archiveError(path)).oneLine();
  const hashing = (await archiveError(path, () => loadImages(path, { hashFiles: true }))).oneLine();
  const compressed = `${path}.gz`;
  await writeFile(compressed, gzip(await readFile(path)));
  const streaming = (await archiveError(compressed)).oneLine().replace(compressed, path);
  expect(hashing).toBe(seeking);
  expect(streaming).toBe(seeking);
  return seeking;
}

describe('hostile or broken archives', () => {
  it('a corrupt gzip layer: one-line E_ARCHIVE naming the layer', async () => {
    const good = gzip(await simpleLayer());
    const bad = Buffer.from(good);
    bad.fill(0x55, 20, 60); // inside the deflate stream
    const path = await writeDockerArchive(join(dir.path, 'bad-gzip.tar'), { blobs: [bad], tars: [await simpleLayer()] });
    const error = await archiveError(path);
    expect(error.code).toBe('E_ARCHIVE');
    expect(await sameErrorFromEveryReader(path)).toMatch(/bad-gzip\.tar: layer 0 [a-f0-9]{64}\.tar: corrupt gzip data/);
  });

  it('a corrupt or truncated zstd layer: one-line E_ARCHIVE', async (context) => {
    if (!(await hasZstd())) {
      console.warn('skipping zstd case: the zstd command is not installed');
      context.skip();
    }
    const good = await zstd(await simpleLayer());
    const truncated = good.subarray(0, good.length - 10);
    const error = await archiveError(await writeDockerArchive(join(dir.path, 'trunc-zstd.tar'), { blobs: [truncated] }));
    expect(error.oneLine()).toMatch(/layer 0 .*: (corrupt zstd data|truncated)/);
    const garbled = Buffer.from(good);
    garbled.fill(0xff, 12, good.length - 4);
    const garbledError = await archiveError(await writeDockerArchive(join(dir.path, 'bad-zstd.tar'), { blobs: [garbled] }));
    expect(garbledError.code).toBe('E_ARCHIVE');
    expect(garbledError.oneLine()).toMatch(/layer 0 .*: (corrupt zstd data|truncated|corrupt tar)/);
  });

  it('a zstd frame that declares a huge window is refused before anything is allocated', async () => {
    // Magic, descriptor (no single segment), window descriptor 0xA1: exponent 20, mantissa 1, so 2^30 + 2^27 bytes.
    const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa1]), Buffer.alloc(600, 1)]);
    const error = await archiveError(await writeDockerArchive(join(dir.path, 'zstd-window.tar'), { blobs: [frame] }));
    expect(error.oneLine()).toMatch(/declares a 1152 MiB window/);
  });

  it('a huge window behind a skippable frame or in a later frame is refused too (every frame header is read)', async () => {
    const huge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa1]);
    // A skippable frame (magic 0x184D2A50, 16 bytes of content) first.
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 16, 0, 0, 0]), Buffer.alloc(16, 7)]);
    const behindSkippable = Buffer.concat([skippable, huge, Buffer.alloc(600, 1)]);
    const first = await archiveError(await writeDockerArchive(join(dir.path, 'zstd-skippable.tar'), { blobs: [behindSkippable] }));
    expect(first.oneLine()).toMatch(/declares a 1152 MiB window/);
    // A valid empty frame (1 KiB window, one last raw block of 0 bytes, with a checksum) and then the huge one.
    const empty = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00, 0x01, 0x00, 0x00, 0xef, 0xbe, 0xad, 0xde]);
    const later = Buffer.concat([empty, huge, Buffer.alloc(600, 1)]);
    const second = await archiveError(await writeDockerArchive(join(dir.path, 'zstd-later.tar'), { blobs: [later] }));
    expect(second.oneLine()).toMatch(/declares a 1152 MiB window/);
  });

  it('nested indexes that list the same index over and over are walked once each, not fanned out', async () => {
    const layout = join(dir.path, 'fan-out');
    await writeOciDirectory(layout, { blobs: [await makeTar([{ name: 'f', data: 'x' }])], nested: true });
    const top = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<Record<string, unknown>> };
    // Four levels, each listing the level below 300 times: 300^4 walks if each listing were followed.
    let below = top.manifests[0]!;
    for (let level = 0; level < 3; level++) {
      const data = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: Array.from({ length: 300 }, () => below) }));
      await writeFile(join(layout, 'blobs/sha256', sha256(data)), data);
      below = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${sha256(data)}`, size: data.length };
    }
    await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: Array.from({ length: 300 }, () => below) }));
    const images = await loadImages(layout, { hashFiles: false });
    expect(images.map((image) => image.ref.name)).toEqual(['oci-test (linux/amd64)']);
  });

  it('an index listing more distinct documents than the cap: one-line E_ARCHIVE', async () => {
    const layout = join(dir.path, 'many-documents');
    await writeOciDirectory(layout, { blobs: [await makeTar([{ name: 'f', data: 'x' }])], nested: true });
    const top = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<Record<string, unknown>> };
    const indexes = [];
    for (let i = 0; i < 300; i++) {
      const data = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [top.manifests[0]], annotations: { n: String(i) } }));
      await writeFile(join(layout, 'blobs/sha256', sha256(data)), data);
      indexes.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${sha256(data)}`, size: data.length });
    }
    await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: indexes }));
    const error = await archiveError(layout);
    expect(error.code).toBe('E_ARCHIVE');
    expect(error.oneLine()).toMatch(/more than 256 distinct manifests and indexes/);
  });

  it('an OCI layout whose blobs are links: links inside the layout are read, links leaving it are refused', async () => {
    const layout = join(dir.path, 'linked-blobs');
    await writeOciDirectory(layout, { blobs: [await makeTar([{ name: 'f', data: 'x' }])] });
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    const manifestBlob = join(layout, 'blobs/sha256', index.manifests[0]!.digest.slice('sha256:'.length));
    // Inside: the manifest blob moved aside and linked back.
    await rename(manifestBlob, join(layout, 'moved-manifest'));
    await symlink('../../moved-manifest', manifestBlob);
    expect((await inspectImage(layout)).format).toBe('oci-layout');
    // Outside: the same blob now links to a host file.
    await unlink(manifestBlob);
    const secret = join(dir.path, 'host-secret.json');
    await writeFile(secret, '{"schemaVersion":2,"secret":"from the host"}');
    await symlink(secret, manifestBlob);
    const error = await archiveError(layout);
    expect(error.code).toBe('E_ARCHIVE');
    expect(error.oneLine()).toMatch(/is a link to a file outside the image layout; refusing to read it$/);
    expect(error.oneLine()).not.toContain('from the host');
  });

  it('a truncated archive: E_ARCHIVE, not a crash', async () => {
    const layer = await makeTar([{ name: 'big', data: 'B'.repeat(100_000) }]);
    const path = await writeDockerArchive(join(dir.path, 'whole.tar'), { blobs: [layer] });
    const whole = await readFile(path);
    const cut = join(dir.path, 'cut.tar');
    await writeFile(cut, whole.subarray(0, 50_000));
    const error = await archiveError(cut);
    expect(error.code).toBe('E_ARCHIVE');
    expect(error.oneLine()).toContain('truncated');
  });

  it('a corrupt gzip-compressed archive (not layer): E_ARCHIVE about the archive itself', async () => {
    const layer = await makeTar([{ name: 'big', data: randomBytes(200_000) }]);
    const path = await writeDockerArchive(join(dir.path, 'outer-bad.tar.gz'), { blobs: [layer], compress: 'gzip' });
    const data = await readFile(path);
    data.fill(0x00, 1000, 3000);
    await writeFile(path, data);
    const error = await archiveError(path);
    expect(error.oneLine()).toMatch(/outer-bad\.tar\.gz: cannot read the archive: corrupt gzip data/);
  });

  it('a truncated layer tar inside a well-formed archive: E_ARCHIVE naming the layer', async () => {
    const layer = await makeTar([{ name: 'big', data: 'B'.repeat(100_000) }]);
    const path = await writeDockerArchive(join(dir.path, 'short-layer.tar'), { blobs: [layer.subarray(0, 40_000)], tars: [layer] });
    expect(await sameErrorFromEveryReader(path)).toMatch(/layer 0 [a-f0-9]{64}\.tar: truncated tar \(unexpected end of data\)$/);
  });

  it('a layer tar with a corrupt header, or a pax header past the size cap: the same line from every reader', async () => {
    const layer = await makeTar([
      { name: 'first', data: 'F'.repeat(2000) },
      { name: 'second', data: 'S'.repeat(3000) },
    ]);
    const corrupt = Buffer.from(layer);
    corrupt.writeUInt8(corrupt.readUInt8(512 + 2048 + 5) ^ 0x01, 512 + 2048 + 5); // the second header's name
    const path = await writeDockerArchive(join(dir.path, 'bad-header.tar'), { blobs: [corrupt], tars: [layer] });
    expect(await sameErrorFromEveryReader(path)).toMatch(/layer 0 [a-f0-9]{64}\.tar: corrupt tar \(a header checksum does not match\)$/);
    const bigPax = Buffer.concat([rawHeader({ name: 'PaxHeader', type: 'x', size: 5 * 1024 * 1024 }), Buffer.alloc(8192)]);
    const paxPath = await writeDockerArchive(join(dir.path, 'big-pax.tar'), { blobs: [bigPax] });
    expect(await sameErrorFromEveryReader(paxPath)).toMatch(/layer 0 [a-f0-9]{64}\.tar: corrupt tar \(a pax or long-name header larger than 4 MiB\)$/);
  });

  it('a manifest naming a missing layer, or a path outside the archive', async () => {
    const layer = await simpleLayer();
    const missing = await sameErrorFromEveryReader(
      await writeDockerArchive(join(dir.path, 'missing.tar'), { blobs: [layer], layerPaths: ['nothere/layer.tar'] }),
    );
    expect(missing).toMatch(/missing\.tar: layer 0 nothere\/layer\.tar is not in the archive$/);
    const outside = await archiveError(await writeDockerArchive(join(dir.path, 'outside.tar'), { blobs: [layer], layerPaths: ['../../etc/passwd'] }));
    expect(outside.oneLine()).toContain('names "../../etc/passwd" as layer 0, outside the archive');
  });

  it('an OCI index with a digest that tries to climb out of blobs/', async () => {
    const layout = await writeOciDirectory(join(dir.path, 'oci-climb'), { blobs: [await simpleLayer()] });
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ digest: 'sha256:../../../etc/passwd', mediaType: 'application/vnd.oci.image.manifest.v1+json' }] }),
    );
    const error = await archiveError(layout);
    expect(error.oneLine()).toContain('malformed digest');
  });

  it('layer entries with ../ and absolute paths become findings; nothing is written anywhere', async () => {
    const marker = `dock2nix-escape-${process.pid}-${Date.now()}`;
    const layer = await makeTar([
      { name: `../../../../../../tmp/${marker}`, data: 'escaped' },
      { name: `/tmp/${marker}-abs`, data: 'absolute' },
      { name: 'ok/file', data: 'fine' },
    ]);
    const path = await writeDockerArchive(join(dir.path, 'climb.tar'), { blobs: [layer] });
    const report = await inspectImage(path);
    expect(report.findings.map((f) => f.message)).toEqual([expect.stringContaining('climbs out of the image root'), expect.stringContaining('is absolute')]);
    const [streamed] = await loadImages(path, { hashFiles: true });
    expect(buildImageReport(streamed!).findings).toEqual(report.findings);
    expect(report.totals.files).toBe(3);
    expect(report.largestFiles.map((f) => f.path).sort()).toEqual(['ok/file', `tmp/${marker}`, `tmp/${marker}-abs`]);
    expect(existsSync(`/tmp/${marker}`)).toBe(false);
    expect(existsSync(`/tmp/${marker}-abs`)).toBe(false);
  });

  it('an entry that declares a huge size but has no data: E_ARCHIVE, memory flat', async () => {
    const layer = await makeTar([{ name: 'huge', data: 'tiny' }]);
    const lying = withDeclaredSize(layer, 0, 8 * 1024 ** 3 - 1); // 8 GiB declared
    const before = process.memoryUsage().rss;
    expect(await sameErrorFromEveryReader(await writeDockerArchive(join(dir.path, 'huge-size.tar'), { blobs: [lying] }))).toMatch(/layer 0 .*: truncated tar/);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 ** 2);
  });

  it('an outer manifest.json declaring a huge size is not buffered', async () => {
    const path = await writeDockerArchive(join(dir.path, 'huge-manifest.tar'), { blobs: [await simpleLayer()] });
    const tar = await readFile(path);
    // The manifest is the last entry; find its header by name.
    const offset = tar.indexOf(Buffer.from('manifest.json\0'));
    expect(offset % 512).toBe(0);
    await writeFile(path, withDeclaredSize(tar, offset, 6 * 1024 ** 3));
    const error = await archiveError(path);
    expect(error.code).toBe('E_ARCHIVE');
  });

  it('a config larger than the JSON cap is refused with a clear message', async () => {
    const layer = await simpleLayer();
    const config = imageConfig([layer], { extra: { padding: 'p'.repeat(MAX_JSON_BYTES) } });
    const error = await archiveError(await writeDockerArchive(join(dir.path, 'big-config.tar'), { blobs: [layer], config }));
    expect(error.oneLine()).toMatch(/image config [a-f0-9]{64}\.json is larger than 4194304 bytes; refusing to buffer it/);
  });

  it('duplicate entries: in a layer (later wins, the first is wasted) and in the archive (said)', async () => {
    const layer = await makeTar([
      { name: 'a', data: '1234' },
      { name: 'a', data: '12' },
    ]);
    const path = await writeDockerArchive(join(dir.path, 'dups.tar'), {
      blobs: [layer],
      extra: [
        {
          name: 'manifest.json',
          data: Buffer.from(
            JSON.stringify([
              { Config: `${sha256(Buffer.from(JSON.stringify(imageConfig([layer]))))}.json`, RepoTags: ['dup:2'], Layers: [`${sha256(layer)}.tar`] },
            ]),
          ),
        },
      ],
    });
    const report = await inspectImage(path);
    const [streamed] = await loadImages(path, { hashFiles: true });
    expect(buildImageReport(streamed!).findings).toEqual(report.findings);
    expect(report.label).toBe('dup:2');
    expect(report.totals).toMatchObject({ files: 2, contentBytes: 6, wastedBytes: 4, visibleBytes: 2 });
    expect(report.wasted).toEqual([{ path: 'a', bytes: 4, layer: 0, hiddenBy: 0, reason: 'duplicate' }]);
    expect(report.findings.map((f) => f.message)).toEqual([
      expect.stringContaining('duplicate entry in the archive'),
      expect.stringContaining('duplicate entry in the layer tar'),
    ]);
  });

  it('files that are not image archives, and paths that do not exist', async () => {
    const random = join(dir.path, 'random.bin');
    await writeFile(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    expect((await archiveError(random)).oneLine()).toContain('not an image archive');
    const json = join(dir.path, 'some.json');
    await writeFile(json, '{"a":1}');
    expect((await archiveError(json)).oneLine()).toContain('not an image archive: a JSON file');
    const layerOnly = join(dir.path, 'layer-only.tar');
    await writeFile(layerOnly, await simpleLayer());
    expect((await archiveError(layerOnly)).oneLine()).toContain('no manifest.json (docker-archive) or index.json (OCI layout)');
    const absent = await archiveError(join(dir.path, 'absent.tar'));
    expect(absent.code).toBe('E_NOT_FOUND');
    const empty = join(dir.path, 'empty.tar');
    await writeFile(empty, '');
    expect((await archiveError(empty)).code).toBe('E_ARCHIVE');
  });

  it('an xz layer is refused by name of its compression', async () => {
    const xz = Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(100)]);
    expect(await sameErrorFromEveryReader(await writeDockerArchive(join(dir.path, 'xz.tar'), { blobs: [xz] }))).toContain(
      'xz-compressed layers are not supported',
    );
  });

  it('memory stays flat over a layer holding a large file (gzip bomb style, 384 MiB of zeros)', async () => {
    const size = 384 * 1024 * 1024;
    // Build the layer tar as a stream into gzip so the test itself never holds it whole.
    const { createGzip } = await import('node:zlib');
    const tarStream = (await import('tar-stream')).default;
    const pack = tarStream.pack();
    const gz = createGzip({ level: 1 });
    const chunks: Buffer[] = [];
    gz.on('data', (chunk: Buffer) => chunks.push(chunk));
    const finished = new Promise((resolve) => gz.on('end', resolve));
    pack.pipe(gz);
    const entry = pack.entry({ name: 'zeros.bin', size }) as unknown as import('node:stream').Writable;
    const block = Buffer.alloc(1024 * 1024);
    for (let written = 0; written < size; written += block.length) {
      if (!entry.write(block)) await new Promise((resolve) => entry.once('drain', resolve));
    }
    entry.end();
    pack.finalize();
    await finished;
    const blob = Buffer.concat(chunks);
    expect(blob.length).toBeLessThan(4 * 1024 * 1024);
    const path = await writeDockerArchive(join(dir.path, 'bomb.tar'), {
      blobs: [blob],
      config: { ...imageConfig([]), rootfs: { type: 'layers', diff_ids: [] } },
    });
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const report = await inspectImage(path);
    const grown = process.memoryUsage().rss - before;
    expect(report.layers[0]!.contentBytes).toBe(size);
    expect(report.layers[0]!.uncompressedBytes).toBe(size + 512 + 1024);
    expect(grown).toBeLessThan(150 * 1024 * 1024);
  }, 120_000);
});
