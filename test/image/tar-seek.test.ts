/**
 * The seeking tar reader (src/image/tar-seek.ts, scanPlainLayer) against the streaming one (tar-stream,
 * scanLayer): over the same bytes they must report the same entries and findings, and fail with the same words.
 */
import { closeSync, createReadStream, openSync } from 'node:fs';
import { link, mkdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { execa } from 'execa';
import tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectArchive, loadImages } from '../../src/image/inspect.js';
import { scanLayer, scanPlainLayer, type ScanOptions } from '../../src/image/layer-scan.js';
import { sniffBlob, TAR_PROBLEM } from '../../src/image/streams.js';
import { listTar, MAX_EXTENDED_HEADER } from '../../src/image/tar-seek.js';
import type { LayerScan } from '../../src/image/types.js';
import {
  commandExists,
  gzip,
  makeTar,
  paxBody,
  rawEntry,
  rawHeader,
  sha256,
  TAR_END,
  tempDir,
  withChecksum,
  withDeclaredSize,
  writeDockerArchive,
  writeOciDirectory,
  writeOciTar,
} from './helpers.js';

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('dock2nix-seek-');
});
afterAll(async () => {
  await dir.remove();
});

let fileCount = 0;
/** Bytes placed before the layer in its file, so the seeking reader works on a range that does not start at 0. */
const BEFORE = Buffer.alloc(1536, 0x41);
const AFTER = Buffer.alloc(700, 0x42);

/**
 * Both readers over `tar`; each gives its scan or the message of the error it threw. A blob that does not sniff
 * as a plain tar is never given to the seeking reader (archive.ts streams it): then both are the streamed result.
 */
async function readBoth(tar: Buffer, options: ScanOptions = { hashFiles: false }): Promise<{ streamed: LayerScan | string; seeked: LayerScan | string }> {
  const file = join(dir.path, `layer-${fileCount++}.bin`);
  await writeFile(file, Buffer.concat([BEFORE, tar, AFTER]));
  const source = tar.length === 0 ? (async function* () {})() : createReadStream(file, { start: BEFORE.length, end: BEFORE.length + tar.length - 1 });
  const streamed = await scanLayer(source, options).catch((error: Error) => error.message);
  if (sniffBlob(tar.subarray(0, 512)) !== 'none') return { streamed, seeked: streamed };
  const fd = openSync(file, 'r');
  let seeked: LayerScan | string;
  try {
    seeked = scanPlainLayer(fd, BEFORE.length, tar.length, options);
  } catch (error) {
    seeked = (error as Error).message;
  } finally {
    closeSync(fd);
  }
  return { streamed, seeked };
}

/** Both readers read `tar` and agree on everything; the (seeking) scan. */
async function expectSameScan(tar: Buffer): Promise<LayerScan> {
  const { streamed, seeked } = await readBoth(tar);
  if (typeof streamed === 'string') throw new Error(`the streaming reader failed: ${streamed}`);
  expect(seeked).toEqual(streamed);
  expect((seeked as LayerScan).storedDigest).toBeUndefined(); // nothing hashed unless asked
  return seeked as LayerScan;
}

/** Both readers fail on `tar`, with the same one-line message; that message. */
async function expectSameFailure(tar: Buffer): Promise<string> {
  const { streamed, seeked } = await readBoth(tar);
  expect(typeof streamed, 'the streaming reader should fail').toBe('string');
  expect(seeked).toBe(streamed);
  expect(seeked).not.toContain('\n');
  return seeked as string;
}

