/**
 * Access to what an image archive holds, without extracting it: small JSON documents (buffered, capped)
 * and layer blobs (scanned, only their summaries kept).
 *
 * An uncompressed tar archive (the usual case: `docker save`, `buildah push`, OCI archives) is indexed first:
 * its headers are listed by seeking, then documents and layers are read where they lie, when asked for. A plain
 * layer is listed by seeking too; a gzip or zstd one streams its byte range through the decompressor.
 *
 * A compressed archive cannot be sought in, so it is read in ONE streaming pass: a docker-archive's
 * manifest.json may come after the layers, so every blob that looks like a layer is scanned when it passes
 * and its summary kept under its path; the manifest is interpreted afterwards.
 *
 * A directory (OCI image layout) is read file by file, on demand, like an indexed archive.
 */
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Dock2nixError } from '../errors.js';
import { scanLayer, scanPlainLayer, type ScanOptions } from './layer-scan.js';
import { normaliseEntryPath, resolveLinkTarget } from './paths.js';
import { CapExceeded, decompress, describeStreamError, peek, readCapped, sniffBlob, SNIFF_BYTES, walkTar, type ByteSource } from './streams.js';
import { listTar, readFully } from './tar-seek.js';
import type { Compression, Finding, LayerScan } from './types.js';

/** Largest JSON document (manifest, index, config) read into memory. */
export const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Largest total of JSON documents buffered from one tar archive. */
export const MAX_JSON_TOTAL = 32 * 1024 * 1024;

export interface ArchiveContents {
  source: string;
  container: 'tar' | 'directory';
  compression: Compression;
  findings: Finding[];
  has(path: string): boolean;
  readJson(path: string, what: string): Promise<unknown>;
  scanBlob(path: string, what: string): Promise<LayerScan>;
}

export async function openArchive(source: string, options: ScanOptions): Promise<ArchiveContents> {
  let info;
  try {
    info = await stat(source);
  } catch {
    throw new Dock2nixError('E_NOT_FOUND', `no such file or directory: ${source}`);
  }
  if (info.isDirectory()) return new DirectoryContents(source, options);
  if (!info.isFile()) throw new Dock2nixError('E_ARCHIVE', 'not a regular file or a directory', { file: source });
  return readTarArchive(source, options);
}

