/** One streaming pass over one layer blob: detect compression, decompress, walk the tar, keep per-entry summaries only. */
import { createHash } from 'node:crypto';
import type { Header } from 'tar-stream';
import { normaliseEntryPath, whiteoutTarget } from './paths.js';
import { decompress, describeStreamError, newTally, peek, sniffBlob, SNIFF_BYTES, tallied, walkTar, type ByteSource } from './streams.js';
import type { Compression, EntryType, Finding, LayerEntry, LayerScan } from './types.js';

export interface ScanOptions {
  /** Compute the sha256 of every regular file (needed to compare images, not to inspect one). */
  hashFiles: boolean;
}

/** A layer blob that cannot be read; the message says why, in words. */
export class LayerReadError extends Error {
  override readonly name = 'LayerReadError';
}

/** Scan a layer whose first bytes were already looked at (see `peek`). */
export async function scanLayer(source: ByteSource, options: ScanOptions): Promise<LayerScan> {
  const stored = newTally();
  const { head, rest } = await peek(tallied(source, stored), SNIFF_BYTES);
  const kind = sniffBlob(head);
  if (kind === 'xz' || kind === 'bzip2') throw new LayerReadError(`${kind}-compressed layers are not supported (only plain, gzip and zstd)`);
  if (kind === 'json' || kind === 'unknown') throw new LayerReadError('not a tar, gzip or zstd blob');
  const compression: Compression = kind;

  const tar = newTally();
  const entries: LayerEntry[] = [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  try {
    await walkTar(tallied(decompress(rest, compression), tar), async (header, body) => {
      const entry = await readEntry(header, body, options, findings);
      if (entry === null) return;
      if (seen.has(entry.path)) findings.push({ path: entry.path, message: 'duplicate entry in the layer tar; the last one wins' });
      seen.add(entry.path);
      entries.push(entry);
    });
  } catch (error) {
    throw new LayerReadError(describeStreamError(error));
  }
  return {
    compression,
    storedBytes: stored.bytes,
    storedDigest: `sha256:${stored.hash.digest('hex')}`,
    uncompressedBytes: tar.bytes,
    tarDigest: `sha256:${tar.hash.digest('hex')}`,
    entries,
    findings,
  };
}

async function readEntry(header: Header, body: ByteSource, options: ScanOptions, findings: Finding[]): Promise<LayerEntry | null> {
  const { path, absolute, escapes } = normaliseEntryPath(header.name);
  if (escapes) findings.push({ path: header.name, message: 'entry path climbs out of the image root with `..`; read as if rooted' });
  else if (absolute) findings.push({ path: header.name, message: 'entry path is absolute; read as relative to the image root' });
  const type = entryType(header.type);
  let size = 0;
  let sha256: string | undefined;
  if (type === 'file') {
    const hash = options.hashFiles ? createHash('sha256') : null;
    for await (const chunk of body) {
      size += chunk.length;
      hash?.update(chunk);
    }
    sha256 = hash?.digest('hex');
  }
  if (path === '') return null; // the root directory itself
  const entry: LayerEntry = {
    path,
    type,
    size,
    mode: (header.mode ?? 0) & 0o7777,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    uname: header.uname ?? '',
    gname: header.gname ?? '',
    mtime: mtimeOf(header),
  };
  const paxTimes = paxTimesOf(header);
  if (paxTimes) entry.paxTimes = paxTimes;
  const xattrs = xattrsOf(header);
  if (xattrs) entry.xattrs = xattrs;
  if (type === 'symlink' || type === 'hardlink') entry.linkname = header.linkname ?? '';
  if (sha256 !== undefined) entry.sha256 = sha256;
  const whiteout = type === 'file' || type === 'other' ? whiteoutTarget(path) : null;
  if (whiteout) entry.whiteout = whiteout.kind;
  return entry;
}

function entryType(type: string | null | undefined): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
    case undefined:
    case null:
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'other';
  }
}

type PaxHeader = Omit<Header, 'pax'> & { pax?: Record<string, string> | null };

function mtimeOf(header: Header): number {
  const pax = (header as unknown as PaxHeader).pax;
  const exact = pax?.mtime !== undefined ? Number(pax.mtime) : NaN;
  if (Number.isFinite(exact)) return exact;
  const time = header.mtime?.getTime();
  return time !== undefined && Number.isFinite(time) ? time / 1000 : 0;
}

function paxTimesOf(header: Header): string | undefined {
  const pax = (header as unknown as PaxHeader).pax;
  if (!pax) return undefined;
  const parts = ['atime', 'ctime'].filter((key) => pax[key] !== undefined).map((key) => `${key}=${pax[key]}`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function xattrsOf(header: Header): string | undefined {
  const pax = (header as unknown as PaxHeader).pax;
  if (!pax) return undefined;
  const parts = Object.keys(pax)
    .filter((key) => key.startsWith('SCHILY.xattr.') || key.startsWith('LIBARCHIVE.xattr.'))
    .sort()
    .map((key) => `${key.replace(/^(SCHILY|LIBARCHIVE)\.xattr\./, '')}=${pax[key]}`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}
