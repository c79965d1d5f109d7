/**
 * Listing a tar that lies in a regular file without reading its file data, as `tar -tvf` does: headers are
 * read with positioned reads and file data is stepped over by offset arithmetic.
 *
 * The headers are decoded here rather than with tar-stream's decoder (headers.js, which its package does not
 * export). Two reasons: that decoder takes about 6 µs a header (a Buffer view and a string per field; this one
 * about 1 µs), about half the whole time budget of a 20,000-file image; and reaching into an unexported file
 * breaks silently on an update.
 * The decoding follows tar-stream's field by field, quirks included, so the streaming reader (used for
 * compressed layers and when files are hashed) and this one report the same entries; test/image/tar-seek.test.ts
 * holds the two side by side. Where tar-stream is wrong this reader does not follow it: it stops at the first
 * zero block (as `tar -t` does; tar-stream reads on), reads an extended header with an empty body as nothing
 * (tar-stream loses its place after one), and refuses a size field it cannot read (tar-stream would wait for
 * data forever; walkTar refuses it too).
 *
 * Reads are synchronous: a read from the page cache costs a few µs, an asynchronous one tens (a thread-pool
 * round trip), and there is one read per header that does not fall inside the previous window.
 */
import { readSync } from 'node:fs';
import { TAR_PROBLEM, TarFormatError } from './streams.js';

export const BLOCK = 512;

/**
 * Bytes read at once from where a header starts. Where files are small the next headers fall inside the window,
 * saving a read each; where they are large, a big window is bytes copied for nothing. So the window grows while
 * it keeps serving further headers and shrinks while it serves only the one it was read for.
 */
const MIN_WINDOW = 2 * 1024;
const MAX_WINDOW = 64 * 1024;

/** Largest pax or GNU long-name body read into memory; tar-stream, the streaming reader, has the same limit. */
export const MAX_EXTENDED_HEADER = 4 * 1024 * 1024;

/** tar-stream's names for the type flags; null for a flag it does not know (read as a regular file). */
export type TarType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'contiguous-file'
  | 'pax-header'
  | 'pax-global-header'
  | 'gnu-long-link-path'
  | 'gnu-long-path';

/** A tar header as the entry summaries need it, pax and GNU long names applied. */
export interface TarHeader {
  name: string;
  type: TarType | null;
  /** Numeric fields as decoded: null for a base-256 field with a bad lead byte, NaN for one that is no number. */
  mode: number | null;
  uid: number | null;
  gid: number | null;
  size: number;
  /** Modification time in whole seconds from the header's mtime field (0 when it holds no usable time). */
  mtime: number;
  linkname: string | null;
  uname: string;
  gname: string;
  pax: Record<string, string> | null;
}

/** One entry of the tar, and where its data is in the file. */
export interface TarMember {
  header: TarHeader;
  dataOffset: number;
  /** Bytes of data after the header: `size`, except for directories, whose size field is not followed by data. */
  dataSize: number;
}

/**
 * Call `onMember` for each entry of the tar in bytes [start, end) of the open file `fd`. The archive ends at a
 * zero block or exactly at `end`; a header or declared data running past `end` is a truncated tar.
 * Throws TarFormatError (truncated or corrupt tar) or the file system's error.
 */
