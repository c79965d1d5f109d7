/**
 * Streaming building blocks: every byte of an image goes through these as a chunk, never as a whole.
 * Sources are async iterables of Buffers; each stage is an async generator, so backpressure is simply
 * "the next stage has not asked for more yet".
 */
import { createHash, type Hash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import tarStream, { type Header } from 'tar-stream';
import type { Compression } from './types.js';

export type ByteSource = AsyncIterable<Buffer>;

/** Bytes to look at before deciding what a blob is: a whole tar header. */
export const SNIFF_BYTES = 512;

export type BlobKind = Compression | 'json' | 'xz' | 'bzip2' | 'unknown';

/** Decide from the first bytes what a blob is; by magic, never by name. */
export function sniffBlob(head: Buffer): BlobKind {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  // zstd skippable frames (0x184D2A50..5F) may open a zstd stream.
  if (head.length >= 4 && (head.readUInt32LE(0) & 0xfffffff0) === 0x184d2a50) return 'zstd';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (looksLikeTar(head)) return 'none';
  const text = head.toString('latin1').trimStart();
  if (text.startsWith('{') || text.startsWith('[')) return 'json';
  return 'unknown';
}

export function looksLikeTar(head: Buffer): boolean {
  if (head.length === 0) return true; // an empty layer
  if (head.length >= 263 && head.subarray(257, 262).toString('latin1') === 'ustar') return true;
  // An all-zero block is an end-of-archive marker: an empty tar.
  if (head.length >= 512 && head.subarray(0, 512).every((byte) => byte === 0)) return true;
  return head.length >= 512 && tarChecksumMatches(head);
}

/** Pre-POSIX (v7) tars have no magic; their header checksum still identifies them. */
function tarChecksumMatches(block: Buffer): boolean {
  const field = block
    .subarray(148, 156)
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === parseInt(field, 8);
}

/** Read up to `bytes` from the front of a source; give back those bytes and a source that replays them first. */
export async function peek(source: ByteSource, bytes: number): Promise<{ head: Buffer; rest: ByteSource }> {
  const iterator = source[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    taken.push(next.value);
    length += next.value.length;
  }
  const prefix = Buffer.concat(taken);
  async function* replay(): AsyncGenerator<Buffer> {
    if (prefix.length > 0) yield prefix;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: prefix.subarray(0, bytes), rest: replay() };
}

export interface Tally {
  bytes: number;
  /** Null when only the length is wanted. */
  hash: Hash | null;
}

/** Pass chunks through, counting (and hashing, when the tally has a hash) them into `tally`. */
export async function* tallied(source: ByteSource, tally: Tally): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    tally.bytes += chunk.length;
    tally.hash?.update(chunk);
    yield chunk;
  }
}

export function newTally(hashing = true): Tally {
  return { bytes: 0, hash: hashing ? createHash('sha256') : null };
}

/** `sha256:<hex>` of what a tally hashed; undefined when it did not hash. */
export function tallyDigest(tally: Tally): string | undefined {
  return tally.hash ? `sha256:${tally.hash.digest('hex')}` : undefined;
}

export function decompress(source: ByteSource, compression: Compression): ByteSource {
  switch (compression) {
    case 'none':
      return source;
    case 'gzip':
      return gunzip(source);
    case 'zstd':
      return unzstd(source);
  }
}

function gunzip(source: ByteSource): ByteSource {
  // pipeline() with a callback returns its last stream; an error anywhere destroys it, so iterating it throws.
  return pipeline(Readable.from(source, { objectMode: false }), createGunzip({ chunkSize: 64 * 1024 }), () => {}) as unknown as ByteSource;
}

/**
 * fzstd decodes whatever it is given in one go, so feed it small slices: a slice of compressed input
 * can still expand a lot (a run-length block of 4 bytes gives 128 KiB), but no more than ~32 MiB per KiB.
 */
const ZSTD_SLICE = 1024;

/** fzstd allocates the whole window of a frame up front; refuse frames that declare more than this. */
export const MAX_ZSTD_WINDOW = 256 * 1024 * 1024;

async function* unzstd(source: ByteSource): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const decoder = new ZstdDecompress((data) => {
    if (data.length > 0) out.push(Buffer.from(data));
  });
  const frames = new ZstdFrameScanner();
  for await (const chunk of source) {
    for (let offset = 0; offset < chunk.length; offset += ZSTD_SLICE) {
      // Every frame's header is checked before the decoder sees it: a skippable frame first, or a large
      // window in a later frame, must not get past the limit.
      frames.scan(chunk.subarray(offset, offset + ZSTD_SLICE));
      decoder.push(chunk.subarray(offset, offset + ZSTD_SLICE));
      while (out.length > 0) yield out.shift()!;
    }
  }
  decoder.push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift()!;
}