function archiveError(source: string, message: string): Dock2nixError {
  return new Dock2nixError('E_ARCHIVE', message, { file: source });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readTarArchive(source: string, options: ScanOptions): Promise<ArchiveContents> {
  const head = await readHead(source);
  const compression = sniffBlob(head);
  if (compression !== 'none' && compression !== 'gzip' && compression !== 'zstd') {
    const what = compression === 'json' ? 'a JSON file' : compression === 'unknown' ? 'not a tar archive' : `${compression}-compressed, which is not supported`;
    throw archiveError(source, `not an image archive: ${what} (expected a docker-archive or OCI layout tar, plain, gzip or zstd)`);
  }
  return compression === 'none' ? indexTarArchive(source, options) : streamTarArchive(source, compression, options);
}

async function readHead(source: string): Promise<Buffer> {
  const handle = await open(source, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

interface Link {
  kind: 'link';
  target: string;
}

/** The entries of an archive's tar by normalised path, with what is odd about their names; links followed on lookup. */
class ArchiveEntries<Item extends { kind: string }> {
  readonly findings: Finding[] = [];
  private readonly items = new Map<string, Item | Link>();

  /** Take in one entry; for a regular file, return the path to `keep` it under (links are kept here, the rest dropped). */
  enter(name: string, type: string | null, linkname: string | null): string | null {
    const { path, escapes, absolute } = normaliseEntryPath(name);
    if (escapes || absolute)
      this.findings.push({ path: name, message: 'archive entry has an unsafe path (absolute or with ..); read by its normalised name, never written' });
    if (path === '') return null;
    if (this.items.has(path)) this.findings.push({ path, message: 'duplicate entry in the archive; the last one wins' });
    switch (type) {
      case 'symlink':
        this.items.set(path, { kind: 'link', target: resolveLinkTarget(path, linkname ?? '') });
        return null;
      case 'link':
        this.items.set(path, { kind: 'link', target: normaliseEntryPath(linkname ?? '').path });
        return null;
      case 'file':
      case 'contiguous-file':
        return path;
      default:
        this.items.delete(path);
        return null;
    }
  }

  keep(path: string, item: Item): void {
    this.items.set(path, item);
  }

  lookup(path: string): Item | undefined {
    let current = normaliseEntryPath(path).path;
    for (let hops = 0; hops < 16; hops++) {
      const item = this.items.get(current);
      if (item?.kind !== 'link') return item as Item | undefined;
      current = (item as Link).target;
    }
    return undefined;
  }
}

/** Where a regular file's data lies in the archive file. */
interface Member {
  kind: 'member';
  offset: number;
  size: number;
}

/** List an uncompressed archive's entries by seeking; nothing is read from their data yet. */
function indexTarArchive(source: string, options: ScanOptions): ArchiveContents {
  const entries = new ArchiveEntries<Member>();
  let fd: number | null = null;
  try {
    fd = openSync(source, 'r');
    listTar(fd, 0, fstatSync(fd).size, ({ header, dataOffset, dataSize }) => {
      const path = entries.enter(header.name, header.type, header.linkname);
      if (path !== null) entries.keep(path, { kind: 'member', offset: dataOffset, size: dataSize });
    });
  } catch (error) {
    throw archiveError(source, `cannot read the archive: ${describeStreamError(error)}`);
  } finally {
    if (fd !== null) closeSync(fd);
  }
  return new IndexedTarContents(source, entries, options);
}

/** Call `use` with the file open for reading; close it after. */
function withFile<T>(file: string, use: (fd: number) => T): T {
  const fd = openSync(file, 'r');
  try {
    return use(fd);
  } finally {
    closeSync(fd);
  }
}

/** Up to `length` bytes at `offset` of an open file. */
function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  return buffer.subarray(0, readFully(fd, buffer, length, offset));
}

/**
 * Scan the layer blob in bytes [offset, offset + size) of a file. A plain tar is listed by seeking, unless file
 * contents are to be hashed; anything else streams that byte range through `scanLayer`.
 */
async function scanBlobAt(file: string, offset: number, size: number, options: ScanOptions): Promise<LayerScan> {
  const seeking = withFile(file, (fd) => {
    if (options.hashFiles || options.capture || sniffBlob(readAt(fd, offset, Math.min(SNIFF_BYTES, size))) !== 'none') return null;
    return scanPlainLayer(fd, offset, size, options);
  });
  if (seeking) return seeking;
  if (size === 0) return scanLayer(emptySource(), options);
  const stream = createReadStream(file, { start: offset, end: offset + size - 1, highWaterMark: 256 * 1024 });
  try {
    return await scanLayer(stream, options);
  } finally {
    stream.destroy();
  }
}

async function* emptySource(): AsyncGenerator<Buffer> {}

class IndexedTarContents implements ArchiveContents {
  readonly container = 'tar' as const;
  readonly compression = 'none' as const;
  private readonly scans = new Map<number, LayerScan>();
  private readonly documents = new Map<number, Buffer>();
  private documentBytes = 0;

  constructor(
    readonly source: string,
    private readonly entries: ArchiveEntries<Member>,
    private readonly options: ScanOptions,
  ) {}

  get findings(): Finding[] {
    return this.entries.findings;
  }

  has(path: string): boolean {
    return this.entries.lookup(path) !== undefined;
  }

  private member(path: string, what: string): Member {
    const member = this.entries.lookup(path);
    if (!member) throw archiveError(this.source, `${what} ${path} is not in the archive`);
    return member;
  }

  async readJson(path: string, what: string): Promise<unknown> {
    const member = this.member(path, what);
    let data = this.documents.get(member.offset);
    if (!data) {
      data = withFile(this.source, (fd) => {
        if (sniffBlob(readAt(fd, member.offset, Math.min(SNIFF_BYTES, member.size))) !== 'json')
          throw archiveError(this.source, `${what} ${path} is not a JSON document`);
        if (member.size > MAX_JSON_BYTES || this.documentBytes + member.size > MAX_JSON_TOTAL) {
          throw archiveError(this.source, `${what} ${path} is larger than ${MAX_JSON_BYTES} bytes; refusing to buffer it`);
        }
        return readAt(fd, member.offset, member.size);
      });
      this.documentBytes += data.length;
      this.documents.set(member.offset, data);
    }
    return parseJson(data, this.source, `${what} ${path}`);
  }

  async scanBlob(path: string, what: string): Promise<LayerScan> {
    const member = this.member(path, what);
    const cached = this.scans.get(member.offset);
    if (cached) return cached;
    try {
      const scan = await scanBlobAt(this.source, member.offset, member.size, this.options);
      this.scans.set(member.offset, scan);
      return scan;
    } catch (error) {
      throw archiveError(this.source, `${what} ${path}: ${messageOf(error)}`);
    }
  }
}

type Stored =
  | { kind: 'json'; data: Buffer }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'layer'; scan: LayerScan }
  | { kind: 'unreadable'; message: string }
  | { kind: 'other' };

/** Read a compressed archive in one streaming pass, keeping documents and layer summaries as they pass. */
async function streamTarArchive(source: string, compression: Compression, options: ScanOptions): Promise<ArchiveContents> {
  const entries = new ArchiveEntries<Stored>();
  let jsonTotal = 0;

  const readStoredBlob = async (body: ByteSource, declared: number): Promise<Stored> => {
    const { head: blobHead, rest } = await peek(body, SNIFF_BYTES);
    const kind = sniffBlob(blobHead);
    if (kind === 'json') {
      if (declared > MAX_JSON_BYTES) return { kind: 'too-large', bytes: declared };
      if (jsonTotal + declared > MAX_JSON_TOTAL) return { kind: 'too-large', bytes: declared };
      try {
        const data = await readCapped(rest, MAX_JSON_BYTES);
        jsonTotal += data.length;
        return { kind: 'json', data };
      } catch (error) {
        if (error instanceof CapExceeded) return { kind: 'too-large', bytes: declared };
        throw error;
      }
    }
    if (kind === 'unknown') return { kind: 'other' };
    try {
      return { kind: 'layer', scan: await scanLayer(rest, options) };
    } catch (error) {
      if (error instanceof OuterFailure) throw error;
      return { kind: 'unreadable', message: messageOf(error) };
    }
  };

  const file = createReadStream(source, { highWaterMark: 256 * 1024 });
  try {
    await walkTar(outerSource(file, compression), async (header, body) => {
      const path = entries.enter(header.name, header.type ?? null, header.linkname ?? null);
      if (path !== null) entries.keep(path, await readStoredBlob(body, header.size ?? 0));
    });
  } catch (error) {
    const cause = error instanceof OuterFailure ? error.cause : error;
    throw archiveError(source, `cannot read the archive: ${describeStreamError(cause)}`);
  } finally {
    file.destroy();
  }
  return new StreamedTarContents(source, compression, entries);
}

/** An error of the archive file itself (as opposed to one of a blob inside it), which must stop the whole read. */
class OuterFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('archive read failed');
  }
}