export function listTar(fd: number, start: number, end: number, onMember: (member: TarMember) => void): void {
  const reader = new WindowReader(fd, end);
  let position = start;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> | null = null;
  let globalPax: Record<string, string> | null = null;

  while (position < end) {
    if (end - position < BLOCK) throw new TarFormatError(TAR_PROBLEM.truncated);
    const at = reader.header(position);
    const header = decodeHeader(reader.buffer, at, reader.words);
    if (header === null) return; // a zero block: the end-of-archive marker
    position += BLOCK;

    switch (header.type) {
      case 'gnu-long-path':
      case 'gnu-long-link-path':
      case 'pax-header':
      case 'pax-global-header': {
        const size = header.size;
        if (!(size >= 0)) throw new TarFormatError(TAR_PROBLEM.size);
        if (size > MAX_EXTENDED_HEADER) throw new TarFormatError(TAR_PROBLEM.extendedHeader);
        const next = position + padded(size);
        if (next > end) throw new TarFormatError(TAR_PROBLEM.truncated);
        const body = reader.bytes(position, size);
        if (header.type === 'gnu-long-path') longName = cString(body, 0, body.length);
        else if (header.type === 'gnu-long-link-path') longLink = cString(body, 0, body.length);
        else if (header.type === 'pax-global-header') globalPax = decodePax(body);
        // As tar-stream does: a global header's keys reach an entry only by way of the entry's own pax header.
        else pax = globalPax === null ? decodePax(body) : Object.assign(Object.create(null) as Record<string, string>, globalPax, decodePax(body));
        position = next;
        continue;
      }
    }

    // Empty long names and pax values are ignored, as tar-stream ignores them.
    if (longName) header.name = longName;
    if (longLink) header.linkname = longLink;
    if (pax !== null) {
      if (pax.path) header.name = pax.path;
      if (pax.linkpath) header.linkname = pax.linkpath;
      if (pax.size) header.size = parseInt(pax.size, 10);
      header.pax = pax;
    }
    longName = longLink = pax = null;

    if (!(header.size >= 0)) throw new TarFormatError(TAR_PROBLEM.size);
    const dataSize = header.type === 'directory' ? 0 : header.size;
    const next = position + padded(dataSize);
    if (next > end) throw new TarFormatError(TAR_PROBLEM.truncated);
    onMember({ header, dataOffset: position, dataSize });
    position = next;
  }
}

/** `size` rounded up to whole blocks. */
function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Positioned reads through one reusable window buffer, sized as the spacing of the headers suggests. */
class WindowReader {
  readonly buffer = Buffer.from(new ArrayBuffer(MAX_WINDOW));
  /** The same bytes as 32-bit words, for summing header checksums four bytes at a time. */
  readonly words = new Uint32Array(this.buffer.buffer, 0, MAX_WINDOW / 4);
  private windowStart = 0;
  private windowLength = 0;
  private windowSize = MIN_WINDOW;
  /** Headers found inside the current window after the one it was read for. */
  private headersServed = 0;

  constructor(
    private readonly fd: number,
    private readonly end: number,
  ) {}

  /** Index in `buffer` of the header block at `position`. */
  header(position: number): number {
    if (this.holds(position, BLOCK)) {
      this.headersServed++;
      return position - this.windowStart;
    }
    if (this.headersServed === 0) this.windowSize = Math.max(MIN_WINDOW, this.windowSize / 2);
    else if (this.headersServed > 1) this.windowSize = Math.min(MAX_WINDOW, this.windowSize * 2);
    this.headersServed = 0;
    return this.read(position, BLOCK);
  }

  /** `length` bytes at `position`: a view of the window when they fit in one, else a buffer of their own. */
  bytes(position: number, length: number): Buffer {
    if (length <= MAX_WINDOW) {
      const at = this.holds(position, length) ? position - this.windowStart : this.read(position, length);
      return this.buffer.subarray(at, at + length);
    }
    const own = Buffer.allocUnsafe(length);
    if (readFully(this.fd, own, length, position) < length) throw new TarFormatError(TAR_PROBLEM.truncated);
    return own;
  }

  private holds(position: number, length: number): boolean {
    return position >= this.windowStart && position + length <= this.windowStart + this.windowLength;
  }

  /** Read a window at `position` holding at least `length` bytes; index 0 of `buffer`. */
  private read(position: number, length: number): number {
    const wanted = Math.min(Math.max(this.windowSize, length), this.end - position);
    this.windowLength = readFully(this.fd, this.buffer, wanted, position);
    this.windowStart = position;
    // The file is shorter than it was when the range was worked out.
    if (this.windowLength < length) throw new TarFormatError(TAR_PROBLEM.truncated);
    return 0;
  }
}

