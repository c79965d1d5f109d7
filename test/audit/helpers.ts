/**
 * Helpers for the audit tests: the built CLI, an independent count of an image archive made with the system's
 * tar, gzip and zstd (never with dock2nix's reader), a file-by-file comparison of two archives made the same way,
 * the cached Debian base image, and a headless Chromium check of an HTML report.
 */
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { AuditImage } from '../../src/audit/types.js';
import { hasTool, repoRoot } from '../helpers/tools.js';

export const BIN = join(repoRoot, 'bin/dock2nix.js');
export const BUSYBOX = '/bin/busybox';
export const MINI_NIXPKGS = join(repoRoot, 'fixtures/audit/mini-nixpkgs');
export const NIX_FIXTURES = join(repoRoot, 'fixtures/audit/nix');
export const TEST_OUTPUT = join(repoRoot, 'test-output');

/** Options every buildah run in these tests needs here: vfs storage, chroot isolation, no pulling. */
export const BUILDAH_FLAGS = ['--engine', 'buildah', '--storage-driver', 'vfs', '--isolation', 'chroot', '--pull', 'never'];
/** No binary cache: this machine is offline, and the test expressions build in a second anyway. */
export const NIX_FLAGS = ['--nix-option', 'substituters='];

export function assertBuilt(): void {
  for (const file of ['dist/cli/main.js', 'dist/cli/commands/audit.js', 'dist/audit/run.js']) {
    if (!existsSync(join(repoRoot, file))) throw new Error(`${file} was not built: run npm run build first`);
  }
}

