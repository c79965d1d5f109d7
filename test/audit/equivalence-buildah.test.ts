/**
 * Equivalence on real images: a Dockerfile built with Buildah (vfs, chroot, offline) and its real conversion
 * built with nix-build (the stand-in nixpkgs) must come out equivalent, with SBOMs that pass the official
 * schemas; then Buildah-built "Nix sides" that miss an application file (removed by a later layer: a whiteout),
 * run as another user, or lack a package must each be found and named, and fail --fail-on not-equivalent.
 * Every image this file makes is removed from Buildah's storage afterwards.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/audit/types.js';
import { assertBuilt, buildahProblem, cli, MINI_NIXPKGS, NIX_FLAGS, nixProblem, skipReason, tempDir, writeContext } from './helpers.js';
import { cycloneDxValidator, spdxValidator } from './sbom-schemas.js';

const skip = skipReason('equivalence with Buildah and Nix', (await buildahProblem()) ?? (await nixProblem()));

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n';
const GROUP = 'root:x:0:\napp:x:1000:\n';
const DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
COPY etc/ /etc/
COPY var/ /var/
WORKDIR /app
COPY app/ /app/
EXPOSE 8080
ENV GREETING=hello
CMD ["/bin/busybox", "httpd", "-f", "-p", "8080"]
`;
/** The "Nix side" stand-ins: the Dockerfile's image with one thing broken. */
const VARIANTS: Record<string, string> = {
  'missing-file': 'RUN ["/bin/busybox", "rm", "/app/conf/settings.ini"]',
  user: 'USER app',
  package: 'RUN ["/bin/busybox", "rm", "-r", "/app/node_modules/left-pad"]',
};

const storage = ['--storage-driver', 'vfs'];
const buildah = (args: string[]) => execa('buildah', [...storage, ...args], { stdin: 'ignore' });

/** Without /etc/nix/nix.conf a root nix-build wants a nixbld group and a sandbox; the stand-in nixpkgs needs neither. */
async function nixFlags(): Promise<string[]> {
  const group = await execa('getent', ['group', 'nixbld'], { reject: false });
  return [...NIX_FLAGS, ...(group.exitCode === 0 ? [] : ['--nix-option', 'build-users-group=', '--nix-option', 'sandbox=false'])];
}

