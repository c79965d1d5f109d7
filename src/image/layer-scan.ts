/**
 * One layer blob's per-entry summaries, read one of two ways:
 * - streaming (`scanLayer`): detect compression, decompress, walk the tar; every byte passes by. Needed for
 *   gzip and zstd layers, and whenever file contents are hashed;
 * - seeking (`scanPlainLayer`): a plain tar lying in a file is listed header by header, its file data skipped.
 * Both make their summaries with `LayerEntries`, from headers decoded to the same values.
 */
import { createHash } from 'node:crypto';
import type { Header } from 'tar-stream';
import { normaliseEntryPath, whiteoutTarget } from './paths.js';
import {
  decompress,
  describeStreamError,
  newTally,
  peek,
  sniffBlob,
  SNIFF_BYTES,
  tallied,
  tallyDigest,
  TAR_PROBLEM,
  walkTar,
  type ByteSource,
} from './streams.js';
import { listTar, readFully, type TarHeader, type TarType } from './tar-seek.js';
import type { Compression, EntryType, Finding, LayerEntry, LayerScan } from './types.js';

export interface ScanOptions {
  /** Compute the sha256 of every regular file (needed to compare images, not to inspect one). Implies `digests`. */
  hashFiles: boolean;
  /** Compute the layer's digests (stored blob and tar), to check them against the manifest and the config. */
  digests?: boolean;
  /**
   * Keep the data of the regular files whose path this accepts (small text files the audit reads: /etc/passwd,
   * package databases), up to `captureLimit` bytes each. Needs the streaming reader (the seeking one skips data).
   */
  capture?: (path: string) => boolean;
  /** Largest file kept by `capture`; bigger ones are skipped (and said so in the findings). Default 16 MiB. */
  captureLimit?: number;
  /** Keep the captured files as bytes (`capturedRaw`) instead of UTF-8 text: `diff` tells binary files from text. */
  rawCapture?: boolean;
}

export const DEFAULT_CAPTURE_LIMIT = 16 * 1024 * 1024;

export function wantsDigests(options: ScanOptions): boolean {
  return options.hashFiles || options.digests === true;
}

/** A layer blob that cannot be read; the message says why, in words. */
export class LayerReadError extends Error {
  override readonly name = 'LayerReadError';
}

/** Scan a layer blob as it streams by. */
export async function scanLayer(source: ByteSource, options: ScanOptions): Promise<LayerScan> {
  const { head, rest } = await peek(source, SNIFF_BYTES);
  const kind = sniffBlob(head);
  if (kind === 'xz' || kind === 'bzip2') throw new LayerReadError(`${kind}-compressed layers are not supported (only plain, gzip and zstd)`);
  if (kind === 'json' || kind === 'unknown') throw new LayerReadError('not a tar, gzip or zstd blob');
  const compression: Compression = kind;

  const hashing = wantsDigests(options);
  const stored = newTally(hashing);
  // A plain layer's stored bytes are its tar: one tally, and one hash, for both.
  const tar = compression === 'none' ? stored : newTally(hashing);
  const storedBytes = tallied(rest, stored);
  const tarBytes = compression === 'none' ? storedBytes : tallied(decompress(storedBytes, compression), tar);

  const layer = new LayerEntries();
  const captured: Record<string, string> = {};
  const capturedRaw: Record<string, Buffer> = {};
  const limit = options.captureLimit ?? DEFAULT_CAPTURE_LIMIT;
  try {
    await walkTar(tarBytes, async (streamHeader, body) => {
      const header = fromTarStream(streamHeader);
      let size = 0;
      let sha256: string | undefined;
      if (entryType(header.type) === 'file') {
        const hash = options.hashFiles ? createHash('sha256') : null;
        const path = options.capture ? normaliseEntryPath(header.name).path : '';
        let keep: Buffer[] | null = options.capture && path !== '' && options.capture(path) ? [] : null;
        for await (const chunk of body) {
          size += chunk.length;
          hash?.update(chunk);
          if (keep) {
            if (size > limit) {
              keep = null;
              layer.findings.push({ path, message: `larger than ${limit} bytes; not read for the audit` });
            } else keep.push(chunk);
          }
        }
        sha256 = hash?.digest('hex');
        if (keep && options.rawCapture) capturedRaw[path] = Buffer.concat(keep);
        else if (keep) captured[path] = Buffer.concat(keep).toString('utf8');
      }
      layer.add(header, size, sha256);
    });
  } catch (error) {
    throw new LayerReadError(describeStreamError(error));
  }
  const storedDigest = tallyDigest(stored);
  const tarDigest = compression === 'none' ? storedDigest : tallyDigest(tar);
  return {
    compression,
    storedBytes: stored.bytes,
    ...(storedDigest !== undefined ? { storedDigest } : {}),
    uncompressedBytes: tar.bytes,
    ...(tarDigest !== undefined ? { tarDigest } : {}),
    entries: layer.entries,
    findings: layer.findings,
    ...(options.capture ? (options.rawCapture ? { capturedRaw } : { captured }) : {}),
  };
}

/**
 * Scan a plain layer tar that is bytes [offset, offset + size) of the open file `fd`, reading its headers
 * only (and, when digests are asked for, every byte once to hash them). Cannot hash files: stream for that.
 */