async function packTar(
  entries: { header: Partial<tarStream.Header> & { name: string; pax?: Record<string, string> }; data?: Buffer | string }[],
): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const { header, data } of entries) {
    await new Promise<void>((resolve, reject) => {
      if (data !== undefined) pack.entry(header, Buffer.from(data), (error) => (error ? reject(error) : resolve()));
      else pack.entry(header, (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('the seeking reader reports what the streaming reader reports', () => {
  it('tar-stream tars: files, directories, symlinks, hard links, whiteouts, empty files, odd paths, duplicates', async () => {
    const scan = await expectSameScan(
      await makeTar([
        { name: './' },
        { name: 'etc/' },
        { name: 'etc/hostname', data: 'box\n', mode: 0o640, uid: 1000, gid: 100, uname: 'app', gname: 'users' },
        { name: 'bin/sh', data: 'S'.repeat(3000), mode: 0o4755 },
        { name: 'bin/sh2', type: 'link', linkname: 'bin/sh' },
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { name: 'var/empty', data: '' },
        { name: 'data/.wh.old.txt', data: '' },
        { name: 'srv/.wh..wh..opq', data: '' },
        { name: '/abs/file', data: 'a' },
        { name: '../../climb', data: 'c' },
        { name: 'ünïcødé/файл', data: 'u' },
        { name: 'etc/hostname', data: 'again\n' },
      ]),
    );
    expect(scan.entries.map((entry) => entry.path)).toEqual([
      'etc',
      'etc/hostname',
      'bin/sh',
      'bin/sh2',
      'lib',
      'var/empty',
      'data/.wh.old.txt',
      'srv/.wh..wh..opq',
      'abs/file',
      'climb',
      'ünïcødé/файл',
      'etc/hostname',
    ]);
    expect(scan.entries[1]).toEqual({
      path: 'etc/hostname',
      type: 'file',
      size: 4,
      mode: 0o640,
      uid: 1000,
      gid: 100,
      uname: 'app',
      gname: 'users',
      mtime: 1704067200,
    });
    expect(scan.entries.filter((entry) => entry.whiteout).map((entry) => entry.whiteout)).toEqual(['file', 'opaque']);
    expect(scan.entries[3]).toMatchObject({ type: 'hardlink', linkname: 'bin/sh', size: 0 });
    expect(scan.findings.map((finding) => finding.message)).toEqual([
      expect.stringContaining('is absolute'),
      expect.stringContaining('climbs out'),
      expect.stringContaining('duplicate entry in the layer tar'),
    ]);
  });

  it('pax headers: long names and link targets, xattrs, fractional and extra time stamps', async () => {
    const longName = `${'deep/'.repeat(40)}${'n'.repeat(120)}.txt`;
    const scan = await expectSameScan(
      await packTar([
        { header: { name: 'x'.repeat(150), mode: 0o644, mtime: new Date(0) }, data: 'long' },
        { header: { name: longName, mode: 0o600, mtime: new Date(0) }, data: 'deep' },
        { header: { name: 'link', type: 'symlink', linkname: `target/${'t'.repeat(130)}`, mtime: new Date(0) } },
        {
          header: {
            name: 'attrs',
            mode: 0o644,
            mtime: new Date(0),
            pax: {
              'SCHILY.xattr.user.mime_type': 'text/plain',
              'LIBARCHIVE.xattr.security.selinux': 'c3lzdGVt',
              mtime: '1700000000.123456789',
              atime: '1700000001.5',
              ctime: '1700000002.25',
            },
          },
          data: 'x',
        },
      ]),
    );
    expect(scan.entries.map((entry) => entry.path)).toEqual(['x'.repeat(150), longName, 'link', 'attrs']);
    expect(scan.entries[2]!.linkname).toBe(`target/${'t'.repeat(130)}`);
    expect(scan.entries[3]).toMatchObject({
      mtime: Number('1700000000.123456789'),
      paxTimes: 'atime=1700000001.5 ctime=1700000002.25',
      xattrs: 'security.selinux=c3lzdGVt user.mime_type=text/plain',
    });
  });

  it('headers written by hand: pax size and path, global pax, GNU long names, base-256 and ustar prefixes, odd types', async () => {
    const pax = (records: Record<string, string>, type = 'x'): Buffer => rawEntry({ name: 'PaxHeaders/x', type }, paxBody(records));
    const base256Five = Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]);
    const tar = Buffer.concat([
      // A pax size and path override the header's.
      pax({ path: 'from/pax/name', size: '5', mtime: '1.5' }),
      rawHeader({ name: 'short', size: 0 }),
      Buffer.concat([Buffer.from('hello'), Buffer.alloc(507)]),
      // A global header reaches the entries that have a pax header of their own (as tar-stream reads it).
      pax({ 'SCHILY.xattr.user.origin': 'global', mtime: '2.5' }, 'g'),
      rawEntry({ name: 'no-own-pax' }, 'a'),
      pax({ 'SCHILY.xattr.user.own': 'yes' }),
      rawEntry({ name: 'own-pax' }, 'b'),
      // GNU long name and long link target.
      rawEntry({ name: '././@LongLink', type: 'L', format: 'gnu' }, `${'l'.repeat(200)}\0`),
      rawEntry({ name: '././@LongLink', type: 'K', format: 'gnu' }, `${'k'.repeat(150)}\0`),
      rawEntry({ name: 'short-name', type: '2', linkname: 'short-target', format: 'gnu' }),
      // A size in base-256.
      rawHeader({ name: 'binary-size', sizeField: base256Five }),
      Buffer.concat([Buffer.from('12345'), Buffer.alloc(507)]),
      // ustar joins a prefix to the name; GNU tars use those bytes for other things.
      rawEntry({ name: 'file', prefix: 'some/prefix' }, 'p'),
      rawEntry({ name: 'gnu-file', prefix: 'not/a/prefix', format: 'gnu' }, 'g'),
      rawEntry({ name: 'v7-file', format: 'v7' }, 'v'),
      // A directory's size is not followed by data; unknown types are read as files; devices are "other".
      rawHeader({ name: 'dir/', type: '5', size: 4096 }),
      rawEntry({ name: 'sparse', type: 'S' }, 'sparse data'),
      rawEntry({ name: 'dev/null', type: '3' }),
      rawEntry({ name: 'fifo', type: '6' }),
      TAR_END,
    ]);
    const scan = await expectSameScan(tar);
    const byPath = new Map(scan.entries.map((entry) => [entry.path, entry]));
    expect(byPath.get('from/pax/name')).toMatchObject({ size: 5, mtime: 1.5 });
    expect(byPath.get('no-own-pax')?.xattrs).toBeUndefined();
    expect(byPath.get('own-pax')).toMatchObject({ xattrs: 'user.origin=global user.own=yes', mtime: 2.5 });
    expect(byPath.get('l'.repeat(200))).toMatchObject({ type: 'symlink', linkname: 'k'.repeat(150) });
    expect(byPath.get('binary-size')?.size).toBe(5);
    expect(byPath.get('some/prefix/file')?.size).toBe(1);
    expect(byPath.has('gnu-file')).toBe(true);
    expect(byPath.get('v7-file')).toMatchObject({ uname: '', gname: '' });
    expect(byPath.get('dir')).toMatchObject({ type: 'directory', size: 0 });
    expect(byPath.get('sparse')).toMatchObject({ type: 'file', size: 11 });
    expect([byPath.get('dev/null')?.type, byPath.get('fifo')?.type]).toEqual(['other', 'other']);
  });

  it('GNU, v7 and POSIX tars written by the system tar', async (context) => {
    if (!(await commandExists('tar'))) {
      console.warn('skipping: no tar command');
      context.skip();
    }
    const source = join(dir.path, 'tree');
    const deep = join(source, 'd'.repeat(60), 'e'.repeat(60));
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, 'file-with-a-long-path'), 'deep\n');
    await writeFile(join(source, 'a'), 'hi\n');
    await link(join(source, 'a'), join(source, 'hard'));
    await symlink('x'.repeat(120), join(source, 'long-link'));
    await writeFile(join(source, '.wh.gone'), '');
    await utimes(join(source, 'a'), 1_700_000_000.5, 1_700_000_000.5);
    const short = join(dir.path, 'short-tree');
    await mkdir(join(short, 'sub'), { recursive: true });
    await writeFile(join(short, 'sub/f'), 'v7\n');
    await symlink('f', join(short, 'sub/l'));
    await link(join(short, 'sub/f'), join(short, 'sub/h'));

    const tarOf = async (args: string[]): Promise<Buffer> => {
      const out = join(dir.path, `system-${fileCount++}.tar`);
      await execa('tar', ['--sort=name', '-cf', out, ...args]);
      return readFile(out);
    };
    const gnu = await expectSameScan(await tarOf(['--format=gnu', '--owner=big:4000000', '--group=big:4000001', '-C', source, '.']));
    expect(gnu.entries.find((entry) => entry.path.endsWith('file-with-a-long-path'))?.path.length).toBeGreaterThan(100);
    expect(gnu.entries.find((entry) => entry.path === 'long-link')?.linkname).toBe('x'.repeat(120));
    expect(gnu.entries.every((entry) => entry.uid === 4000000 && entry.gid === 4000001)).toBe(true); // base-256 fields
    const posix = await expectSameScan(await tarOf(['--format=posix', '-C', source, '.']));
    expect(posix.entries.find((entry) => entry.path === 'a')?.mtime).toBe(1_700_000_000.5);
    expect(posix.entries.find((entry) => entry.path === '.wh.gone')?.whiteout).toBe('file');
    const v7 = await expectSameScan(await tarOf(['--format=v7', '-C', short, '.']));
    expect(v7.entries.map((entry) => [entry.path, entry.type])).toEqual([
      ['sub', 'directory'],
      ['sub/f', 'file'],
      ['sub/h', 'hardlink'],
      ['sub/l', 'symlink'],
    ]);
  });

  it('empty layers: no bytes, one or two zero blocks, or entries with no end marker', async () => {
    for (const tar of [Buffer.alloc(0), Buffer.alloc(512), await makeTar([]), rawEntry({ name: 'only' }, 'no end marker follows')]) {
      const scan = await expectSameScan(tar);
      expect(scan.uncompressedBytes).toBe(tar.length);
    }
  });

  it('random headers, numeric fields holding anything (fast-check)', async () => {
    const field = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((bytes) => Buffer.from(bytes));
    const numericText = (length: number) =>
      fc.oneof(
        fc.nat(8 ** (length - 1) - 1).map((value) => Buffer.from(`${value.toString(8).padStart(length - 1, '0')}\0`, 'latin1')),
        fc
          .constantFrom(' 644 \0 ', '\0\0\0\0\0\0\0\0', '-17', '+17', '\t17', 'zz', '0000000', '       ')
          .map((text) => Buffer.from(text.padEnd(length, '\0').slice(0, length), 'latin1')),
        field(length),
      );
    const header = fc.record({
      name: fc.string({ minLength: 1, maxLength: 60 }).filter((name) => !name.includes('\0')),
      type: fc.constantFrom('0', '\0', '1', '2', '3', '5', '6', '7', 'S', 'V', 'D'),
      format: fc.constantFrom('ustar' as const, 'gnu' as const, 'v7' as const),
      prefix: fc.option(
        fc.string({ maxLength: 20 }).filter((text) => !text.includes('\0')),
        { nil: undefined },
      ),
      uname: fc.string({ maxLength: 10 }).filter((text) => !text.includes('\0')),
      mode: numericText(8),
      uid: numericText(8),
      gid: numericText(8),
      mtime: numericText(12),
      size: fc.nat(1200),
      linkname: fc.string({ maxLength: 30 }).filter((text) => !text.includes('\0')),
      // A pax, global pax or GNU long-name header before the entry. Not an empty one: tar-stream loses its
      // place after an extended header of size 0 (see the test of that below).
      extended: fc.option(
        fc.oneof(
          fc.record({
            type: fc.constantFrom('x', 'g'),
            records: fc.dictionary(
              fc.constantFrom('path', 'linkpath', 'mtime', 'atime', 'uname', 'SCHILY.xattr.user.k', 'comment'),
              fc.string({ maxLength: 20 }).filter((text) => !/[\0\n]/.test(text)),
              { minKeys: 1 },
            ),
          }),
          fc.record({ type: fc.constantFrom('L', 'K'), records: fc.string({ maxLength: 200 }).map((text) => ({ text })) }),
        ),
        { nil: undefined },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(header, { minLength: 1, maxLength: 4 }), fc.nat(), async (headers, flip) => {
        const blocks = headers.map((h) => {
          const block = rawHeader({ name: h.name, type: h.type, format: h.format, prefix: h.prefix, uname: h.uname, size: h.size, linkname: h.linkname });
          h.mode.copy(block, 100);
          h.uid.copy(block, 108);
          h.gid.copy(block, 116);
          h.mtime.copy(block, 136);
          withChecksum(block, 0);
          const dataBlocks = h.type === '5' ? 0 : Math.ceil(h.size / 512);
          const extended = !h.extended
            ? []
            : h.extended.type === 'L' || h.extended.type === 'K'
              ? [rawEntry({ name: '././@LongLink', type: h.extended.type, format: 'gnu' }, `${(h.extended.records as { text: string }).text}\0`)]
              : [rawEntry({ name: 'pax', type: h.extended.type }, paxBody(h.extended.records as Record<string, string>))];
          return Buffer.concat([...extended, block, Buffer.alloc(dataBlocks * 512, 0x61)]);
        });
        const tar = Buffer.concat(blocks);
        const { streamed, seeked } = await readBoth(Buffer.concat([tar, TAR_END]));
        expect(seeked).toEqual(streamed);
        // One byte changed anywhere before the end marker: both still agree (on entries, or on the error).
        const damaged = Buffer.concat([tar, TAR_END]);
        damaged.writeUInt8(damaged.readUInt8(flip % tar.length) ^ 0x10, flip % tar.length);
        const broken = await readBoth(damaged);
        expect(broken.seeked).toEqual(broken.streamed);
      }),
      { numRuns: 500 },
    );
  });

  it('an extended header with an empty body is read as no header (tar-stream, streaming, loses its place after one)', async () => {
    const tar = Buffer.concat([
      rawHeader({ name: 'pax', type: 'x', size: 0 }),
      rawEntry({ name: 'after-empty-pax' }, 'x'),
      rawEntry({ name: 'next' }, 'y'),
      TAR_END,
    ]);
    const { seeked } = await readBoth(tar);
    expect((seeked as LayerScan).entries.map((entry) => [entry.path, entry.size])).toEqual([
      ['after-empty-pax', 1],
      ['next', 1],
    ]);
  });

  it('digests, when asked for: one sha256 of the layer, as the streaming reader computes it', async () => {
    const tar = await makeTar([{ name: 'a', data: 'x'.repeat(5000) }]);
    const { streamed, seeked } = await readBoth(tar, { hashFiles: false, digests: true });
    expect(seeked).toEqual(streamed);
    expect((seeked as LayerScan).storedDigest).toBe(`sha256:${sha256(tar)}`);
    expect((seeked as LayerScan).tarDigest).toBe(`sha256:${sha256(tar)}`);
  });
});

describe('broken tars: the seeking reader fails as the streaming one does', () => {
  const twoFiles = async (): Promise<Buffer> =>
    makeTar([
      { name: 'first', data: 'F'.repeat(2000) },
      { name: 'second', data: 'S'.repeat(100_000) },
    ]);

  it('cut inside file data, inside a header, inside a pax body, or before the padding', async () => {
    const tar = await twoFiles();
    const secondHeader = 512 + 2048;
    expect(await expectSameFailure(tar.subarray(0, 40_000))).toBe(TAR_PROBLEM.truncated);
    expect(await expectSameFailure(tar.subarray(0, secondHeader + 100))).toBe(TAR_PROBLEM.truncated);
    const paxed = Buffer.concat([rawEntry({ name: 'p', type: 'x' }, paxBody({ path: 'y'.repeat(600) })), rawEntry({ name: 'f' }, 'z')]);
    expect(await expectSameFailure(paxed.subarray(0, 700))).toBe(TAR_PROBLEM.truncated);
    expect(await expectSameFailure(rawEntry({ name: 'f' }, 'D'.repeat(100)).subarray(0, 612))).toBe(TAR_PROBLEM.truncated);
  });

  it('a header whose checksum does not match', async () => {
    const tar = await twoFiles();
    tar.writeUInt8(tar.readUInt8(512 + 2048 + 10) ^ 0x20, 512 + 2048 + 10); // a byte of the second header's name
    expect(await expectSameFailure(tar)).toBe(TAR_PROBLEM.checksum);
  });

  it('an entry declaring 8 GiB it does not have: truncated, nothing allocated', async () => {
    const lying = withDeclaredSize(await makeTar([{ name: 'huge', data: 'tiny' }]), 0, 8 * 1024 ** 3 - 1);
    expect(await expectSameFailure(lying)).toBe(TAR_PROBLEM.truncated);
  });

  it('a pax header larger than the cap, a negative size, a pax size that is no number', async () => {
    const bigPax = Buffer.concat([rawHeader({ name: 'p', type: 'x', size: MAX_EXTENDED_HEADER + 1 }), Buffer.alloc(4096)]);
    expect(await expectSameFailure(bigPax)).toBe(TAR_PROBLEM.extendedHeader);
    const negative = rawHeader({ name: 'n', sizeField: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]) });
    expect(await expectSameFailure(Buffer.concat([negative, TAR_END]))).toBe(TAR_PROBLEM.size);
    const nonsense = Buffer.concat([rawEntry({ name: 'p', type: 'x' }, paxBody({ size: 'lots' })), rawHeader({ name: 'f' }), TAR_END]);
    expect(await expectSameFailure(nonsense)).toBe(TAR_PROBLEM.size);
  });

  it('the seeking reader stops at the end-of-archive marker, as tar -t does, and reads nothing after it', async () => {
    const tar = Buffer.concat([rawEntry({ name: 'kept' }, 'k'), TAR_END, Buffer.alloc(2048, 0x55)]);
    const file = join(dir.path, 'after-end.tar');
    await writeFile(file, tar);
    const fd = openSync(file, 'r');
    const names: string[] = [];
    try {
      listTar(fd, 0, tar.length, ({ header }) => names.push(header.name));
    } finally {
      closeSync(fd);
    }
    expect(names).toEqual(['kept']);
  });
});

