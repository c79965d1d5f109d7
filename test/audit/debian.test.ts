/**
 * An apt-based image (fixtures/audit/debian-apt) built with Buildah FROM a Debian base made here with
 * debootstrap (cached under /var/tmp/dock2nix-test-cache, so once per machine), twice with --timestamp 0.
 * Every figure is checked against the system tar; the rebuild still differs where apt and ldconfig write
 * build-time data, and the report must name those paths.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAuditHtml } from '../../src/audit/render-html.js';
import { renderAuditMarkdown } from '../../src/audit/render-markdown.js';
import { renderAuditText } from '../../src/audit/render-text.js';
import type { AuditReport } from '../../src/audit/types.js';
import { hasTool, repoRoot } from '../helpers/tools.js';
import {
  assertBuilt,
  BUILDAH_FLAGS,
  buildahProblem,
  cli,
  countArchive,
  debianBaseTarball,
  expectedDifferences,
  expectImageMatches,
  NIX_FIXTURES,
  NIX_FLAGS,
  nixProblem,
  skipReason,
  tempDir,
} from './helpers.js';

const problem =
  (await buildahProblem()) ??
  (await nixProblem()) ??
  (!hasTool('debootstrap') ? 'debootstrap is not installed' : !hasTool('podman') ? 'podman is not installed (it imports the base image)' : null);
const skip = skipReason('Debian apt audit test', problem);
const BASE = `localhost/dock2nix-test-${process.pid}/debian:bookworm-minbase`;
const podman = (args: string[]) => execa('podman', ['--storage-driver', 'vfs', ...args], { stdin: 'ignore', reject: false });

/** What apt and ldconfig write at build time, which the report must name. */
const APT_NOISE = [/^var\/log\/apt\/[^/]+$/, /^var\/log\/dpkg\.log$/, /^var\/cache\/ldconfig\/aux-cache$/, /^var\/cache\/apt\/[^/]+\.bin$/];

describe.skipIf(skip)('an apt image built twice with --timestamp 0', () => {
  let dir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('dock2nix-audit-debian-');
    const tarball = await debianBaseTarball();
    const imported = await podman(['import', tarball, BASE]);
    if (imported.exitCode !== 0) throw new Error(`podman import failed: ${imported.stderr}`);
  }, 300_000);

  afterAll(async () => {
    await podman(['rmi', BASE]);
    await dir?.remove();
  }, 120_000);

  it('every figure matches the system tar; what still differs is named, path by path, in every format', async () => {
    const keep = join(dir.path, 'keep');
    const result = await cli([
      'audit',
      join(repoRoot, 'fixtures/audit/debian-apt/Dockerfile'),
      '--nix',
      join(NIX_FIXTURES, 'busybox.nix'),
      '--build-arg',
      `BASE=${BASE}`,
      ...BUILDAH_FLAGS,
      ...NIX_FLAGS,
      '--repro',
      '--timestamp',
      '0',
      '--fail-on',
      'not-reproducible',
      '--keep-archives',
      keep,
      '--json',
    ]);
    if (!result.stdout) throw new Error(`no report (exit ${result.exitCode}): ${result.stderr}`);
    const report = JSON.parse(result.stdout) as AuditReport;
    expect((await readdir(keep)).sort()).toEqual(['docker-rebuild.tar', 'docker.tar', 'nix.tar.gz']);

    const docker = report.images.find((image) => image.role === 'docker')!;
    const counted = await countArchive(join(keep, 'docker.tar'), join(dir.path, 'count-a'));
    expectImageMatches(docker, counted);
    expect(docker.layers).toHaveLength(3); // the base, the RUN, the COPY
    expect(docker.config.created).toBe('1970-01-01T00:00:00Z');
    expect(docker.wasted.map((file) => `${file.path} ${file.reason}`)).toContain('etc/motd replaced');
    expect(docker.totals.efficiency).toBeLessThan(1);
    expect(counted.layers[1]!.listing.map((entry) => entry.path)).toContain('usr/bin/jq'); // apt did install it

    // The rebuild: exactly the differences tar and cmp find, and they are apt's and ldconfig's build-time files.
    const rebuilt = await countArchive(join(keep, 'docker-rebuild.tar'), join(dir.path, 'count-b'));
    const expected = await expectedDifferences(counted, rebuilt, join(dir.path, 'cmp'));
    const repro = report.reproducibility!;
    const found = repro.differences.filter((d) => d.image === 'docker' && d.path !== '');
    expect(found.map((d) => `${d.layer} ${d.kind} ${d.path}`).sort()).toEqual(expected);
    const contentPaths = [...new Set(found.filter((d) => d.kind === 'content').map((d) => d.path))].sort();
    console.info(`apt image with --timestamp 0 still differs in: ${contentPaths.join(', ')}`);
    for (const path of contentPaths)
      expect(
        APT_NOISE.some((pattern) => pattern.test(path)),
        path,
      ).toBe(true);
    for (const pattern of APT_NOISE)
      expect(
        contentPaths.some((path) => pattern.test(path)),
        String(pattern),
      ).toBe(true);
    expect(found.every((d) => d.layer === 1)).toBe(true); // the base layer is the same; the COPY layer too
    expect(repro.images.find((check) => check.image === 'docker')).toMatchObject({ identical: false, identicalIgnoringTimestamps: false });
    expect(result.exitCode).toBe(3); // --fail-on not-reproducible

    const text = renderAuditText(report);
    const markdown = renderAuditMarkdown(report);
    const html = renderAuditHtml(report);
    for (const name of ['var/log/apt/*', 'var/log/dpkg.log', 'var/cache/ldconfig/aux-cache', 'var/cache/apt/*']) {
      expect(text.replace(/\n +/g, ' '), name).toContain(name);
      expect(markdown, name).toContain(`\`${name}`);
      expect(html, name).toContain(name);
    }
    expect(text).toMatch(/apt and dpkg log every install/);
    expect(text).toMatch(/ldconfig records inode numbers/);
  }, 300_000);
});