/** Read up to `length` bytes at `position`; fewer only at the end of the file. */
export function readFully(fd: number, into: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const read = readSync(fd, into, done, length - done, position + done);
    if (read === 0) break;
    done += read;
  }
  return done;
}

const TYPES: Record<number, TarType> = {
  0: 'file',
  1: 'link',
  2: 'symlink',
  3: 'character-device',
  4: 'block-device',
  5: 'directory',
  6: 'fifo',
  7: 'contiguous-file',
  72: 'pax-header', // 'x'
  55: 'pax-global-header', // 'g'
  27: 'gnu-long-link-path', // 'K'
  28: 'gnu-long-path', // 'L'
  30: 'gnu-long-path', // 'N', old GNU
};

/**
 * The 512-byte header at `at` in `buffer`; null for a zero block. Throws on a checksum that does not match.
 * `words`, when given, views the same memory as `buffer` (from its first byte) as 32-bit words.
 */
export function decodeHeader(buffer: Buffer, at: number, words?: Uint32Array): TarHeader | null {
  const sum = words && at % 4 === 0 ? headerSumByWords(words, at / 4) : headerSum(buffer, at);
  if (sum === 8 * 0x20) return null;
  if (sum !== readNumber(buffer, at + 148, 8)) throw new TarFormatError(TAR_PROBLEM.checksum);

  const flag = buffer[at + 156]!;
  let name = cString(buffer, at, 100);
  // ustar keeps the front of long names in a prefix field; GNU tars use that space for other things.
  if (isUstar(buffer, at) && buffer[at + 345] !== 0) name = `${cString(buffer, at + 345, 155)}/${name}`;
  return {
    name,
    type: TYPES[flag === 0 ? 0 : flag - 48] ?? null,
    mode: readNumber(buffer, at + 100, 8),
    uid: readNumber(buffer, at + 108, 8),
    gid: readNumber(buffer, at + 116, 8),
    size: readNumber(buffer, at + 124, 12) ?? NaN,
    mtime: secondsOf(readNumber(buffer, at + 136, 12)),
    linkname: buffer[at + 157] === 0 ? null : cString(buffer, at + 157, 100),
    uname: ownerNames.read(buffer, at + 265),
    gname: groupNames.read(buffer, at + 297),
    pax: null,
  };
}

/** The header's checksum as it should be: the sum of its bytes, the checksum field (148-155) counted as eight spaces. */
function headerSum(buffer: Buffer, at: number): number {
  let sum = 8 * 0x20;
  for (let i = at; i < at + 148; i++) sum += buffer[i]!;
  for (let i = at + 156; i < at + BLOCK; i++) sum += buffer[i]!;
  return sum;
}

/**
 * The same sum, four bytes at a time (a third of the time): each word is split into two 16-bit lanes holding
 * two bytes' sum each. 89 words add at most 89 * 510 to a lane, so lanes never carry into each other.
 */
function headerSumByWords(words: Uint32Array, first: number): number {
  let before = 0; // words 0-36: bytes 0-147
  for (let i = first; i < first + 37; i++) {
    const word = words[i]!;
    before += (word & 0xff00ff) + ((word >>> 8) & 0xff00ff);
  }
  let after = 0; // words 39-127: bytes 156-511
  for (let i = first + 39; i < first + 128; i++) {
    const word = words[i]!;
    after += (word & 0xff00ff) + ((word >>> 8) & 0xff00ff);
  }
  return 8 * 0x20 + (before % 0x10000) + Math.floor(before / 0x10000) + (after % 0x10000) + Math.floor(after / 0x10000);
}

/** "ustar\0": POSIX ustar and pax. */
function isUstar(buffer: Buffer, at: number): boolean {
  const m = at + 257;
  return buffer[m] === 0x75 && buffer[m + 1] === 0x73 && buffer[m + 2] === 0x74 && buffer[m + 3] === 0x61 && buffer[m + 4] === 0x72 && buffer[m + 5] === 0;
}

