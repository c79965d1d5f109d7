/**
 * Access to what an image archive holds, without extracting it: small JSON documents (buffered, capped)
 * and layer blobs (scanned as they stream by, only their summaries kept).
 *
 * A tar archive is read in ONE pass: a docker-archive's manifest.json may come after the layers, so every
 * blob that looks like a layer is scanned when it passes and its summary kept under its path; the manifest
 * is interpreted afterwards. A directory (OCI image layout) is read file by file, on demand.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Dock2nixError } from '../errors.js';
import { scanLayer, type ScanOptions } from './layer-scan.js';
import { normaliseEntryPath, resolveLinkTarget } from './paths.js';
import { CapExceeded, decompress, describeStreamError, peek, readCapped, sniffBlob, SNIFF_BYTES, walkTar, type ByteSource } from './streams.js';
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

type Stored =
  | { kind: 'json'; data: Buffer }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'layer'; scan: LayerScan }
  | { kind: 'unreadable'; message: string }
  | { kind: 'other' }
  | { kind: 'link'; target: string };

async function readTarArchive(source: string, options: ScanOptions): Promise<ArchiveContents> {
  const head = await readHead(source);
  const compression = sniffBlob(head);
  if (compression !== 'none' && compression !== 'gzip' && compression !== 'zstd') {
    const what = compression === 'json' ? 'a JSON file' : compression === 'unknown' ? 'not a tar archive' : `${compression}-compressed, which is not supported`;
    throw archiveError(source, `not an image archive: ${what} (expected a docker-archive or OCI layout tar, plain, gzip or zstd)`);
  }
  const stored = new Map<string, Stored>();
  const findings: Finding[] = [];
  let jsonTotal = 0;

  const onEntry = async (header: import('tar-stream').Header, body: ByteSource): Promise<void> => {
    const { path, escapes, absolute } = normaliseEntryPath(header.name);
    if (escapes || absolute) findings.push({ path: header.name, message: 'archive entry has an unsafe path (absolute or with ..); read by its normalised name, never written' });
    if (path === '') return;
    if (stored.has(path)) findings.push({ path, message: 'duplicate entry in the archive; the last one wins' });
    switch (header.type) {
      case 'symlink':
        stored.set(path, { kind: 'link', target: resolveLinkTarget(path, header.linkname ?? '') });
        return;
      case 'link':
        stored.set(path, { kind: 'link', target: normaliseEntryPath(header.linkname ?? '').path });
        return;
      case 'file':
      case 'contiguous-file':
        stored.set(path, await readStoredBlob(body, header.size ?? 0));
        return;
      default:
        stored.delete(path);
    }
  };

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
      return { kind: 'unreadable', message: error instanceof Error ? error.message : String(error) };
    }
  };

  const file = createReadStream(source, { highWaterMark: 256 * 1024 });
  try {
    await walkTar(outerSource(file, compression), onEntry);
  } catch (error) {
    const cause = error instanceof OuterFailure ? error.cause : error;
    throw archiveError(source, `cannot read the archive: ${describeStreamError(cause)}`);
  } finally {
    file.destroy();
  }
  return new TarContents(source, compression, stored, findings);
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

class TarContents implements ArchiveContents {
  readonly container = 'tar' as const;
  constructor(
    readonly source: string,
    readonly compression: Compression,
    private readonly stored: Map<string, Stored>,
    readonly findings: Finding[],
  ) {}

  has(path: string): boolean {
    return this.lookup(path) !== undefined;
  }

  private lookup(path: string): Stored | undefined {
    let current = normaliseEntryPath(path).path;
    for (let hops = 0; hops < 16; hops++) {
      const item = this.stored.get(current);
      if (item?.kind !== 'link') return item;
      current = item.target;
    }
    return undefined;
  }

  async readJson(path: string, what: string): Promise<unknown> {
    const item = this.lookup(path);
    if (!item) throw archiveError(this.source, `${what} ${path} is not in the archive`);
    if (item.kind === 'too-large') throw archiveError(this.source, `${what} ${path} is larger than ${MAX_JSON_BYTES} bytes; refusing to buffer it`);
    if (item.kind !== 'json') throw archiveError(this.source, `${what} ${path} is not a JSON document`);
    return parseJson(item.data, this.source, `${what} ${path}`);
  }

  async scanBlob(path: string, what: string): Promise<LayerScan> {
    const item = this.lookup(path);
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
    if (normal.escapes || normal.absolute || normal.path === '') throw archiveError(this.source, `${what} names ${JSON.stringify(path)}, outside the image layout`);
    return join(this.source, normal.path);
  }

  has(path: string): boolean {
    return this.present.has(path);
  }

  async probe(path: string): Promise<boolean> {
    try {
      const info = await stat(this.safePath(path, 'path'));
      if (info.isFile()) this.present.add(path);
      return info.isFile();
    } catch {
      return false;
    }
  }

  async readJson(path: string, what: string): Promise<unknown> {
    const file = this.safePath(path, what);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      throw archiveError(this.source, `${what} ${path} is not in the image layout`);
    }
    if (size > MAX_JSON_BYTES) throw archiveError(this.source, `${what} ${path} is larger than ${MAX_JSON_BYTES} bytes; refusing to buffer it`);
    return parseJson(await readFile(file), this.source, `${what} ${path}`);
  }

  async scanBlob(path: string, what: string): Promise<LayerScan> {
    const cached = this.scans.get(path);
    if (cached) return cached;
    const file = this.safePath(path, what);
    try {
      await stat(file);
    } catch {
      throw archiveError(this.source, `${what} ${path} is not in the image layout`);
    }
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    try {
      const scan = await scanLayer(stream, this.options);
      this.scans.set(path, scan);
      return scan;
    } catch (error) {
      throw archiveError(this.source, `${what} ${path}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      stream.destroy();
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
    throw archiveError(source, `${what} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
