/**
 * `dock2nix audit` building real images with Buildah (vfs storage, chroot isolation, offline) from
 * fixtures/images/busybox-layers, and the Nix side with the real nix-build. Every figure is checked against the
 * system tar's count of the archives the audit kept; the reproducibility findings against a file-by-file
 * comparison made with tar and cmp. Also: no shell ever sees a build argument or a file name, Ctrl-C stops
 * everything, the HTML report renders in headless Chromium (screenshot in test-output/).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
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
  BUSYBOX,
  checkInChromium,
  CHROMIUM,
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
  TEST_OUTPUT,
} from './helpers.js';

const FIXTURE = join(repoRoot, 'fixtures/images/busybox-layers');
const skip = skipReason('Buildah audit tests', (await buildahProblem()) ?? (await nixProblem()));
const buildah = (args: string[]) => execa('buildah', ['--storage-driver', 'vfs', ...args], { stdin: 'ignore', reject: false });

/** The image names the audit made (from its progress output): none may be left in the storage. */
function tagsIn(stderr: string): string[] {
  return [...new Set([...stderr.matchAll(/COMMIT (dock2nix-audit-[0-9a-f-]+)/g)].map((match) => match[1]!))];
}

async function expectNoImagesLeft(stderr: string): Promise<void> {
  const tags = tagsIn(stderr);
  expect(tags.length).toBeGreaterThan(0);
  const images = (await buildah(['images', '--format', '{{.Name}}'])).stdout;
  for (const tag of tags) expect(images).not.toContain(tag);
  // Nor any image a step made (an image the build took from the cache was there before, and stays).
  const cached = new Set([...stderr.matchAll(/Using cache ([0-9a-f]{11})/g)].map((match) => match[1]!));
  const made = [...stderr.matchAll(/(?:buildah|podman) +--> ([0-9a-f]{11})\s*$/gm)].map((match) => match[1]!).filter((id) => !cached.has(id));
  expect(made.length).toBeGreaterThan(0);
  const all = (await buildah(['images', '--all', '-q'])).stdout;
  for (const id of made) expect(all, `image ${id} was left behind`).not.toContain(id);
}