/**
 * Walks the frame and block headers of a zstd stream as it passes, without decoding, and refuses any frame
 * whose header declares a window larger than MAX_ZSTD_WINDOW. Skippable frames are stepped over. Bytes that are
 * not zstd end the scan; the decoder reports those.
 */
export class ZstdFrameScanner {
  private state: 'magic' | 'skippable-size' | 'header' | 'block' | 'skip' = 'magic';
  private need = 4;
  private held: number[] = [];
  private skip = 0;
  private afterSkip: 'magic' | 'block' = 'magic';
  private checksum = false;
  private stopped = false;

  scan(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && !this.stopped) {
      if (this.state === 'skip') {
        const step = Math.min(this.skip, bytes.length - at);
        at += step;
        this.skip -= step;
        if (this.skip === 0) this.expect(this.afterSkip);
        continue;
      }
      this.held.push(bytes[at++]!);
      if (this.held.length === this.need) this.step();
    }
  }

  private expect(state: 'magic' | 'block'): void {
    this.state = state;
    this.need = state === 'magic' ? 4 : 3;
    this.held = [];
  }

  private skipThen(bytes: number, then: 'magic' | 'block'): void {
    this.held = [];
    this.afterSkip = then;
    if (bytes === 0) return this.expect(then);
    this.state = 'skip';
    this.skip = bytes;
  }

  private step(): void {
    const held = Buffer.from(this.held);
    switch (this.state) {
      case 'magic': {
        const magic = held.readUInt32LE(0);
        if (magic === 0xfd2fb528) {
          this.state = 'header';
          this.need = 5;
        } else if ((magic & 0xfffffff0) === 0x184d2a50) {
          this.state = 'skippable-size';
          this.need = 8;
        } else {
          this.stopped = true;
        }
        return;
      }
      case 'skippable-size':
        return this.skipThen(held.readUInt32LE(4), 'magic');
      case 'header': {
        const descriptor = held[4]!;
        const singleSegment = (descriptor >> 5) & 1;
        const sizeFlag = descriptor >> 6;
        const sizeBytes = sizeFlag === 0 ? singleSegment : 2 ** sizeFlag;
        const length = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]! + sizeBytes;
        if (held.length < length) {
          this.need = length;
          return;
        }
        const window = zstdFrameWindow(held);
        if (window !== null && window > MAX_ZSTD_WINDOW) {
          throw new Error(`zstd frame declares a ${Math.round(window / 1048576)} MiB window, more than the ${MAX_ZSTD_WINDOW / 1048576} MiB accepted`);
        }
        this.checksum = ((descriptor >> 2) & 1) === 1;
        return this.expect('block');
      }
      case 'block': {
        const header = held[0]! | (held[1]! << 8) | (held[2]! << 16);
        const last = header & 1;
        const type = (header >> 1) & 3;
        const size = header >>> 3;
        const body = type === 1 ? 1 : size;
        if (!last) return this.skipThen(body, 'block');
        return this.skipThen(body + (this.checksum ? 4 : 0), 'magic');
      }
      case 'skip':
        return;
    }
  }
}

/** The window a zstd frame header declares (the content size for single-segment frames); null if `head` is no frame header. */
export function zstdFrameWindow(head: Buffer): number | null {
  if (head.length < 6 || head.readUInt32LE(0) !== 0xfd2fb528) return null;
  const descriptor = head[4]!;
  const singleSegment = (descriptor >> 5) & 1;
  if (!singleSegment) {
    const byte = head[5]!;
    const base = 2 ** (10 + (byte >> 3));
    return base + (base / 8) * (byte & 7);
  }
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const sizeFlag = descriptor >> 6;
  const sizeBytes = sizeFlag === 0 ? 1 : 2 ** sizeFlag;
  const offset = 5 + dictionaryBytes;
  if (head.length < offset + sizeBytes) return null;
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + head[offset + i]!;
  return sizeFlag === 1 ? size + 256 : size;
}

/** A source that can be handed to code that may stop early, without that stopping the underlying stream. */
export interface DrainableSource extends ByteSource {
  /** Read and drop whatever the consumer left. */
  drain(): Promise<void>;
}