export function cli(args: string[], options: { env?: Record<string, string>; cwd?: string; extendEnv?: boolean } = {}) {
  return execa(process.execPath, [BIN, ...args], {
    reject: false,
    stdin: 'ignore',
    cwd: options.cwd ?? repoRoot,
    env: { NO_COLOR: '1', ...options.env },
    extendEnv: options.extendEnv ?? true,
  });
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Why buildah cannot build here, or null. Under CI a reason is a failure (the caller throws). */
export async function buildahProblem(): Promise<string | null> {
  if (!hasTool('buildah')) return 'buildah is not installed';
  if (process.getuid?.() !== 0) return 'buildah with the vfs driver needs root here';
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing (apt-get install busybox-static)`;
  return null;
}

export async function nixProblem(): Promise<string | null> {
  if (!hasTool('nix-build') || !hasTool('nix-instantiate')) return 'nix-build is not installed (apt-get install nix-bin)';
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing (apt-get install busybox-static)`;
  return null;
}

/** Skip with a printed reason, except under CI where the reason is an error. */
export function skipReason(name: string, reason: string | null): boolean {
  if (!reason) return false;
  if (process.env.CI) throw new Error(`${name}: ${reason} — but CI must run these tests`);
  console.warn(`SKIP ${name}: ${reason}`);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// An independent count of an archive, with the system tools.

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
      return { type: match[1]!, perms: match[2]!, owner: match[3]!, size: match[4]!.includes(',') ? 0 : Number(match[4]), time: match[5]!, path, ...(link !== undefined ? { link } : {}) };
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
async function plainTar(file: string, scratch: string): Promise<string> {
  const kind = await magic(file);
  if (kind === 'none') return file;
  const out = `${scratch}.plain.tar`;
  await execa(kind === 'gzip' ? 'gzip' : 'zstd', ['-dc', file], { stdout: { file: out } });
  return out;
}

export interface CountedLayer {
  tarBytes: number;
  files: number;
  contentBytes: number;
  listing: Listed[];
  /** The layer as a plain tar file. */
  tar: string;
}

export interface Counted {
  layers: CountedLayer[];
  config: Record<string, unknown>;
  repoTags: string[];
  /** Bytes of regular files left after applying every layer in a real folder (whiteouts done by hand). */
  visibleBytes: number;
}

/** Unpack a docker-archive with the system tar and count everything in it. */
export async function countArchive(archive: string, into: string): Promise<Counted> {
  await mkdir(into, { recursive: true });
  const outer = await plainTar(archive, join(into, 'outer'));
  const unpacked = join(into, 'unpacked');
  await mkdir(unpacked);
  await execa('tar', ['-xf', outer, '-C', unpacked]);
  const manifest = JSON.parse(await readFile(join(unpacked, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags?: string[]; Layers: string[] }>;
  const config = JSON.parse(await readFile(join(unpacked, manifest[0]!.Config), 'utf8')) as Record<string, unknown>;
  const layers: CountedLayer[] = [];
  for (const [index, layer] of manifest[0]!.Layers.entries()) {
    const tar = await plainTar(join(unpacked, layer), join(into, `layer-${index}`));
    const listing = parseListing((await execa('tar', ['-tv', '--full-time', '--numeric-owner', '-f', tar])).stdout);
    const files = listing.filter((entry) => entry.type === '-' && !isWhiteout(entry.path));
    layers.push({ tarBytes: (await stat(tar)).size, files: files.length, contentBytes: files.reduce((sum, entry) => sum + entry.size, 0), listing, tar });
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
  return { layers, config, repoTags: manifest[0]!.RepoTags ?? [], visibleBytes };
}

/** Every figure of an audited image, against the independent count. */
export function expectImageMatches(image: AuditImage, counted: Counted): void {
  expect(image.layers.length, 'layer count').toBe(counted.layers.length);
  image.layers.forEach((layer, index) => {
    const c = counted.layers[index]!;
    expect(layer.uncompressedBytes, `layer ${index} tar bytes`).toBe(c.tarBytes);
    expect(layer.files, `layer ${index} files`).toBe(c.files);
    expect(layer.contentBytes, `layer ${index} content`).toBe(c.contentBytes);
    expect(layer.compressedBytes, `layer ${index} compressed`).toBeNull(); // docker-archives store plain layer tars
    expect(layer.diffId, `layer ${index} diffId`).toBe(((counted.config.rootfs as { diff_ids: string[] }).diff_ids)[index]);
    expect(layer.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
  const content = counted.layers.reduce((sum, layer) => sum + layer.contentBytes, 0);
  const files = counted.layers.reduce((sum, layer) => sum + layer.files, 0);
  const tars = counted.layers.reduce((sum, layer) => sum + layer.tarBytes, 0);
  expect(image.totals.layers).toBe(counted.layers.length);
  expect(image.totals.uncompressedBytes).toBe(tars);
  expect(image.totals.compressedBytes).toBeNull();
  expect(image.totals.contentBytes).toBe(content);
  expect(image.totals.files).toBe(files);
  expect(image.totals.visibleBytes).toBe(counted.visibleBytes);
  expect(image.totals.wastedBytes).toBe(content - counted.visibleBytes);
  expect(image.totals.efficiency).toBeCloseTo(content === 0 ? 1 : counted.visibleBytes / content, 12);
  expect(image.findings).toEqual([]); // so every diffID matched its tar, every blob its digest
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
      else if (x.type === '-' && (await execa('cmp', ['-s', join(dirA, path), join(dirB, path)], { reject: false })).exitCode !== 0) found.push(`${layer} content ${path}`);
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

// ---------------------------------------------------------------------------------------------------------
// The Debian base image, made once per machine with debootstrap and cached under /var/tmp.

export const CACHE_DIR = '/var/tmp/dock2nix-test-cache';
export const DEBIAN_TARBALL = join(CACHE_DIR, 'debian-bookworm-minbase.tar');

/** The cached debootstrap tarball, made now when missing (about 30 s, needs a Debian mirror). */
export async function debianBaseTarball(): Promise<string> {
  if (existsSync(DEBIAN_TARBALL)) return DEBIAN_TARBALL;
  await mkdir(CACHE_DIR, { recursive: true });
  const work = await mkdtemp(join(CACHE_DIR, 'debootstrap-'));
  try {
    const rootfs = join(work, 'rootfs');
    const mirror = process.env.DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
    await execa('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], { stdin: 'ignore' });
    const partial = join(work, 'base.tar');
    await execa('tar', ['-C', rootfs, '--numeric-owner', '-cf', partial, '.']);
    await rename(partial, DEBIAN_TARBALL); // atomic: a concurrent or interrupted run never sees half a tarball
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return DEBIAN_TARBALL;
}

// ---------------------------------------------------------------------------------------------------------
// Headless Chromium.

export const CHROMIUM = '/usr/bin/chromium';

export interface RenderCheck {
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests other than the page itself (there must be none: the report is self-contained). */
  requests: string[];
  /** alert() and the like: a sign that text from an image ran as script. */
  dialogs: string[];
  title: string;
  text: string;
  sections: number;
  svgBars: number;
  sideBySide: boolean;
}

/** Open an HTML file in headless Chromium, collect errors and requests, take a screenshot. */
export async function checkInChromium(htmlFile: string, screenshot: string, probe?: (page: import('playwright-core').Page) => Promise<void>): Promise<RenderCheck> {
  const { chromium } = await import('playwright-core');
  const profile = await tempDir('dock2nix-chromium-');
  // A fresh profile each time: Playwright passes it to Chromium as --user-data-dir.
  const browser = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1360, height: 900 },
    offline: true,
  });
  try {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const requests: string[] = [];
    const dialogs: string[] = [];
    const url = `file://${htmlFile}`;
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      if (request.url() !== url) requests.push(request.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const result = await page.evaluate(() => {
      const sides = Array.from(document.querySelectorAll('.sides > section'));
      const first = sides[0]?.getBoundingClientRect();
      const second = sides[1]?.getBoundingClientRect();
      return {
        title: document.title,
        text: document.body.innerText,
        sections: document.querySelectorAll('section').length,
        svgBars: document.querySelectorAll('svg.chart rect').length,
        sideBySide: Boolean(first && second && Math.abs(first.top - second.top) < 2 && second.left > first.right - 1),
      };
    });
    if (probe) await probe(page);
    await mkdir(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { consoleErrors, pageErrors, requests, dialogs, ...result };
  } finally {
    await browser.close();
    await profile.remove();
  }
}