/**
 * A 32-byte name field whose value mostly repeats from one header to the next (owner and group names): the
 * last string is reused while the bytes are the same, sparing a decode and a string kept per entry.
 */
class RepeatedName {
  private readonly bytes = Buffer.alloc(32);
  private length = -1;
  private text = '';

  read(buffer: Buffer, start: number): string {
    let end = start;
    while (end < start + 32 && buffer[end] !== 0) end++;
    if (end - start === this.length && this.sameAs(buffer, start)) return this.text;
    buffer.copy(this.bytes, 0, start, end);
    this.length = end - start;
    this.text = buffer.toString('utf8', start, end);
    return this.text;
  }

  private sameAs(buffer: Buffer, start: number): boolean {
    for (let i = 0; i < this.length; i++) if (buffer[start + i] !== this.bytes[i]) return false;
    return true;
  }
}

const ownerNames = new RepeatedName();
const groupNames = new RepeatedName();

/** A NUL-terminated UTF-8 string in a field of `length` bytes. */
function cString(buffer: Buffer, start: number, length: number): string {
  let end = start;
  const limit = start + length;
  while (end < limit && buffer[end] !== 0) end++;
  return buffer.toString('utf8', start, end);
}

/**
 * A numeric field: base-256 when the first byte has its high bit set (0x80 positive, 0xff negative), else
 * octal text, optionally space-padded and NUL-terminated. Read as tar-stream reads it, so a malformed field
 * gives the same value (null or NaN) on both readers.
 */
function readNumber(buffer: Buffer, start: number, length: number): number | null {
  if (buffer[start]! & 0x80) return readBase256(buffer, start, length);
  const limit = start + length;
  let from = start;
  while (from < limit && buffer[from] === 0x20) from++;
  let to = from;
  while (to < limit && buffer[to] !== 0x20) to++;
  while (from < to && buffer[from] === 0) from++;
  if (from === to) return 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const byte = buffer[i]!;
    if (byte < 0x30 || byte > 0x37) break;
    value = value * 8 + (byte - 0x30);
    digits++;
  }
  // No leading digit: whatever parseInt makes of it (a sign, stray whitespace, NaN), as tar-stream.
  return digits > 0 ? value : parseInt(buffer.toString('utf8', from, to), 8);
}

function readBase256(buffer: Buffer, start: number, length: number): number | null {
  const lead = buffer[start];
  if (lead !== 0x80 && lead !== 0xff) return null;
  const positive = lead === 0x80;
  // Least significant byte first, as tar-stream adds them: past 2^53 the rounding then comes out the same.
  let value = 0;
  let scale = 1;
  for (let i = start + length - 1; i > start; i--) {
    value += (positive ? buffer[i]! : 0xff - buffer[i]!) * scale;
    scale *= 256;
  }
  return positive ? value : -1 * value;
}

/** Whole seconds as a JavaScript Date would hold them (tar-stream makes a Date): 0 when it could not. */
function secondsOf(raw: number | null): number {
  const ms = 1000 * (raw ?? 0) + 0; // + 0: a Date has no negative zero
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms / 1000 : 0;
}

/** Pax records, `<length> <key>=<value>\n` each; reading stops at the first malformed one. */
export function decodePax(body: Buffer): Record<string, string> {
  const records = Object.create(null) as Record<string, string>;
  let at = 0;
  while (at < body.length) {
    let space = at;
    while (space < body.length && body[space] !== 0x20) space++;
    const length = parseInt(body.toString('utf8', at, space), 10);
    if (!(length > 0)) break;
    const record = body.toString('utf8', Math.min(space + 1, body.length), Math.min(at + length - 1, body.length));
    const equals = record.indexOf('=');
    if (equals === -1) break;
    records[record.slice(0, equals)] = record.slice(equals + 1);
    at += length;
  }
  return records;
}
