/** Builders for image archives made in the tests: layer tars, docker-archives and OCI layouts, in temp dirs. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import tarStream from 'tar-stream';

export interface TestEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  data?: string | Buffer;
  mode?: number;
  mtime?: Date;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  linkname?: string;
}

const EPOCH = new Date('2024-01-01T00:00:00Z');

/** A tar made with tar-stream, in memory (test inputs are small). */
export async function makeTar(entries: TestEntry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const entry of entries) {
    const type = entry.type ?? (entry.data !== undefined ? 'file' : 'directory');
    const header = {
      name: entry.name,
      type,
      mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: entry.mtime ?? EPOCH,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      uname: entry.uname ?? 'root',
      gname: entry.gname ?? 'root',
      ...(entry.linkname !== undefined ? { linkname: entry.linkname } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') pack.entry(header, Buffer.from(entry.data ?? ''), (error) => (error ? reject(error) : resolve()));
      else pack.entry(header, (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function gzip(data: Buffer): Buffer {
  return gzipSync(data);
}

let zstdAvailable: boolean | undefined;
export async function hasZstd(): Promise<boolean> {
  if (zstdAvailable === undefined) {
    zstdAvailable = (await execa('zstd', ['--version'], { reject: false })).exitCode === 0;
  }
  return zstdAvailable;
}

export async function zstd(data: Buffer): Promise<Buffer> {
  const result = await execa('zstd', ['-q', '-c', '-3'], { input: data, encoding: 'buffer' });
  return Buffer.from(result.stdout);
}

export async function tempDir(prefix = 'dock2nix-image-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface HistoryItem {
  created_by: string;
  comment?: string;
  empty_layer?: boolean;
  created?: string;
}

export function imageConfig(
  layerTars: Buffer[],
  options: { history?: HistoryItem[]; created?: string; cmd?: string[]; env?: string[]; extra?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    created: options.created ?? '2024-01-01T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: options.cmd ?? ['/bin/sh'], Env: options.env ?? ['PATH=/bin'], ExposedPorts: { '8080/tcp': {} }, User: 'app' },
    rootfs: { type: 'layers', diff_ids: layerTars.map((tar) => `sha256:${sha256(tar)}`) },
    history: options.history ?? layerTars.map((_, index) => ({ created: '2024-01-01T00:00:00Z', created_by: `step ${index}` })),
    ...options.extra,
  };
}

export interface OuterEntry {
  name: string;
  data?: Buffer;
  type?: 'file' | 'symlink' | 'directory';
  linkname?: string;
}

export interface DockerArchiveOptions {
  /** Stored layer blobs (plain, gzip or zstd); `tars` are the uncompressed tars, for diff_ids. */
  blobs: Buffer[];
  tars?: Buffer[];
  config?: Record<string, unknown>;
  manifestFirst?: boolean;
  repoTags?: string[];
  /** `legacy`: layers as `<id>/layer.tar` symlinks to `<sha>.tar`, as buildah and docker write them. */
  legacySymlinks?: boolean;
  /** Replace the manifest's layer paths (to name missing or hostile ones). */
  layerPaths?: string[];
  extra?: OuterEntry[];
  compress?: 'gzip' | 'zstd';
}

/** Write a docker-archive; returns its path. */
export async function writeDockerArchive(path: string, options: DockerArchiveOptions): Promise<string> {
  const config = options.config ?? imageConfig(options.tars ?? options.blobs);
  const configData = Buffer.from(JSON.stringify(config));
  const configName = `${sha256(configData)}.json`;
  const entries: OuterEntry[] = [];
  const layerPaths: string[] = [];
  for (const blob of options.blobs) {
    const name = `${sha256(blob)}.tar`;
    entries.push({ name, data: blob });
    if (options.legacySymlinks) {
      const id = sha256(Buffer.from(`id-${name}`));
      entries.push({ name: `${id}/layer.tar`, type: 'symlink', linkname: `../${name}` });
      layerPaths.push(`${id}/layer.tar`);
    } else {
      layerPaths.push(name);
    }
  }
  entries.push({ name: configName, data: configData });
  const manifest = {
    name: 'manifest.json',
    data: Buffer.from(JSON.stringify([{ Config: configName, RepoTags: options.repoTags ?? ['test/image:latest'], Layers: options.layerPaths ?? layerPaths }])),
  };
  if (options.manifestFirst) entries.unshift(manifest);
  else entries.push(manifest);
  entries.push(...(options.extra ?? []));
  let data = await makeTar(entries.map(toTestEntry));
  if (options.compress === 'gzip') data = gzip(data);
  if (options.compress === 'zstd') data = await zstd(data);
  await writeFile(path, data);
  return path;
}

function toTestEntry(entry: OuterEntry): TestEntry {
  const type = entry.type ?? 'file';
  return { name: entry.name, type, ...(entry.data ? { data: entry.data } : {}), ...(entry.linkname ? { linkname: entry.linkname } : {}), mode: 0o444 };
}

export interface OciOptions {
  blobs: Buffer[];
  tars?: Buffer[];
  config?: Record<string, unknown>;
  mediaType?: string;
  refName?: string;
  /** Wrap the manifest in a nested index. */
  nested?: boolean;
  /** Override layer digests in the manifest. */
  layerDigests?: string[];
}

/** The files of an OCI image layout, by path. */
export function ociFiles(options: OciOptions): OuterEntry[] {
  const files: OuterEntry[] = [{ name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') }];
  const blob = (data: Buffer): { digest: string; size: number } => {
    const hex = sha256(data);
    if (!files.some((file) => file.name === `blobs/sha256/${hex}`)) files.push({ name: `blobs/sha256/${hex}`, data });
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const config = blob(Buffer.from(JSON.stringify(options.config ?? imageConfig(options.tars ?? options.blobs))));
  const layers = options.blobs.map((data, index) => {
    const stored = blob(data);
    return {
      mediaType: options.mediaType ?? 'application/vnd.oci.image.layer.v1.tar+gzip',
      ...stored,
      ...(options.layerDigests?.[index] ? { digest: options.layerDigests[index] } : {}),
    };
  });
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers,
      }),
    ),
  );
  let top = {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    ...manifest,
    annotations: { 'org.opencontainers.image.ref.name': options.refName ?? 'oci-test' },
  };
  if (options.nested) {
    const inner = blob(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ ...top, platform: { os: 'linux', architecture: 'amd64' } }] })));
    top = {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      ...inner,
      annotations: { 'org.opencontainers.image.ref.name': options.refName ?? 'oci-test' },
    };
  }
  files.push({ name: 'index.json', data: Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [top] })) });
  return files;
}