describe.skipIf(skip)('equivalence of real images', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let context: string;
  const tags: string[] = [];
  const archives: Record<string, string> = {};
  let flags: string[];

  beforeAll(async () => {
    assertBuilt();
    flags = await nixFlags();
    dir = await tempDir('dock2nix-equivalence-buildah-');
    context = join(dir.path, 'context');
    await writeContext(context, ['app/index.html', 'app/conf/settings.ini'], {});
    await writeFile(join(context, 'Dockerfile'), DOCKERFILE);
    const { mkdir } = await import('node:fs/promises');
    for (const folder of ['etc', 'var/lib/dpkg', 'app/node_modules/left-pad']) await mkdir(join(context, folder), { recursive: true });
    await writeFile(join(context, 'etc/passwd'), PASSWD);
    await writeFile(join(context, 'etc/group'), GROUP);
    await writeFile(join(context, 'var/lib/dpkg/status'), 'Package: busybox-static\nStatus: install ok installed\nVersion: 1:1.36.1-9\n\n');
    await writeFile(join(context, 'app/node_modules/left-pad/package.json'), '{"name": "left-pad", "version": "1.3.0"}\n');
    const base = `localhost/dock2nix-test-equivalence-${process.pid}-base`;
    const build = async (name: string, tag: string, dockerfile: string, from: string) => {
      tags.push(tag);
      await buildah(['bud', '--isolation', 'chroot', '--pull=never', '--timestamp', '0', '-t', tag, '-f', dockerfile, from]);
      archives[name] = join(dir.path, `${name}.tar`);
      await buildah(['push', tag, `docker-archive:${archives[name]}:${tag.replace(/^localhost\//, '')}`]);
    };
    await build('docker', base, join(context, 'Dockerfile'), context);
    for (const [name, line] of Object.entries(VARIANTS)) {
      const folder = join(dir.path, `variant-${name}`);
      await writeContext(folder, [], { Dockerfile: `FROM ${base}\n${line}\n` });
      await build(name, `localhost/dock2nix-test-equivalence-${process.pid}-${name}`, join(folder, 'Dockerfile'), folder);
    }
  }, 180_000);

  afterAll(async () => {
    for (const tag of tags.reverse()) await execa('buildah', [...storage, 'rmi', tag], { reject: false, stdin: 'ignore' });
    const left = (await execa('buildah', [...storage, 'images', '--all', '--format', '{{.Name}}'], { reject: false })).stdout;
    for (const tag of tags) expect(left).not.toContain(tag.replace(/^localhost\//, ''));
    await dir?.remove();
  });

  async function audit(args: string[]): Promise<{ report: AuditReport; stdout: string; exitCode: number; stderr: string }> {
    const result = await cli(
      [
        'audit',
        join(context, 'Dockerfile'),
        '--docker-archive',
        archives.docker!,
        ...flags,
        '--report',
        'json',
        '--progress',
        'none',
        '--fail-on',
        'not-equivalent',
        ...args,
      ],
      { env: { NIX_PATH: `nixpkgs=${MINI_NIXPKGS}` } },
    );
    if (!result.stdout) throw new Error(`audit printed no report (exit ${result.exitCode}): ${result.stderr.split('\n').slice(-5).join('\n')}`);
    return { report: JSON.parse(result.stdout) as AuditReport, stdout: result.stdout, exitCode: result.exitCode ?? -1, stderr: result.stderr };
  }

  it('the Dockerfile and its conversion (built by nix-build) are equivalent; the SBOMs pass the schemas', async () => {
    const sbomDir = join(dir.path, 'sbom');
    const { report, stdout, exitCode, stderr } = await audit(['--sbom-dir', sbomDir]);
    expect(exitCode, stderr).toBe(0);
    expect(stdout.split('\n')[1]).toMatch(/^ {2}"verdict": "Verdict: EQUIVALENT/); // the first key of the JSON
    const eq = report.equivalence!;
    expect(eq.verdict.reasons).toEqual([]);
    // Buildah's own label is the one expected difference.
    expect(eq.config.filter((row) => row.status !== 'equal')).toEqual([expect.objectContaining({ key: 'Labels.io.buildah.version', status: 'expected' })]);
    expect(eq.files.roots).toEqual(['/app', '/bin/busybox', '/etc', '/var']);
    expect(eq.files.compared).toBeGreaterThanOrEqual(10);
    expect(eq.files.differences).toEqual([]);
    expect(eq.packages.rows.map((row) => [row.name, row.status])).toEqual([
      ['busybox-static', 'both'],
      ['left-pad', 'both'],
    ]);
    const cdx = cycloneDxValidator();
    const spdx = spdxValidator();
    for (const side of ['docker', 'nix']) {
      const bom = JSON.parse(await readFile(join(sbomDir, `${side}.cdx.json`), 'utf8'));
      expect(cdx(bom), JSON.stringify(cdx.errors)).toBe(true);
      expect(bom.components.map((component: { purl: string }) => component.purl)).toEqual([
        'pkg:deb/debian/busybox-static@1%3A1.36.1-9',
        'pkg:npm/left-pad@1.3.0',
      ]);
      const doc = JSON.parse(await readFile(join(sbomDir, `${side}.spdx.json`), 'utf8'));
      expect(spdx(doc), JSON.stringify(spdx.errors)).toBe(true);
    }
    expect(report.sboms).toHaveLength(4);
  }, 120_000);

  it('a Nix side that misses an application file (deleted by a later layer) is not equivalent, and the file is named', async () => {
    const { report, exitCode } = await audit(['--nix-archive', archives['missing-file']!]);
    expect(exitCode).toBe(3);
    const files = report.equivalence!.files.differences;
    expect(files.filter((row) => !row.expected)).toEqual([expect.objectContaining({ path: '/app/conf/settings.ini', kind: 'missing', inScope: true })]);
    // The RUN step left the engine's empty /etc/hosts and the like: expected, and said why.
    expect(files.filter((row) => row.expected).map((row) => row.path)).toEqual(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']);
    expect(report.equivalence!.verdict.line).toContain('1 file(s) missing in the Nix image: /app/conf/settings.ini');
  }, 60_000);

  it('a Nix side that runs as another user is not equivalent, with both uid:gid pairs', async () => {
    const { report, exitCode } = await audit(['--nix-archive', archives.user!]);
    expect(exitCode).toBe(3);
    expect(report.equivalence!.config.find((row) => row.key === 'User')).toMatchObject({
      status: 'different',
      docker: '(unset: root) = 0:0',
      nix: 'app = 1000:1000',
      why: '0:0 against 1000:1000',
    });
    expect(report.equivalence!.verdict.reasons).toEqual(['User differs (0:0 against 1000:1000)']);
  }, 60_000);

  it('a Nix side that lacks a package is not equivalent, and the package is named', async () => {
    const { report, exitCode } = await audit(['--nix-archive', archives.package!]);
    expect(exitCode).toBe(3);
    expect(report.equivalence!.packages.rows.find((row) => row.name === 'left-pad')).toMatchObject({
      status: 'docker-only',
      docker: ['1.3.0'],
      expected: false,
    });
    expect(report.equivalence!.verdict.reasons).toContain('1 package(s) missing in the Nix image: left-pad');
  }, 60_000);
});
