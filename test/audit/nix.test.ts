/**
 * The Nix side with the real Nix (Debian's nix-bin) and no nixpkgs: test expressions in fixtures/audit/nix write
 * docker-archives with busybox (gzip, zstd, and a stream script), and fixtures/audit/mini-nixpkgs builds what
 * `dock2nix convert` emits for a FROM scratch Dockerfile. Every figure is checked against the system tar.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/audit/types.js';
import { hasTool, repoRoot } from '../helpers/tools.js';
import {
  assertBuilt,
  BUSYBOX,
  cli,
  countArchive,
  expectedDifferences,
  expectImageMatches,
  MINI_NIXPKGS,
  NIX_FIXTURES,
  NIX_FLAGS,
  nixProblem,
  skipReason,
  tempDir,
} from './helpers.js';

const skip = skipReason('Nix audit tests', await nixProblem());
const fixture = (name: string): string => join(NIX_FIXTURES, name);

describe.skipIf(skip)('audit with nix-build', () => {
  let dir: { path: string; remove: () => Promise<void> };
  /** An archive to stand for the Dockerfile side where only the Nix side is under test. */
  let other: string;
  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('dock2nix-audit-nix-');
    other = join(dir.path, 'other-result');
    await execa('nix-build', [fixture('busybox.nix'), '--out-link', other, '--option', 'substituters', ''], { stdin: 'ignore' });
  });
  afterAll(async () => {
    await dir?.remove();
  });

  async function audit(
    name: string,
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ report: AuditReport; keep: string; exitCode: number; stderr: string }> {
    const keep = join(dir.path, `keep-${name}`);
    const result = await cli(['audit', ...args, ...NIX_FLAGS, '--report', 'json', '--keep-archives', keep], { env });
    if (!result.stdout) throw new Error(`audit ${name} printed no report (exit ${result.exitCode}): ${result.stderr}`);
    return { report: JSON.parse(result.stdout) as AuditReport, keep, exitCode: result.exitCode ?? -1, stderr: result.stderr };
  }

  const cases: Array<[string, string, string]> = [
    ['gzip', 'busybox.nix', 'nix.tar.gz'],
    ['zstd', 'busybox-zstd.nix', 'nix.tar.zst'],
    ['stream script', 'busybox-stream.nix', 'nix.tar'],
  ];
  for (const [name, file, kept] of cases) {
    it(`${name}: the result is read, and every figure matches the system tar's count`, async () => {
      if (name === 'zstd' && !hasTool('zstd')) {
        if (process.env.CI) throw new Error('zstd is needed under CI');
        console.warn('SKIP zstd case: zstd is not installed');
        return;
      }
      const { report, keep, exitCode } = await audit(name, ['--nix', fixture(file)]);
      expect(exitCode).toBe(0);
      expect(await readdir(keep)).toEqual([kept]);
      const [image] = report.images;
      expect(image!.role).toBe('nix');
      expect(image!.build).toMatchObject({ tool: 'nix-build', archive: expect.stringContaining(kept), noCache: false });
      expect(image!.source).toBe(image!.build!.archive);
      const counted = await countArchive(join(keep, kept), join(dir.path, `count-${name}`));
      expectImageMatches(image!, counted);
      expect(image!.label).toBe(counted.repoTags[0]);
      expect(image!.layers.map((layer) => layer.createdBy)).toEqual(['nix: busybox', 'nix: etc']);
      expect(image!.largestFiles[0]).toMatchObject({ path: 'bin/busybox', layer: 0, bytes: (await readFile(BUSYBOX)).length });
    });
  }

  it('--repro: nix-build --check finds a build that differs, and the report names the path and kind', async () => {
    const { report, keep, exitCode, stderr } = await audit('unstable', ['--nix', fixture('busybox-unstable.nix'), '--repro', '--fail-on', 'not-reproducible']);
    expect(exitCode).toBe(3);
    expect(stderr).toMatch(/^dock2nix: --fail-on: not-reproducible \(nix rebuilt differently\)$/m);
    const repro = report.reproducibility!;
    expect(repro.identical).toBe(false);
    expect(repro.images).toEqual([expect.objectContaining({ image: 'nix', method: 'nix-build --check', compared: true, identical: false })]);
    expect((await readdir(keep)).sort()).toEqual(['nix-rebuild.tar.gz', 'nix.tar.gz']);
    const a = await countArchive(join(keep, 'nix.tar.gz'), join(dir.path, 'unstable-a'));
    const b = await countArchive(join(keep, 'nix-rebuild.tar.gz'), join(dir.path, 'unstable-b'));
    const expected = await expectedDifferences(a, b, join(dir.path, 'unstable-cmp'));
    const actual = repro.differences
      .filter((d) => d.path !== '')
      .map((d) => `${d.layer} ${d.kind} ${d.path}`)
      .sort();
    expect(actual).toEqual(expected);
    expect(actual).toEqual(['1 content etc/stamp']);
    expect(repro.differences.every((d) => d.image === 'nix')).toBe(true);
  });

  it('a flake: nix build, then nix build --rebuild; nothing is written into the flake', async () => {
    if (!hasTool('nix')) {
      if (process.env.CI) throw new Error('nix (the new CLI) is needed under CI');
      console.warn('SKIP the flake case: nix is not installed');
      return;
    }
    const before = (await readdir(NIX_FIXTURES)).sort();
    const { report, keep, exitCode } = await audit('flake', ['--nix', fixture('flake.nix'), '--repro']);
    expect(exitCode).toBe(0);
    expect((await readdir(NIX_FIXTURES)).sort()).toEqual(before); // no flake.lock appeared
    const [image] = report.images;
    expect(image!.build).toMatchObject({ tool: 'nix build' });
    expect(image!.label).toBe('busybox-nix-flake:latest');
    expectImageMatches(image!, await countArchive(join(keep, 'nix.tar.gz'), join(dir.path, 'count-flake')));
    expect(report.reproducibility!.images[0]).toMatchObject({ method: 'nix build --rebuild', identical: true });
  });

  it('--repro on a reproducible expression: identical, and the gate passes', async () => {
    const { report, exitCode } = await audit('stable', ['--nix', fixture('busybox.nix'), '--repro', '--fail-on', 'not-reproducible']);
    expect(exitCode).toBe(0);
    expect(report.reproducibility).toMatchObject({ identical: true, differences: [], configDifferences: [] });
    expect(report.gates).toEqual([{ rule: 'not-reproducible', passed: true, detail: 'every rebuild was identical' }]);
  });

  it('--repro with a stream script: the script is checked and run twice', async () => {
    const { report, exitCode } = await audit('stream-repro', ['--nix', fixture('busybox-stream.nix'), '--repro']);
    expect(exitCode).toBe(0);
    expect(report.reproducibility!.images[0]).toMatchObject({ method: 'nix-build --check, and the stream script run twice', identical: true, compared: true });
  });

  describe('converting the Dockerfile (with a stand-in nixpkgs)', () => {
    let context: string;
    beforeAll(async () => {
      context = join(dir.path, 'context');
      await cp(join(repoRoot, 'fixtures/images/busybox-layers'), context, { recursive: true });
      await cp(BUSYBOX, join(context, 'busybox'));
    });

    it('converts in a temporary folder, builds with nix-build, and writes nothing into the context', async () => {
      const before = (await readdir(context)).sort();
      const { report, keep, exitCode } = await audit('convert', [join(context, 'Dockerfile'), '--docker-archive', other, '--builder', 'stream'], {
        NIX_PATH: `nixpkgs=${MINI_NIXPKGS}`,
      });
      expect(exitCode).toBe(0);
      expect((await readdir(context)).sort()).toEqual(before);
      expect(report.conversion).toEqual({ savedTo: null, format: 'stream', summary: { mapped: 8, approximated: 0, manual: 1, ignored: 0 } });
      const nix = report.images.find((image) => image.role === 'nix')!;
      expect(nix.label).toBe('context:latest');
      expect(nix.config.cmd).toEqual(['/bin/busybox', 'sh']);
      expect(nix.config.env).toEqual(['GREETING=hello']);
      const counted = await countArchive(join(keep, 'nix.tar'), join(dir.path, 'count-convert'));
      expectImageMatches(nix, counted);
      // What the Dockerfile COPYs is there; the RUN that deletes is the one instruction left to do by hand.
      const config = await readFile(join(context, 'v2/config.txt'));
      expect(nix.largestFiles.map((file) => file.path).sort()).toEqual([
        'bin/busybox',
        'data/old.txt',
        'etc/app/config.txt',
        'opt/assets/big.txt',
        'opt/assets/small.txt',
      ]);
      expect(nix.largestFiles.find((file) => file.path === 'etc/app/config.txt')!.bytes).toBe(config.length);
      expect(report.comparison).not.toBeNull();
    });

    it('--save-nix keeps the Nix in <context>/nix, and never replaces it without --force', async () => {
      const env = { NIX_PATH: `nixpkgs=${MINI_NIXPKGS}` };
      const first = await cli(['audit', join(context, 'Dockerfile'), '--docker-archive', other, '--save-nix', ...NIX_FLAGS, '--json'], { env });
      expect(first.exitCode).toBe(0);
      const saved = join(context, 'nix/default.nix');
      expect(JSON.parse(first.stdout).conversion.savedTo).toBe(join(context, 'nix'));
      expect(await readFile(saved, 'utf8')).toMatch(/dockerTools\.buildLayeredImage/);
      await writeFile(saved, '# edited by hand\n');
      const again = await cli(['audit', join(context, 'Dockerfile'), '--docker-archive', other, '--save-nix', ...NIX_FLAGS, '--progress', 'plain'], { env });
      expect(again.exitCode).toBe(1);
      expect(again.stderr).toBe(`dock2nix: ${saved}: already exists; nothing was written (use --force to overwrite)`);
      expect(await readFile(saved, 'utf8')).toBe('# edited by hand\n');
    });
  });

  it('without Nix: one line, before anything is built', async () => {
    const empty = join(dir.path, 'empty-path');
    await mkdir(empty, { recursive: true });
    const result = await cli(['audit', '--nix', fixture('busybox.nix')], { env: { PATH: empty } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      'dock2nix: Nix is not installed (nix-build is not on PATH) (install Nix, or build the Nix image elsewhere and pass it with --nix-archive)',
    );
  });

  it('without nixpkgs: one line, before anything is built or written', async () => {
    const context = join(dir.path, 'no-nixpkgs');
    await cp(join(repoRoot, 'fixtures/images/busybox-layers'), context, { recursive: true });
    const result = await cli(['audit', join(context, 'Dockerfile'), '--docker-archive', other, '--save-nix', '--progress', 'plain'], { env: { NIX_PATH: '' } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      'dock2nix: nixpkgs is not available: <nixpkgs> is not in the Nix search path, and the generated default.nix imports it (set NIX_PATH=nixpkgs=/path/to/nixpkgs or add a channel, or pass --nix-archive)',
    );
    expect(existsSync(join(context, 'nix'))).toBe(false);
  });

  it("a failing build is one line with Nix's error, followed by the end of the build log", async () => {
    const result = await cli(['audit', '--nix', fixture('broken.nix'), ...NIX_FLAGS]);
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^dock2nix: nix-build failed \(exit \d+\): error: builder for '\/nix\/store\/[a-z0-9]{32}-broken-image\.tar\.gz\.drv' failed with exit code 3$/,
    );
    const drv = lines[0]!.match(/'(\/nix\/store\/[^']+)'/)![1]!;
    expect(lines.slice(1)).toEqual([
      `  build log of ${drv}, its 2 lines (nix-store --read-log ${drv}):`,
      '    about to fail',
      '    error: the test image cannot be built',
    ]);
  });

  it('a long build log is cut to its last 20 lines', async () => {
    const long = join(dir.path, 'long-broken.nix');
    await writeFile(
      long,
      `derivation { name = "long-broken-${process.pid}"; system = builtins.currentSystem; builder = "/bin/busybox"; args = [ "sh" "-c" "for i in $(/bin/busybox seq 1 45); do echo line $i; done; exit 2" ]; }\n`,
    );
    const result = await cli(['audit', '--nix', long, ...NIX_FLAGS]);
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[1]).toMatch(/^ {2}build log of \/nix\/store\/\S+\.drv, the last 20 of 45 lines \(nix-store --read-log /);
    expect(lines.slice(2)).toEqual(Array.from({ length: 20 }, (_, i) => `    line ${26 + i}`));
  });

  it('Ctrl-C stops nix-build and its builder, removes the temporary files and writes no report', async () => {
    const tmp = join(dir.path, 'tmp-ctrl-c');
    await mkdir(tmp);
    const report = join(dir.path, 'never.html');
    const child = execa(
      process.execPath,
      [join(repoRoot, 'bin/dock2nix.js'), 'audit', '--nix', fixture('slow.nix'), ...NIX_FLAGS, '--progress', 'plain', '-o', report],
      {
        reject: false,
        env: { TMPDIR: tmp },
        stdin: 'ignore',
      },
    );
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the build never started: ${stderr}`)), 60_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/building '\/nix\/store\/[^']*busybox-nix-slow/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr.trim().split('\n').pop()).toBe('dock2nix: interrupted: the builds were stopped and no report was written');
    expect(existsSync(report)).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
    const ps = (await execa('ps', ['-eo', 'args'])).stdout;
    expect(ps).not.toContain('sleep 3738');
  });
});