export async function writeOciDirectory(dir: string, options: OciOptions): Promise<string> {
  for (const file of ociFiles(options)) {
    await mkdir(join(dir, file.name, '..'), { recursive: true });
    await writeFile(join(dir, file.name), file.data!);
  }
  return dir;
}

export async function writeOciTar(path: string, options: OciOptions): Promise<string> {
  await writeFile(path, await makeTar(ociFiles(options).map(toTestEntry)));
  return path;
}

/** Rewrite a tar header's size field (octal) and fix its checksum: a header that lies about its data. */
export function withDeclaredSize(tar: Buffer, headerOffset: number, size: number): Buffer {
  const copy = Buffer.from(tar);
  const field = size.toString(8).padStart(11, '0');
  copy.write(`${field}\0`, headerOffset + 124, 12, 'latin1');
  copy.fill(0x20, headerOffset + 148, headerOffset + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += copy[headerOffset + i]!;
  copy.write(`${sum.toString(8).padStart(6, '0')}\0 `, headerOffset + 148, 8, 'latin1');
  return copy;
}

export async function commandExists(command: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${command}`], { reject: false })).exitCode === 0;
}

/** One tar header written field by field, for inputs no tar tool writes (bad checksums, odd sizes, pax records). */
export interface RawHeader {
  name: string;
  /** Type flag character: '0' file, '5' directory, 'x' pax, 'g' global pax, 'L' GNU long name... */
  type?: string;
  size?: number;
  /** The 12 bytes of the size field as written, instead of `size` in octal (base-256, garbage). */
  sizeField?: Buffer;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  format?: 'ustar' | 'gnu' | 'v7';
  prefix?: string;
}

export function rawHeader(header: RawHeader): Buffer {
  const block = Buffer.alloc(512);
  const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, '0')}\0`;
  block.write(header.name, 0, 100, 'utf8');
  block.write(octal(header.mode ?? 0o644, 8), 100, 'latin1');
  block.write(octal(header.uid ?? 0, 8), 108, 'latin1');
  block.write(octal(header.gid ?? 0, 8), 116, 'latin1');
  if (header.sizeField) header.sizeField.copy(block, 124, 0, 12);
  else block.write(octal(header.size ?? 0, 12), 124, 'latin1');
  block.write(octal(header.mtime ?? 1_700_000_000, 12), 136, 'latin1');
  block.write(header.type ?? '0', 156, 'latin1');
  if (header.linkname) block.write(header.linkname, 157, 100, 'utf8');
  const format = header.format ?? 'ustar';
  if (format === 'ustar') block.write('ustar\x0000', 257, 'latin1');
  if (format === 'gnu') block.write('ustar  \0', 257, 'latin1');
  if (format !== 'v7') {
    block.write(header.uname ?? 'root', 265, 32, 'utf8');
    block.write(header.gname ?? 'root', 297, 32, 'utf8');
  }
  if (header.prefix) block.write(header.prefix, 345, 155, 'utf8');
  return withChecksum(block, 0);
}

/** Recompute the checksum of the header at `offset` (in place); returns the buffer. */
export function withChecksum(tar: Buffer, offset: number): Buffer {
  tar.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += tar[offset + i]!;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, offset + 148, 8, 'latin1');
  return tar;
}

/** A header and its data, padded to whole blocks. */
export function rawEntry(header: RawHeader, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = Buffer.from(data);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([rawHeader({ size: body.length, ...header }), body, padding]);
}

/** A pax extended header body: `<length> <key>=<value>\n` records. */
export function paxBody(records: Record<string, string>): Buffer {
  const lines = Object.entries(records).map(([key, value]) => {
    const text = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(text) + 1;
    while (String(length).length + Buffer.byteLength(text) !== length) length++;
    return `${length}${text}`;
  });
  return Buffer.from(lines.join(''));
}

/** Two zero blocks: the end-of-archive marker. */
export const TAR_END = Buffer.alloc(1024);
