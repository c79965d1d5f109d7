/**
 * Helpers for the audit tests: the built CLI, the independent count of an image archive (test/helpers/
 * system-tar.ts) checked against an audit's figures, the cached Debian base image, and a headless Chromium
 * check of an HTML report.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { AuditImage } from '../../src/audit/types.js';
import { countArchive, type Counted } from '../helpers/system-tar.js';
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
// An independent count of an archive, with the system tools (shared with the image-analysis tests).

export { countArchive, expectedDifferences, parseListing, type Counted, type CountedLayer, type Listed } from '../helpers/system-tar.js';

/**
 * A build context in `context`: each of `files` holding its own name, busybox, and the `extra` files as given
 * (the Dockerfile, a .dockerignore).
 */
export async function writeContext(context: string, files: string[], extra: Record<string, string>): Promise<void> {
  for (const file of files) {
    await mkdir(join(context, file, '..'), { recursive: true });
    await writeFile(join(context, file), `${file}\n`);
  }
  await cp(BUSYBOX, join(context, 'busybox'));
  for (const [name, text] of Object.entries(extra)) await writeFile(join(context, name), text);
}

/**
 * Audits the context's Dockerfile with Buildah and Nix (stand-in nixpkgs), keeping both archives under `work`, and
 * lists the regular files of each image whose path `wanted` accepts, sorted.
 */
export async function filesInBothImages(work: string, context: string, wanted: (path: string) => boolean): Promise<{ docker: string[]; nix: string[] }> {
  const keep = join(work, 'keep');
  const result = await cli(
    ['audit', join(context, 'Dockerfile'), ...BUILDAH_FLAGS, ...NIX_FLAGS, '--report', 'json', '--progress', 'plain', '--keep-archives', keep],
    {
      env: { NIX_PATH: `nixpkgs=${MINI_NIXPKGS}` },
    },
  );
  expect(result.exitCode, result.stderr.split('\n').slice(-5).join('\n')).toBe(0);
  const files = async (archive: string, into: string) =>
    (await countArchive(join(keep, archive), join(work, into))).layers
      .flatMap((layer) => layer.listing)
      .filter((entry) => entry.type === '-' && wanted(entry.path))
      .map((entry) => entry.path)
      .sort();
  return { docker: await files('docker.tar', 'count-docker'), nix: await files('nix.tar.gz', 'count-nix') };
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
    expect(layer.diffId, `layer ${index} diffId`).toBe((counted.config.rootfs as { diff_ids: string[] }).diff_ids[index]);
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
export async function checkInChromium(
  htmlFile: string,
  screenshot: string,
  probe?: (page: import('playwright-core').Page) => Promise<void>,
): Promise<RenderCheck> {
  const { chromium } = await import('playwright-core');
  const profile = await tempDir('dock2nix-chromium-');
  // A fresh profile each time: Playwright passes it to Chromium as --user-data-dir.
  const browser = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
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