export function drainable(stream: AsyncIterable<Buffer>): DrainableSource {
  const iterator = stream[Symbol.asyncIterator]();
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => iterator.next(),
      // Deliberately not forwarded: a tar entry stream that is destroyed takes its whole archive down.
      return: async () => ({ done: true as const, value: undefined }),
    }),
    drain: async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
      }
    },
  };
}

/** How a broken tar is described, by the streaming reader (tar-stream) and the seeking one (tar-seek.ts) alike. */
export const TAR_PROBLEM = {
  truncated: 'truncated tar (unexpected end of data)',
  checksum: 'corrupt tar (a header checksum does not match)',
  size: 'corrupt tar (a header declares no valid size)',
  extendedHeader: 'corrupt tar (a pax or long-name header larger than 4 MiB)',
} as const;

/** A tar that cannot be read; the message is already one of TAR_PROBLEM's words. */
export class TarFormatError extends Error {
  override readonly name = 'TarFormatError';
}

export type TarEntryHandler = (header: Header, body: ByteSource) => Promise<void>;

/**
 * Walk a tar stream entry by entry. The handler may read the body or not; what it leaves is drained.
 * Rejects with the tar parser's error (corrupt header, truncated data) or the source's error.
 */
export async function walkTar(source: ByteSource, onEntry: TarEntryHandler): Promise<void> {
  // allowUnknownFormat: read pre-POSIX (v7) tars too; their header checksums are still verified.
  const extract = tarStream.extract({ allowUnknownFormat: true } as Parameters<typeof tarStream.extract>[0]);
  let failure: unknown = null;
  const done = new Promise<void>((resolve, reject) => {
    extract.on('error', (error: unknown) => {
      failure ??= error;
      reject(error);
    });
    extract.on('finish', () => resolve());
    extract.on('close', () => (failure ? reject(failure) : resolve()));
  });
  done.catch(() => {});

  extract.on('entry', (header, stream, next) => {
    // tar-stream lets a size field it reads as null through, then waits for data it never delivers.
    if (!(typeof header.size === 'number' && header.size >= 0)) {
      next(new TarFormatError(TAR_PROBLEM.size));
      return;
    }
    const body = drainable(stream as AsyncIterable<Buffer>);
    // A directory's size field is not followed by data; tar-stream never ends such an entry's stream when the field is not 0.
    const rest = header.type === 'directory' ? async (): Promise<void> => {} : () => body.drain();
    onEntry(header, body).then(
      () =>
        rest().then(
          () => next(),
          (error: unknown) => next(asError(error)),
        ),
      (error: unknown) => next(asError(error)),
    );
  });

  try {
    for await (const chunk of source) {
      if (failure) break;
      if (!extract.write(chunk)) await writable(extract);
    }
  } catch (error) {
    failure ??= error;
    extract.destroy(error as Error);
    throw error;
  }
  if (!failure) (extract as unknown as { end(): void }).end();
  await done;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function writable(stream: { on(event: string, listener: () => void): unknown; off(event: string, listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    const settle = (): void => {
      stream.off('drain', settle);
      stream.off('close', settle);
      resolve();
    };
    stream.on('drain', settle);
    stream.on('close', settle);
  });
}

/** Read a whole (small) source; reject once it grows past `cap` bytes. */
export async function readCapped(source: ByteSource, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    length += chunk.length;
    if (length > cap) throw new CapExceeded(cap);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export class CapExceeded extends Error {
  constructor(readonly cap: number) {
    super(`larger than ${cap} bytes`);
  }
}

/** Turn what a decoder threw into words a user can read. */
export function describeStreamError(error: unknown): string {
  if (error instanceof TarFormatError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) return `corrupt gzip data (${message})`;
  if (error instanceof Error && error.name === 'ZstdError') return `corrupt zstd data (${message})`;
  if (typeof code === 'number' && /zstd|invalid|unexpected EOF|window|block|FSE|distance/i.test(message)) {
    return `corrupt zstd data (${message})`;
  }
  // tar-stream's messages, in the words the seeking reader uses for the same problems.
  if (/Unexpected end of data/.test(message)) return TAR_PROBLEM.truncated;
  if (/Invalid tar header/.test(message)) return TAR_PROBLEM.checksum;
  if (/Invalid header/.test(message)) return TAR_PROBLEM.size;
  if (/Header exceeds max size/.test(message)) return TAR_PROBLEM.extendedHeader;
  if (/unexpected end of file/i.test(message)) return `truncated compressed data (${message})`;
  return message;
}