describe.skipIf(skip)('audit with Buildah and Nix', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let context: string;

  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('dock2nix-audit-buildah-');
    context = join(dir.path, 'busybox-layers');
    await cp(FIXTURE, context, { recursive: true });
    await cp(BUSYBOX, join(context, 'busybox'));
  });

  afterAll(async () => {
    await dir?.remove();
  });

  async function audit(
    name: string,
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ report: AuditReport; keep: string; stderr: string; exitCode: number }> {
    const keep = join(dir.path, `keep-${name}`);
    const result = await cli(['audit', ...args, ...BUILDAH_FLAGS, ...NIX_FLAGS, '--report', 'json', '--progress', 'plain', '--keep-archives', keep], { env });
    if (!result.stdout) throw new Error(`audit ${name} printed no report (exit ${result.exitCode}): ${result.stderr.split('\n').slice(-5).join('\n')}`);
    return { report: JSON.parse(result.stdout) as AuditReport, keep, stderr: result.stderr, exitCode: result.exitCode ?? -1 };
  }

  it('converts, builds both sides twice, and every figure matches the system tar; the rebuild differs exactly where tar and cmp say', async () => {
    const { report, keep, stderr, exitCode } = await audit('convert', [join(context, 'Dockerfile'), '--repro'], { NIX_PATH: `nixpkgs=${MINI_NIXPKGS}` });
    expect(exitCode).toBe(0);
    expect((await readdir(keep)).sort()).toEqual(['docker-rebuild.tar', 'docker.tar', 'nix.tar.gz']);
    // Live progress: each engine's steps, with elapsed time.
    expect(stderr).toMatch(/^ +\d+\.\ds {2}buildah +STEP 7\/9: RUN \["\/bin\/busybox", "rm"/m);
    expect(stderr).toMatch(/^ +\d+\.\ds {2}== building .*Dockerfile with buildah \(build 2 of 2, no cache\)$/m);
    expect(stderr).toMatch(/^ +\d+\.\ds {2}== rebuilding with nix-build --check to compare$/m);
    await expectNoImagesLeft(stderr);

    const docker = report.images.find((image) => image.role === 'docker')!;
    const nix = report.images.find((image) => image.role === 'nix')!;
    const countedDocker = await countArchive(join(keep, 'docker.tar'), join(dir.path, 'count-docker'));
    const countedNix = await countArchive(join(keep, 'nix.tar.gz'), join(dir.path, 'count-nix'));
    expectImageMatches(docker, countedDocker);
    expectImageMatches(nix, countedNix);
    expect(docker.build).toMatchObject({ tool: 'buildah', noCache: true, timestamp: null, archive: expect.stringContaining('docker.tar') });
    expect(nix.build).toMatchObject({ tool: 'nix-build' });
    // The fixture's own numbers: the first config.txt, old.txt and both assets are hidden in the Dockerfile image.
    const sizes = await Promise.all(
      ['v1/config.txt', 'old.txt', 'assets/big.txt', 'assets/small.txt'].map(async (file) => (await readFile(join(FIXTURE, file))).length),
    );
    expect(docker.totals.wastedBytes).toBe(sizes.reduce((sum, size) => sum + size, 0));
    expect(docker.totals.layers).toBe(6);
    // The converted image has no layer of its own for each COPY, and still holds what the manual RUN deletes.
    expect(report.conversion!.summary).toEqual({ mapped: 8, approximated: 0, manual: 1, ignored: 0 });
    expect(nix.totals.layers).toBe(1);
    expect(nix.largestFiles.map((file) => file.path)).toContain('data/old.txt');

    // The comparison follows from the counted figures.
    const tars = (c: typeof countedDocker): number => c.layers.reduce((sum, layer) => sum + layer.tarBytes, 0);
    expect(report.comparison!.metrics.uncompressedBytes).toEqual({
      docker: tars(countedDocker),
      nix: tars(countedNix),
      difference: tars(countedNix) - tars(countedDocker),
      ratio: tars(countedNix) / tars(countedDocker),
    });
    expect(report.comparison!.metrics.layers).toMatchObject({ docker: 6, nix: 1, difference: -5 });
    expect(report.comparison!.nixSmaller).toBe(tars(countedNix) < tars(countedDocker));

    // Reproducibility: the Dockerfile built twice (no cache) differs exactly where tar and cmp say; Nix rebuilds identically.
    const repro = report.reproducibility!;
    const rebuilt = await countArchive(join(keep, 'docker-rebuild.tar'), join(dir.path, 'count-rebuild'));
    const expected = await expectedDifferences(countedDocker, rebuilt, join(dir.path, 'cmp'));
    const actual = repro.differences
      .filter((d) => d.image === 'docker' && d.path !== '')
      .map((d) => `${d.layer} ${d.kind} ${d.path}`)
      .sort();
    expect(actual).toEqual(expected);
    expect(actual).toContain('5 mtime etc/hostname');
    expect(expected.every((line) => line.split(' ')[1] === 'mtime')).toBe(true);
    const dockerCheck = repro.images.find((check) => check.image === 'docker')!;
    expect(dockerCheck).toMatchObject({ method: 'buildah bud --no-cache, twice', identical: false, identicalIgnoringTimestamps: true });
    expect(dockerCheck.hints.join('\n')).toContain('build with --timestamp 0');
    expect(repro.images.find((check) => check.image === 'nix')).toMatchObject({ method: 'nix-build --check', identical: true });
    expect(repro.identical).toBe(false);

    // Each report names what differs.
    const text = renderAuditText(report);
    expect(text).toContain('Reproducibility: DIFFERENT only in time stamps');
    expect(text).toMatch(/^ {2}docker +5 {2}mtime +etc\/hostname$/m);
    const markdown = renderAuditMarkdown(report);
    expect(markdown).toMatch(/\| docker \| 5 \| mtime \| `etc\/hostname` \|/);
    await mkdir(TEST_OUTPUT, { recursive: true });
    await writeFile(join(TEST_OUTPUT, 'audit-busybox.md'), markdown);
    await writeFile(join(TEST_OUTPUT, 'audit-busybox.txt'), text);
    const htmlFile = join(TEST_OUTPUT, 'audit-busybox.html');
    await writeFile(htmlFile, renderAuditHtml(report));

    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must check the HTML report (apt-get install chromium)`);
      console.warn(`SKIP the Chromium check: ${CHROMIUM} is not installed`);
      return;
    }
    const check = await checkInChromium(htmlFile, join(TEST_OUTPUT, 'audit-busybox.png'), async (page) => {
      // The filter and the sortable tables work.
      await page.fill('input.filter[data-table="differences"]', 'hostname');
      const visible = await page.$$eval('#differences tbody tr', (rows) => rows.filter((row) => !(row as HTMLElement).hidden).length);
      expect(visible).toBe(actual.filter((line) => line.includes('hostname')).length);
      await page.fill('input.filter[data-table="differences"]', '');
    });
    expect(check.consoleErrors).toEqual([]);
    expect(check.pageErrors).toEqual([]);
    expect(check.requests).toEqual([]);
    expect(check.sideBySide).toBe(true);
    expect(check.svgBars).toBeGreaterThanOrEqual(docker.layers.length + nix.layers.length);
    expect(check.text).toContain('Dockerfile image');
    expect(check.text).toContain('Nix image');
    expect(check.text).toMatch(/Reproducibility\s+DIFFERENT only in time stamps/);
    expect(check.text).toContain('opt/assets/big.txt'); // the wasted-space table
  }, 240_000);

  it('--timestamp 0: the report is identical exactly when tar, cmp and the configs find nothing, and says what still differs', async () => {
    const { report, keep, stderr, exitCode } = await audit('ts0', [
      join(context, 'Dockerfile'),
      '--nix',
      join(NIX_FIXTURES, 'busybox.nix'),
      '--repro',
      '--timestamp',
      '0',
      '--fail-on',
      'not-reproducible',
    ]);
    await expectNoImagesLeft(stderr);
    const a = await countArchive(join(keep, 'docker.tar'), join(dir.path, 'ts-a'));
    const b = await countArchive(join(keep, 'docker-rebuild.tar'), join(dir.path, 'ts-b'));
    const expected = await expectedDifferences(a, b, join(dir.path, 'ts-cmp'));
    const configsEqual = JSON.stringify(a.config) === JSON.stringify(b.config);
    const repro = report.reproducibility!;
    const dockerCheck = repro.images.find((check) => check.image === 'docker')!;
    expect(
      repro.differences
        .filter((d) => d.image === 'docker' && d.path !== '')
        .map((d) => `${d.layer} ${d.kind} ${d.path}`)
        .sort(),
    ).toEqual(expected);
    expect(dockerCheck.configDifferences === 0).toBe(configsEqual);
    const sameLayers =
      a.layers.length === b.layers.length &&
      (await Promise.all(a.layers.map(async (layer, i) => (await execa('cmp', ['-s', layer.tar, b.layers[i]!.tar], { reject: false })).exitCode === 0))).every(
        Boolean,
      );
    expect(dockerCheck.identical).toBe(expected.length === 0 && configsEqual && sameLayers);
    expect(exitCode).toBe(dockerCheck.identical ? 0 : 3);
    expect(report.images.find((image) => image.role === 'docker')!.config.created).toBe('1970-01-01T00:00:00Z');
    const text = renderAuditText(report);
    if (dockerCheck.identical) expect(text).toMatch(/^ {2}Dockerfile identical; buildah bud --no-cache, twice$/m);
    else expect(text).toMatch(/^ {2}Dockerfile differs/m);
    console.info(`busybox --timestamp 0 rebuild: ${dockerCheck.identical ? 'identical' : `${repro.differences.length} file differences`}`);
  }, 240_000);

  it('no shell ever sees a build argument or a file name', async () => {
    const marker = `/tmp/dock2nix-pwned-${process.pid}`;
    const evil = `$(touch ${marker}-arg); \`touch ${marker}-tick\` ; echo 'q' "dq" | cat && exit 7 # \\n`;
    // A context folder, a Dockerfile, a file in the context, a Nix folder, the kept archives and the report: all named with shell syntax.
    const weird = join(dir.path, 'ctx $(touch pwned-ctx); echo');
    await mkdir(weird);
    await cp(BUSYBOX, join(weird, 'busybox'));
    await writeFile(join(weird, '$(touch pwned-file);x.txt'), 'payload\n');
    const dockerfile = join(weird, 'Dockerfile;$(touch pwned-df)');
    await writeFile(
      dockerfile,
      [
        'FROM scratch',
        'ARG EVIL',
        'COPY busybox /bin/busybox',
        'COPY . /ctx/',
        'RUN ["/bin/busybox", "sh", "-c", "printf %s \\"$EVIL\\" > /evil.txt"]',
        '',
      ].join('\n'),
    );
    const nixDir = join(dir.path, 'nix $(touch pwned-nix);');
    await cp(NIX_FIXTURES, nixDir, { recursive: true });
    const keep = join(dir.path, 'keep `touch pwned-keep`');
    const out = join(dir.path, 'report $(touch pwned-out);.json');
    const result = await cli(
      [
        'audit',
        dockerfile,
        '--nix',
        join(nixDir, 'busybox.nix'),
        '--build-arg',
        `EVIL=${evil}`,
        ...BUILDAH_FLAGS,
        ...NIX_FLAGS,
        '--keep-archives',
        keep,
        '-o',
        out,
        '--progress',
        'plain',
      ],
      { cwd: dir.path },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    await expectNoImagesLeft(result.stderr);
    const report = JSON.parse(await readFile(out, 'utf8')) as AuditReport;
    expect(report.images.find((image) => image.role === 'docker')!.build!.buildArgs).toEqual(['EVIL']); // names only: values may be secrets
    // The value reached the build exactly as given, and the weird file name made it into the image as it is.
    const counted = await countArchive(join(keep, 'docker.tar'), join(dir.path, 'count-weird'));
    const runLayer = counted.layers[counted.layers.length - 1]!;
    await execa('tar', ['-x', '-C', join(dir.path, 'count-weird'), '-f', runLayer.tar, 'evil.txt']);
    expect(await readFile(join(dir.path, 'count-weird', 'evil.txt'), 'utf8')).toBe(evil);
    expect(counted.layers.flatMap((layer) => layer.listing.map((entry) => entry.path))).toContain('ctx/$(touch pwned-file);x.txt');
    // And nothing ran.
    const found = (await execa('find', [dir.path, repoRoot, '-maxdepth', '3', '-name', 'pwned-*'])).stdout;
    expect(found).toBe('');
    expect(existsSync(`${marker}-arg`)).toBe(false);
    expect(existsSync(`${marker}-tick`)).toBe(false);
  }, 240_000);

  it('Ctrl-C during a RUN step stops buildah and the step, removes what it built, and writes no report', async () => {
    const slow = join(dir.path, 'slow');
    await mkdir(slow);
    await cp(BUSYBOX, join(slow, 'busybox'));
    await writeFile(join(slow, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sleep", "3737"]\n');
    const tmp = join(dir.path, 'tmp-ctrl-c');
    await mkdir(tmp);
    const report = join(dir.path, 'never.html');
    const child = execa(
      process.execPath,
      [
        join(repoRoot, 'bin/dock2nix.js'),
        'audit',
        join(slow, 'Dockerfile'),
        '--nix',
        join(NIX_FIXTURES, 'busybox.nix'),
        ...BUILDAH_FLAGS,
        ...NIX_FLAGS,
        '--progress',
        'plain',
        '-o',
        report,
      ],
      {
        reject: false,
        env: { TMPDIR: tmp },
        stdin: 'ignore',
      },
    );
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the RUN step never started: ${stderr}`)), 120_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('STEP 3/3: RUN')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    for (let i = 0; i < 100; i++) {
      if ((await execa('ps', ['-eo', 'args'])).stdout.includes('sleep 3737')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain('dock2nix: Ctrl-C: stopping the builds and cleaning up');
    expect(result.stderr.trim().split('\n').pop()).toBe('dock2nix: interrupted: the builds were stopped and no report was written');
    expect(existsSync(report)).toBe(false);
    expect(await readdir(tmp)).toEqual([]);
    expect((await execa('ps', ['-eo', 'args'])).stdout).not.toContain('sleep 3737');
    // The layer made before the RUN step is removed again, and so is the working container.
    const made = [...result.stderr.matchAll(/--> ([0-9a-f]{11})\s*$/gm)].map((match) => match[1]!);
    expect(made.length).toBeGreaterThan(0);
    const images = (await buildah(['images', '-q', '--all'])).stdout;
    for (const id of made) expect(images).not.toContain(id);
    const containers = (await buildah(['containers', '--all', '--format', '{{.ContainerName}} {{.ImageID}}'])).stdout;
    for (const id of made) expect(containers).not.toContain(id);
  }, 240_000);

  it('--engine podman builds the same Dockerfile, and its figures match too', async () => {
    if (!hasTool('podman')) {
      if (process.env.CI) throw new Error('podman is needed under CI (.ci/run installs it)');
      console.warn('SKIP the podman case: podman is not installed');
      return;
    }
    const keep = join(dir.path, 'keep-podman');
    const result = await cli([
      'audit',
      join(context, 'Dockerfile'),
      '--nix',
      join(NIX_FIXTURES, 'busybox.nix'),
      '--engine',
      'podman',
      '--storage-driver',
      'vfs',
      '--isolation',
      'chroot',
      '--pull',
      'never',
      ...NIX_FLAGS,
      '--keep-archives',
      keep,
      '--json',
      '--progress',
      'plain',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    await expectNoImagesLeft(result.stderr);
    const report = JSON.parse(result.stdout) as AuditReport;
    const docker = report.images.find((image) => image.role === 'docker')!;
    expect(docker.build!.tool).toBe('podman');
    expectImageMatches(docker, await countArchive(join(keep, 'docker.tar'), join(dir.path, 'count-podman')));
    expect(docker.totals.layers).toBe(6);
  }, 240_000);
});