describe('whole archives: read by seeking (plain archive) and by streaming (compressed archive or hashing)', () => {
  const layers = async (): Promise<{ tars: Buffer[]; blobs: Buffer[] }> => {
    const tars = [
      await makeTar([
        { name: 'etc/' },
        { name: 'etc/app.conf', data: 'one\n' },
        { name: 'data/old', data: 'x'.repeat(700) },
        { name: 'bin/tool', data: 'T'.repeat(5000), mode: 0o755 },
      ]),
      await packTar([
        { header: { name: 'etc/app.conf', mtime: new Date(0), pax: { mtime: '12.5', 'SCHILY.xattr.user.a': 'b' } }, data: 'two\n' },
        { header: { name: `${'long/'.repeat(30)}name`, mtime: new Date(0) }, data: 'L' },
      ]),
      await makeTar([
        { name: 'data/.wh.old', data: '' },
        { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
        { name: 'lib2', type: 'link', linkname: 'bin/tool' },
      ]),
      await makeTar([]),
    ];
    return { tars, blobs: [tars[0]!, gzip(tars[1]!), tars[2]!, gzip(tars[3]!)] };
  };

  it('a docker-archive with plain and gzip layers: the same report either way, with and without --verify', async () => {
    const { tars, blobs } = await layers();
    const plain = await writeDockerArchive(join(dir.path, 'mixed.tar'), { blobs, tars, legacySymlinks: true });
    const compressed = await writeDockerArchive(join(dir.path, 'mixed.tar.gz'), { blobs, tars, legacySymlinks: true, compress: 'gzip' });
    for (const verify of [false, true]) {
      const seeking = await inspectArchive(plain, 'x', { verify });
      const streaming = await inspectArchive(compressed, 'x', { verify });
      const strip = (report: typeof seeking) => report.images.map(({ source, archiveCompression, ...rest }) => rest);
      expect(strip(seeking)).toEqual(strip(streaming));
      expect(seeking.images[0]!.findings).toEqual([]);
      expect(seeking.images[0]!.totals).toMatchObject({ layers: 4, files: 5, wastedBytes: 704 });
    }
  });

  it('entries found by seeking are the hashing (streaming) reader entries without their sha256', async () => {
    const { tars, blobs } = await layers();
    for (const path of [
      await writeDockerArchive(join(dir.path, 'hash-docker.tar'), { blobs, tars }),
      await writeOciTar(join(dir.path, 'hash-oci.tar'), { blobs, tars }),
      await writeOciDirectory(join(dir.path, 'hash-oci-dir'), { blobs, tars }),
    ]) {
      const [seeking] = await loadImages(path, { hashFiles: false });
      const [hashing] = await loadImages(path, { hashFiles: true });
      const withoutHashes = hashing!.scans.map((scan) => scan.entries.map(({ sha256: _, ...entry }) => entry));
      expect(seeking!.scans.map((scan) => scan.entries)).toEqual(withoutHashes);
      expect(hashing!.scans[0]!.entries.find((entry) => entry.path === 'bin/tool')?.sha256).toBe(sha256(Buffer.from('T'.repeat(5000))));
      expect(hashing!.scans.map((scan) => scan.tarDigest)).toEqual(tars.map((tar) => `sha256:${sha256(tar)}`));
      expect(seeking!.scans.map((scan) => scan.tarDigest)).toEqual([undefined, undefined, undefined, undefined]);
    }
  });
});