export function scanPlainLayer(fd: number, offset: number, size: number, options: ScanOptions): LayerScan {
  if (options.hashFiles || options.capture) throw new Error('scanPlainLayer cannot read file contents; use scanLayer');
  const layer = new LayerEntries();
  try {
    listTar(fd, offset, offset + size, ({ header, dataSize }) => layer.add(header, entryType(header.type) === 'file' ? dataSize : 0));
  } catch (error) {
    throw new LayerReadError(describeStreamError(error));
  }
  const digest = options.digests ? hashRange(fd, offset, size) : undefined;
  return {
    compression: 'none',
    storedBytes: size,
    ...(digest !== undefined ? { storedDigest: digest } : {}),
    uncompressedBytes: size,
    ...(digest !== undefined ? { tarDigest: digest } : {}),
    entries: layer.entries,
    findings: layer.findings,
  };
}

const HASH_CHUNK = 1024 * 1024;

/** `sha256:<hex>` of bytes [offset, offset + size) of an open file. */
function hashRange(fd: number, offset: number, size: number): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(HASH_CHUNK, Math.max(size, 1)));
  for (let done = 0; done < size;) {
    const read = readFully(fd, buffer, Math.min(buffer.length, size - done), offset + done);
    if (read === 0) throw new LayerReadError(TAR_PROBLEM.truncated);
    hash.update(buffer.subarray(0, read));
    done += read;
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The entries of one layer tar and what is odd about them, as they are met. */
class LayerEntries {
  readonly entries: LayerEntry[] = [];
  readonly findings: Finding[] = [];
  private readonly seen = new Set<string>();

  /** `size`: bytes of data for a regular file (0 otherwise); `sha256`: of that data, when hashed. */
  add(header: TarHeader, size: number, sha256?: string): void {
    const entry = entryFromHeader(header, size, sha256, this.findings);
    if (entry === null) return;
    if (this.seen.has(entry.path)) this.findings.push({ path: entry.path, message: 'duplicate entry in the layer tar; the last one wins' });
    this.seen.add(entry.path);
    this.entries.push(entry);
  }
}

function entryFromHeader(header: TarHeader, size: number, sha256: string | undefined, findings: Finding[]): LayerEntry | null {
  const { path, absolute, escapes } = normaliseEntryPath(header.name);
  if (escapes) findings.push({ path: header.name, message: 'entry path climbs out of the image root with `..`; read as if rooted' });
  else if (absolute) findings.push({ path: header.name, message: 'entry path is absolute; read as relative to the image root' });
  if (path === '') return null; // the root directory itself
  const type = entryType(header.type);
  const entry: LayerEntry = {
    path,
    type,
    size: type === 'file' ? size : 0,
    mode: (header.mode ?? 0) & 0o7777,
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    uname: header.uname,
    gname: header.gname,
    mtime: mtimeOf(header),
  };
  const paxTimes = paxTimesOf(header.pax);
  if (paxTimes) entry.paxTimes = paxTimes;
  const xattrs = xattrsOf(header.pax);
  if (xattrs) entry.xattrs = xattrs;
  if (type === 'symlink' || type === 'hardlink') entry.linkname = header.linkname ?? '';
  if (sha256 !== undefined) entry.sha256 = sha256;
  const whiteout = type === 'file' || type === 'other' ? whiteoutTarget(path) : null;
  if (whiteout) entry.whiteout = whiteout.kind;
  return entry;
}

/** tar-stream's header in the shape both readers share. */
function fromTarStream(header: Header): TarHeader {
  const time = header.mtime?.getTime();
  return {
    name: header.name,
    type: (header.type ?? null) as TarType | null,
    mode: header.mode ?? null,
    uid: header.uid ?? null,
    gid: header.gid ?? null,
    size: header.size ?? 0,
    mtime: time !== undefined && Number.isFinite(time) ? time / 1000 : 0,
    linkname: header.linkname ?? null,
    uname: header.uname ?? '',
    gname: header.gname ?? '',
    pax: (header as unknown as { pax?: Record<string, string> | null }).pax ?? null,
  };
}

function entryType(type: TarType | null): EntryType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
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

/** Seconds since the epoch: the pax mtime (fractional) when there is one, else the header's. */
function mtimeOf(header: TarHeader): number {
  const exact = header.pax?.mtime !== undefined ? Number(header.pax.mtime) : NaN;
  return Number.isFinite(exact) ? exact : header.mtime;
}

function paxTimesOf(pax: Record<string, string> | null): string | undefined {
  if (!pax) return undefined;
  const parts = ['atime', 'ctime'].filter((key) => pax[key] !== undefined).map((key) => `${key}=${pax[key]}`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function xattrsOf(pax: Record<string, string> | null): string | undefined {
  if (!pax) return undefined;
  const parts = Object.keys(pax)
    .filter((key) => key.startsWith('SCHILY.xattr.') || key.startsWith('LIBARCHIVE.xattr.'))
    .sort()
    .map((key) => `${key.replace(/^(SCHILY|LIBARCHIVE)\.xattr\./, '')}=${pax[key]}`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}
