/**
 * An independent count of an image archive with the system's tar, gzip and zstd: what dock2nix's own reader
 * reports is checked against it. Used by the image-analysis and audit tests.
 */
import { existsSync } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** One line of `tar -tv --full-time --numeric-owner`. */
export interface Listed {
  type: string;
  perms: string;
  owner: string;
  size: number;
  time: string;
  path: string;
  link?: string;
}

export function parseListing(text: string): Listed[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      // Device nodes list `major,minor` where the size goes.
      const match = /^(\S)(\S{9})\s+(\S+)\s+(\d+|\d+,\s*\d+)\s+(\S+ \S+)\s+(.*)$/.exec(line);
      if (!match) throw new Error(`cannot parse tar listing line: ${line}`);
      let name = match[6]!;
      let link: string | undefined;
      const arrow = name.indexOf(' -> ');
      const hard = name.indexOf(' link to ');
      if (arrow >= 0) [name, link] = [name.slice(0, arrow), name.slice(arrow + 4)];
      else if (hard >= 0) [name, link] = [name.slice(0, hard), name.slice(hard + 9)];
      const path = name.replace(/^\.\//, '').replace(/^\/+/, '').replace(/\/$/, '');
      return {
        type: match[1]!,
        perms: match[2]!,
        owner: match[3]!,
        size: match[4]!.includes(',') ? 0 : Number(match[4]),
        time: match[5]!,
        path,
        ...(link !== undefined ? { link } : {}),
      };
    })
    .filter((entry) => entry.path !== '' && entry.path !== '.');
}

const isWhiteout = (path: string): boolean => path.split('/').pop()!.startsWith('.wh.');

async function magic(file: string): Promise<'gzip' | 'zstd' | 'none'> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await handle.close();
  }
}

/** A plain tar of `file`, decompressed with the system gzip or zstd when it is compressed. */
async function plainTar(file: string, scratch: string): Promise<{ tar: string; compressed: boolean }> {
  const kind = await magic(file);
  if (kind === 'none') return { tar: file, compressed: false };
  const out = `${scratch}.plain.tar`;
  await execa(kind === 'gzip' ? 'gzip' : 'zstd', ['-dc', file], { stdout: { file: out } });
  return { tar: out, compressed: true };
}

export interface CountedLayer {
  /** The blob as stored in the archive. */
  blob: string;
  storedBytes: number;
  compressed: boolean;
  /** The layer as a plain tar file, and its length. */
  tar: string;
  tarBytes: number;
  files: number;
  contentBytes: number;
  listing: Listed[];
}

export interface Counted {
  layers: CountedLayer[];
  config: Record<string, unknown>;
  repoTags: string[];
  /** Bytes of regular files left after applying every layer in a real folder (whiteouts done by hand). */
  visibleBytes: number;
}