/** The archive's bytes, decompressed; errors of the archive itself are marked so a layer scan does not swallow them. */
async function* outerSource(file: AsyncIterable<Buffer>, compression: Compression): AsyncGenerator<Buffer> {
  try {
    yield* decompress(file, compression);
  } catch (error) {
    throw new OuterFailure(error);
  }
}

class StreamedTarContents implements ArchiveContents {
  readonly container = 'tar' as const;
  constructor(
    readonly source: string,
    readonly compression: Compression,
    private readonly entries: ArchiveEntries<Stored>,
  ) {}

  get findings(): Finding[] {
    return this.entries.findings;
  }

  has(path: string): boolean {
    return this.entries.lookup(path) !== undefined;
  }

  async readJson(path: string, what: string): Promise<unknown> {
    const item = this.entries.lookup(path);
    if (!item) throw archiveError(this.source, `${what} ${path} is not in the archive`);
    if (item.kind === 'too-large') throw archiveError(this.source, `${what} ${path} is larger than ${MAX_JSON_BYTES} bytes; refusing to buffer it`);
    if (item.kind !== 'json') throw archiveError(this.source, `${what} ${path} is not a JSON document`);
    return parseJson(item.data, this.source, `${what} ${path}`);
  }

  async scanBlob(path: string, what: string): Promise<LayerScan> {
    const item = this.entries.lookup(path);
    if (!item) throw archiveError(this.source, `${what} ${path} is not in the archive`);
    if (item.kind === 'unreadable') throw archiveError(this.source, `${what} ${path}: ${item.message}`);
    if (item.kind !== 'layer') throw archiveError(this.source, `${what} ${path}: not a tar, gzip or zstd blob`);
    return item.scan;
  }
}