/** Unpack a docker-archive or OCI archive (plain or compressed) with the system tar and count everything in it. */
export async function countArchive(archive: string, into: string): Promise<Counted> {
  await mkdir(into, { recursive: true });
  const outer = await plainTar(archive, join(into, 'outer'));
  const unpacked = join(into, 'unpacked');
  await mkdir(unpacked);
  await execa('tar', ['-xf', outer.tar, '-C', unpacked]);
  let blobs: string[];
  let config: Record<string, unknown>;
  let repoTags: string[] = [];
  if (existsSync(join(unpacked, 'manifest.json'))) {
    const manifest = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags?: string[]; Layers: string[] }>;
    blobs = manifest[0]!.Layers.map((layer) => join(unpacked, layer));
    config = JSON.parse(await readFile(join(unpacked, manifest[0]!.Config), 'utf8')) as Record<string, unknown>;
    repoTags = manifest[0]!.RepoTags ?? [];
  } else {
    const blob = (digest: string): string => join(unpacked, 'blobs', ...digest.split(':'));
    const index = JSON.parse(await readFile(join(unpacked, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(await readFile(blob(index.manifests[0]!.digest), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
    blobs = manifest.layers.map((layer) => blob(layer.digest));
    config = JSON.parse(await readFile(blob(manifest.config.digest), 'utf8')) as Record<string, unknown>;
  }
  const layers: CountedLayer[] = [];
  for (const [index, blob] of blobs.entries()) {
    const { tar, compressed } = await plainTar(blob, join(into, `layer-${index}`));
    const listing = parseListing((await execa('tar', ['-tv', '--full-time', '--numeric-owner', '-f', tar])).stdout);
    const files = listing.filter((entry) => entry.type === '-' && !isWhiteout(entry.path));
    layers.push({
      blob,
      storedBytes: (await stat(blob)).size,
      compressed,
      tar,
      tarBytes: (await stat(tar)).size,
      files: files.length,
      contentBytes: files.reduce((sum, entry) => sum + entry.size, 0),
      listing,
    });
  }
  const rootfs = join(into, 'rootfs');
  await mkdir(rootfs);
  for (const layer of layers) {
    for (const entry of layer.listing) {
      const base = entry.path.split('/').pop()!;
      const parent = entry.path.split('/').slice(0, -1).join('/');
      if (base === '.wh..wh..opq') {
        const dir = join(rootfs, parent);
        if (existsSync(dir)) for (const child of await readdir(dir)) await rm(join(dir, child), { recursive: true, force: true });
      } else if (base.startsWith('.wh.')) await rm(join(rootfs, parent, base.slice(4)), { recursive: true, force: true });
    }
    await execa('tar', ['-x', '--exclude=.wh.*', '-C', rootfs, '-f', layer.tar]);
  }
  // Hard links (tar type `h`) carry no data of their own: each file's bytes count once, whatever its names.
  let visibleBytes = 0;
  const seen = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for (const name of await readdir(dir)) {
      const info = await lstat(join(dir, name));
      if (info.isDirectory()) await walk(join(dir, name));
      else if (info.isFile() && !seen.has(`${info.dev}:${info.ino}`)) {
        seen.add(`${info.dev}:${info.ino}`);
        visibleBytes += info.size;
      }
    }
  };
  await walk(rootfs);
  await rm(rootfs, { recursive: true, force: true });
  return { layers, config, repoTags, visibleBytes };
}

/** The differences between two archives, layer by layer and path by path, found with the system tar and cmp. */
export async function expectedDifferences(a: Counted, b: Counted, scratch: string): Promise<string[]> {
  const found: string[] = [];
  const layers = Math.max(a.layers.length, b.layers.length);
  for (let layer = 0; layer < layers; layer++) {
    const la = a.layers[layer];
    const lb = b.layers[layer];
    if (!la || !lb) continue;
    const dirA = join(scratch, `a${layer}`);
    const dirB = join(scratch, `b${layer}`);
    await mkdir(dirA, { recursive: true });
    await mkdir(dirB, { recursive: true });
    await execa('tar', ['-x', '-C', dirA, '-f', la.tar]);
    await execa('tar', ['-x', '-C', dirB, '-f', lb.tar]);
    const listA = new Map(la.listing.map((entry) => [entry.path, entry]));
    const listB = new Map(lb.listing.map((entry) => [entry.path, entry]));
    for (const [path, x] of listA) {
      const y = listB.get(path);
      if (!y) {
        found.push(`${layer} removed ${path}`);
        continue;
      }
      const links = 'lh';
      if (x.type !== y.type) found.push(`${layer} ${links.includes(x.type) || links.includes(y.type) ? 'link' : 'content'} ${path}`);
      else if (links.includes(x.type) && x.link !== y.link) found.push(`${layer} link ${path}`);
      else if (x.type === '-' && (await execa('cmp', ['-s', join(dirA, path), join(dirB, path)], { reject: false })).exitCode !== 0)
        found.push(`${layer} content ${path}`);
      if (x.perms !== y.perms) found.push(`${layer} mode ${path}`);
      if (x.owner !== y.owner) found.push(`${layer} owner ${path}`);
      if (x.time !== y.time) found.push(`${layer} mtime ${path}`);
    }
    for (const path of listB.keys()) if (!listA.has(path)) found.push(`${layer} added ${path}`);
    await rm(dirA, { recursive: true, force: true });
    await rm(dirB, { recursive: true, force: true });
  }
  return found.sort();
}