class DirectoryContents implements ArchiveContents {
  readonly container = 'directory' as const;
  readonly compression = 'none' as const;
  readonly findings: Finding[] = [];
  private readonly scans = new Map<string, LayerScan>();
  private readonly present = new Set<string>();

  constructor(
    readonly source: string,
    private readonly options: ScanOptions,
  ) {}

  /** Only names that stay inside the folder; anything else is refused before the disk is asked. */
  private safePath(path: string, what: string): string {
    const normal = normaliseEntryPath(path);
    if (normal.escapes || normal.absolute || normal.path === '')
      throw archiveError(this.source, `${what} names ${JSON.stringify(path)}, outside the image layout`);
    return join(this.source, normal.path);
  }

  private root: Promise<string> | null = null;

  /**
   * The file a layout path names, after following links: a blob may be a link to another file of the layout,
   * never to one outside it (a layout handed over by someone else could otherwise make `inspect` print the
   * host's files). A missing file is returned as named, for the caller's "not in the layout".
   */
  private async insidePath(path: string, what: string): Promise<string> {
    const file = this.safePath(path, what);
    this.root ??= realpath(this.source);
    const root = await this.root;
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return file;
    }
    if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) {
      throw archiveError(this.source, `${what} ${path} is a link to a file outside the image layout; refusing to read it`);
    }
    return real;
  }

  has(path: string): boolean {
    return this.present.has(path);
  }

  async probe(path: string): Promise<boolean> {
    const file = await this.insidePath(path, 'path');
    try {
      const info = await stat(file);
      if (info.isFile()) this.present.add(path);
      return info.isFile();
    } catch {
      return false;
    }
  }

  /** The size of a regular file of the layout; an error naming `what` when there is none. */
  private async fileSize(file: string, path: string, what: string): Promise<number> {
    let info;
    try {
      info = await stat(file);
    } catch {
      throw archiveError(this.source, `${what} ${path} is not in the image layout`);
    }
    if (!info.isFile()) throw archiveError(this.source, `${what} ${path} is not a regular file`);
    return info.size;
  }

  async readJson(path: string, what: string): Promise<unknown> {
    const file = await this.insidePath(path, what);
    const size = await this.fileSize(file, path, what);
    if (size > MAX_JSON_BYTES) throw archiveError(this.source, `${what} ${path} is larger than ${MAX_JSON_BYTES} bytes; refusing to buffer it`);
    return parseJson(
      withFile(file, (fd) => readAt(fd, 0, size)),
      this.source,
      `${what} ${path}`,
    );
  }

  async scanBlob(path: string, what: string): Promise<LayerScan> {
    const cached = this.scans.get(path);
    if (cached) return cached;
    const file = await this.insidePath(path, what);
    const size = await this.fileSize(file, path, what);
    try {
      const scan = await scanBlobAt(file, 0, size, this.options);
      this.scans.set(path, scan);
      return scan;
    } catch (error) {
      throw archiveError(this.source, `${what} ${path}: ${messageOf(error)}`);
    }
  }
}

export function isDirectoryContents(contents: ArchiveContents): contents is ArchiveContents & { probe(path: string): Promise<boolean> } {
  return contents instanceof DirectoryContents;
}

function parseJson(data: Buffer, source: string, what: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw archiveError(source, `${what} is not valid JSON (${messageOf(error)})`);
  }
}
