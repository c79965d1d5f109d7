/**
 * `dock2nix audit` on archives made in the test (no engine, no Nix): the JSON shape, the comparison, the gates
 * and their exit status, the report formats and their escaping, writing files, usage errors, progress.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkGatesApplicable, evaluateGates, parseGates } from '../../src/audit/gates.js';
import { renderAuditHtml } from '../../src/audit/render-html.js';
import { cell, code, renderAuditMarkdown } from '../../src/audit/render-markdown.js';
import { renderAuditText } from '../../src/audit/render-text.js';
import { groupPaths, reproducibilityHints } from '../../src/audit/report.js';
import type { AuditReport } from '../../src/audit/types.js';
import { reportFormat } from '../../src/cli/commands/audit.js';
import { Dock2nixError } from '../../src/errors.js';
import { hasTool } from '../helpers/tools.js';
import { imageConfig, makeTar, writeDockerArchive, type TestEntry } from '../image/helpers.js';
import { assertBuilt, checkInChromium, CHROMIUM, cli, tempDir, TEST_OUTPUT } from './helpers.js';

let dir: { path: string; remove: () => Promise<void> };
const archives: Record<string, string> = {};
const HOSTILE = 'app/<script>alert(1)</script> | `tick` **bold**.txt';
/** A file name that would turn a terminal red (and could do worse). */
const ESCAPE = 'app/\x1b[31mred\x1b[0m\r.txt';

beforeAll(async () => {
  assertBuilt();
  dir = await tempDir('dock2nix-audit-report-');
  const t0 = new Date('2024-01-01T00:00:00Z');
  // "Dockerfile" image: 3 layers, 100 + 40 bytes of which 40 are replaced and 10 deleted later.
  const docker: TestEntry[][] = [
    [
      { name: 'app/', mtime: t0 },
      { name: 'app/run', data: 'r'.repeat(100), mtime: t0 },
      { name: 'app/old', data: 'o'.repeat(10), mtime: t0 },
    ],
    [
      { name: 'app/config', data: 'c'.repeat(40), mtime: t0 },
      { name: HOSTILE, data: 'h'.repeat(7), mtime: t0 },
      { name: ESCAPE, data: '', mtime: t0 },
    ],
    [
      { name: 'app/config', data: 'C'.repeat(30), mtime: t0 },
      { name: 'app/.wh.old', data: '' },
    ],
  ];
  const dockerTars = await Promise.all(docker.map(makeTar));
  archives.docker = await writeDockerArchive(join(dir.path, 'docker.tar'), {
    blobs: dockerTars,
    config: imageConfig(dockerTars, { history: dockerTars.map((_, i) => ({ created_by: `/bin/sh -c #(nop) COPY step ${i} | <b>${i}</b>` })) }),
    repoTags: ['docker/app:latest'],
  });
  // "Nix" image: one layer, 100 + 30 bytes, nothing wasted.
  const nix = [
    [
      { name: 'app/', mtime: t0 },
      { name: 'app/run', data: 'r'.repeat(100), mtime: t0 },
      { name: 'app/config', data: 'C'.repeat(30), mtime: t0 },
    ],
  ];
  const nixTars = await Promise.all(nix.map(makeTar));
  archives.nix = await writeDockerArchive(join(dir.path, 'nix.tar'), { blobs: nixTars, repoTags: ['nix/app:latest'] });
  // A "Nix" image larger than the Dockerfile one.
  const big = [
    [
      { name: 'app/', mtime: t0 },
      { name: 'app/blob', data: 'b'.repeat(20_000), mtime: t0 },
    ],
  ];
  const bigTars = await Promise.all(big.map(makeTar));
  archives.big = await writeDockerArchive(join(dir.path, 'big.tar'), { blobs: bigTars, repoTags: ['nix/big:latest'] });
}, 60_000);

afterAll(async () => {
  await dir?.remove();
});

async function auditJson(args: string[]): Promise<{ report: AuditReport; exitCode: number; stderr: string }> {
  const result = await cli(['audit', ...args, '--report', 'json']);
  if (result.stdout === '') throw new Error(`no JSON (exit ${result.exitCode}): ${result.stderr}`);
  return { report: JSON.parse(result.stdout) as AuditReport, exitCode: result.exitCode ?? -1, stderr: result.stderr };
}

describe('audit of two archives', () => {
  it('JSON: images with the documented keys, and a comparison whose numbers follow from them', async () => {
    const { report, exitCode, stderr } = await auditJson(['--docker-archive', archives.docker!, '--nix-archive', archives.nix!]);
    expect(exitCode).toBe(0);
    expect(stderr).toBe(''); // no progress when stdout is not a terminal
    expect(report.images.map((image) => [image.role, image.label, image.format])).toEqual([
      ['docker', 'docker/app:latest', 'docker-archive'],
      ['nix', 'nix/app:latest', 'docker-archive'],
    ]);
    for (const image of report.images) {
      for (const key of ['label', 'source', 'format', 'config', 'layers', 'totals']) expect(image).toHaveProperty(key);
      for (const layer of image.layers)
        for (const key of ['digest', 'diffId', 'uncompressedBytes', 'compressedBytes', 'contentBytes', 'files', 'createdBy']) expect(layer).toHaveProperty(key);
      for (const key of ['layers', 'uncompressedBytes', 'compressedBytes', 'contentBytes', 'files', 'wastedBytes', 'efficiency'])
        expect(image.totals).toHaveProperty(key);
      expect(image.build).toBeNull();
    }
    const [docker, nix] = report.images as [AuditReport['images'][0], AuditReport['images'][0]];
    // Known by construction: 100 + 10 + 40 + 7 + 30 bytes; 40 (replaced) + 10 (whited out) wasted.
    expect(docker.totals).toMatchObject({ layers: 3, contentBytes: 187, files: 6, wastedBytes: 50, wastedFiles: 2, visibleBytes: 137 });
    expect(nix.totals).toMatchObject({ layers: 1, contentBytes: 130, files: 2, wastedBytes: 0, efficiency: 1 });
    const c = report.comparison!;
    expect(c.docker).toBe('docker/app:latest');
    expect(c.nix).toBe('nix/app:latest');
    for (const [metric, value] of Object.entries(c.metrics)) {
      const d = metric === 'layers' ? docker.totals.layers : docker.totals[metric as keyof typeof docker.totals];
      const n = metric === 'layers' ? nix.totals.layers : nix.totals[metric as keyof typeof nix.totals];
      expect(value.docker, metric).toBe(d);
      expect(value.nix, metric).toBe(n);
      if (d === null || n === null) expect(value.difference).toBeNull();
      else expect(value.difference, metric).toBeCloseTo((n as number) - (d as number), 12);
      if (d === null || n === null || d === 0) expect(value.ratio, metric).toBeNull();
      else expect(value.ratio, metric).toBeCloseTo((n as number) / (d as number), 12);
    }
    expect(c.nixSmaller).toBe(nix.totals.uncompressedBytes < docker.totals.uncompressedBytes);
    expect(c.nixSmaller).toBe(true);
    expect(c.summary).toMatch(/smaller.*2 fewer layers/);
    expect(report).not.toHaveProperty('reproducibility'); // only with --repro
    expect(report.gates).toEqual([]);
  });

  it('--fail-on: exit 0 when every gate passes, 3 when one fails; the report says which', async () => {
    const pass = await auditJson([
      '--docker-archive',
      archives.docker!,
      '--nix-archive',
      archives.nix!,
      '--fail-on',
      'nix-not-smaller',
      '--fail-on',
      'nix.efficiency<0.9,layers>5',
    ]);
    expect(pass.exitCode, pass.stderr).toBe(0);
    expect(pass.report.gates.map((gate) => [gate.rule, gate.passed])).toEqual([
      ['nix-not-smaller', true],
      ['nix.efficiency<0.9', true],
      ['layers>5', true],
    ]);
    // The Dockerfile image's efficiency is 137/187 = 73%: below 90%, so this gate fails.
    const fail = await auditJson(['--docker-archive', archives.docker!, '--nix-archive', archives.nix!, '--fail-on', 'efficiency<90%,docker.wasted>=50B']);
    expect(fail.exitCode, fail.stderr).toBe(3);
    expect(fail.report.gates.map((gate) => [gate.rule, gate.passed])).toEqual([
      ['efficiency<90%', false],
      ['docker.wasted>=50B', false],
    ]);
    expect(fail.stderr).toMatch(/^dock2nix: --fail-on: efficiency<90% \(efficiency: docker 73\.3%, nix 100\.0%\); docker\.wasted>=50B/);
    const larger = await cli(['audit', '--docker-archive', archives.docker!, '--nix-archive', archives.big!, '--fail-on', 'nix-not-smaller']);
    expect(larger.exitCode, larger.stderr).toBe(3);
    expect(larger.stdout).toMatch(/FAIL {2}nix-not-smaller: Nix 22\.0 KiB >= Dockerfile 9\.5 KiB/);
  });

  it('-o writes the report atomically in the format its extension names, and never replaces a file without --force', async () => {
    const out = join(dir.path, 'report.md');
    const first = await cli(['audit', '--docker-archive', archives.docker!, '--nix-archive', archives.nix!, '-o', out]);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toBe(`dock2nix: markdown report written to ${out}`);
    const markdown = await readFile(out, 'utf8');
    // The equivalence verdict heads the report, the heading follows.
    expect(markdown).toMatch(/^\*\*Verdict: NOT EQUIVALENT: [^\n]*\*\*\n\n## dock2nix audit/);
    await writeFile(out, 'mine');
    const again = await cli(['audit', '--docker-archive', archives.docker!, '--nix-archive', archives.nix!, '-o', out]);
    expect(again.exitCode, again.stderr).toBe(1);
    expect(again.stderr).toBe(`dock2nix: ${out}: already exists; nothing was written (use --force to overwrite)`);
    expect(await readFile(out, 'utf8')).toBe('mine');
    const forced = await cli(['audit', '--docker-archive', archives.docker!, '--nix-archive', archives.nix!, '-o', out, '--force', '--report', 'html']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/^<!doctype html>/);
    const json = join(dir.path, 'report.json');
    expect((await cli(['audit', '--docker-archive', archives.docker!, '--nix-archive', archives.nix!, '-o', json])).exitCode).toBe(0);
    expect(JSON.parse(await readFile(json, 'utf8')).images).toHaveLength(2);
    const leftovers = (await execa('ls', ['-a', dir.path])).stdout.split('\n').filter((name) => name.includes('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('a single image is reported on its own', async () => {
    const { report, exitCode } = await auditJson(['--nix-archive', archives.nix!]);
    expect(exitCode).toBe(0);
    expect(report.images.map((image) => image.role)).toEqual(['nix']);
    expect(report.comparison).toBeNull();
    const text = await cli(['audit', '--docker-archive', archives.docker!]);
    expect(text.stdout).toMatch(/^ {2}Wasted +50 B$/m);
  });

  it('text: the side-by-side table, then each image as inspect shows it', async () => {
    const result = await cli(['audit', '--docker-archive', archives.docker!, '--nix-archive', archives.nix!]);
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.find((line) => line.startsWith('  Layers'))).toMatch(/^ {2}Layers +3 +1 +-2 +0\.33x$/);
    expect(lines.find((line) => line.startsWith('  Wasted '))).toMatch(/^ {2}Wasted +50 B +0 B +-50 B +0\.00x$/);
    expect(lines.find((line) => line.startsWith('  Efficiency'))).toMatch(/^ {2}Efficiency +73\.3% +100\.0% +\+26\.7 pt$/);
    expect(result.stdout).toContain('Dockerfile image\ndocker/app:latest');
    expect(result.stdout).toContain('Nix image\nnix/app:latest');
    expect(lines.filter((line) => line.length > 80)).toEqual([]);
    // Control characters from the image are shown, not obeyed.
    expect(result.stdout).not.toMatch(/[\x1b\r]/);
    expect(result.stdout).toContain('app/\\u001b[31mred\\u001b[0m\\u000d.txt');
    const markdown = await cli(['audit', '--docker-archive', archives.docker!, '--report', 'markdown']);
    expect(markdown.stdout).not.toMatch(/[\x1b\r]/);
  });
});

describe('usage errors are one line, before anything is built', () => {
  const cases: Array<[string, string[], RegExp, number]> = [
    ['nothing to audit', [], /^dock2nix: nothing to audit: give a Dockerfile, or image archives/, 2],
    ['--json with another format', ['--nix-archive', 'x.tar', '--json', '--report', 'html'], /--json and --report html contradict each other/, 2],
    [
      'an unknown gate',
      ['--nix-archive', 'x.tar', '--fail-on', 'bogus'],
      /--fail-on "bogus": expected nix-not-smaller, not-reproducible, not-equivalent, or METRIC<VALUE/,
      2,
    ],
    ['a gate without --repro', ['--nix-archive', 'x.tar', '--fail-on', 'not-reproducible'], /--fail-on "not-reproducible": needs --repro/, 2],
    ['nix-not-smaller with one image', ['--nix-archive', 'x.tar', '--fail-on', 'nix-not-smaller'], /needs both a Dockerfile image and a Nix image/, 2],
    ['a bad unit', ['--nix-archive', 'x.tar', '--fail-on', 'wasted>3parsecs'], /unknown unit "parsecs"/, 2],
    [
      '--repro with archives only',
      ['--docker-archive', 'x.tar', '--nix-archive', 'y.tar', '--repro'],
      /--repro rebuilds images, but every image here comes from an archive/,
      2,
    ],
    ['a bad time stamp', ['--nix-archive', 'x.tar', '--timestamp', 'yesterday'], /--timestamp "yesterday" is not a number/, 2],
    ['a missing archive', ['--nix-archive', '/nonexistent/x.tar'], /^dock2nix: \/nonexistent\/x\.tar: no such image archive$/, 1],
    ['a missing Dockerfile', ['/nonexistent/Dockerfile'], /^dock2nix: \/nonexistent\/Dockerfile: no such file$/, 1],
    ['an unknown engine', ['x', '--engine', 'kaniko'], /argument 'kaniko' is invalid/, 2],
  ];
  for (const [name, args, message, status] of cases) {
    it(name, async () => {
      const result = await cli(['audit', ...args]);
      expect(result.exitCode, result.stderr).toBe(status);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
      expect(result.stdout).toBe('');
    });
  }

  it('--engine docker without a reachable daemon says so (or builds, where Docker runs)', async () => {
    if (!hasTool('docker')) return;
    const daemon = (await execa('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false, timeout: 15_000 })).exitCode === 0;
    if (daemon) return; // a working Docker is not this test's business
    const dockerfile = join(dir.path, 'Dockerfile');
    await writeFile(dockerfile, 'FROM scratch\n');
    const result = await cli(['audit', dockerfile, '--engine', 'docker', '--nix-archive', archives.nix!]);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/^dock2nix: --engine docker: the Docker daemon is not reachable/);
  });
});

describe('progress', () => {
  it('--progress plain shows the phases with elapsed time on stderr; stdout keeps only the report', async () => {
    const result = await cli(['audit', '--docker-archive', archives.docker!, '--nix-archive', archives.nix!, '--progress', 'plain', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^ +\d+\.\ds {2}== reading the images$/m);
    expect(() => JSON.parse(result.stdout)).not.toThrow();
  });

  it('on a terminal it shows progress; --json keeps it quiet there too', async () => {
    if (!hasTool('tmux')) {
      if (process.env.CI) throw new Error('tmux is needed for the terminal test under CI');
      console.warn('SKIP: tmux is not installed');
      return;
    }
    const run = async (extra: string[]): Promise<string> => {
      const session = `dock2nix-audit-${process.pid}-${extra.length}`;
      const done = join(dir.path, `${session}.done`);
      const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
      const command = [
        process.execPath,
        join(process.cwd(), 'bin/dock2nix.js'),
        'audit',
        '--docker-archive',
        archives.docker!,
        '--nix-archive',
        archives.nix!,
        '-o',
        join(dir.path, `${session}.out`),
        '--force',
        ...extra,
      ]
        .map(quote)
        .join(' ');
      await execa('tmux', ['new-session', '-d', '-s', session, '-x', '150', '-y', '50', `${command}; echo EXIT=$? > ${quote(done)}; sleep 30`]);
      try {
        for (let i = 0; i < 300 && !existsSync(done); i++) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(await readFile(done, 'utf8')).toBe('EXIT=0\n');
        return (await execa('tmux', ['capture-pane', '-p', '-t', session])).stdout;
      } finally {
        await execa('tmux', ['kill-session', '-t', session], { reject: false });
      }
    };
    expect(await run([])).toMatch(/\d+\.\ds {2}== reading the images/);
    expect(await run(['--report', 'json'])).not.toMatch(/reading the images/);
  });
});

describe('gates', () => {
  it('parses metrics, units and sides', () => {
    expect(parseGates(['nix.wasted>20MB, efficiency<=95%', 'docker.size>=1GiB', 'layers>100', 'files<3', 'content>1.5k'])).toEqual([
      { rule: 'nix.wasted>20MB', kind: 'metric', side: 'nix', metric: 'wasted', operator: '>', value: 20_000_000 },
      { rule: 'efficiency<=95%', kind: 'metric', side: null, metric: 'efficiency', operator: '<=', value: 0.95 },
      { rule: 'docker.size>=1GiB', kind: 'metric', side: 'docker', metric: 'size', operator: '>=', value: 1024 ** 3 },
      { rule: 'layers>100', kind: 'metric', side: null, metric: 'layers', operator: '>', value: 100 },
      { rule: 'files<3', kind: 'metric', side: null, metric: 'files', operator: '<', value: 3 },
      { rule: 'content>1.5k', kind: 'metric', side: null, metric: 'content', operator: '>', value: 1500 },
    ]);
    for (const bad of ['efficiency<2', 'layers>1.5', 'layers>3MB', 'speed>1', 'wasted>lots', 'efficiency<0.9MB']) {
      expect(() => parseGates([bad]), bad).toThrow(Dock2nixError);
    }
    expect(() => checkGatesApplicable(parseGates(['nix.size>1']), ['docker'], false)).toThrow(/there is no nix image/);
    expect(() => checkGatesApplicable(parseGates(['nix.size>1', 'not-reproducible']), ['docker', 'nix'], true)).not.toThrow();
  });

  it('a gate fails exactly when its condition holds', () => {
    const image = (role: 'docker' | 'nix', efficiency: number, size: number) =>
      ({ role, totals: { efficiency, uncompressedBytes: size, wastedBytes: 0, contentBytes: 0, layers: 1, files: 1 } }) as unknown as AuditReport['images'][0];
    const report = { images: [image('docker', 0.9, 100), image('nix', 0.95, 100)], gates: [] } as unknown as AuditReport;
    const results = evaluateGates(parseGates(['efficiency<0.9', 'efficiency<=0.9', 'nix-not-smaller', 'nix.size>99']), report);
    expect(results.map((r) => r.passed)).toEqual([true, false, false, false]);
    expect(results[2]!.detail).toBe('Nix 100 B >= Dockerfile 100 B');
  });
});

describe('rendering', () => {
  let report: AuditReport;
  beforeAll(async () => {
    report = (await auditJson(['--docker-archive', archives.docker!, '--nix-archive', archives.nix!, '--fail-on', 'nix-not-smaller'])).report;
    // A reproducibility section as --repro makes it, with a hostile path.
    report.reproducibility = {
      identical: false,
      identicalIgnoringTimestamps: false,
      ignoreTimestamps: false,
      images: [
        {
          image: 'docker',
          label: 'x',
          method: 'buildah bud --no-cache, twice',
          compared: true,
          identical: false,
          identicalIgnoringTimestamps: false,
          counts: { content: 2, mtime: 1, mode: 0, owner: 0, added: 0, removed: 0, link: 0 },
          configDifferences: 0,
          hints: ['a | hint <b>'],
        },
      ],
      differences: [
        { image: 'docker', layer: 1, path: HOSTILE, kind: 'content', a: '1 bytes', b: '2 bytes' },
        { image: 'docker', layer: 1, path: 'var/log/dpkg.log', kind: 'content' },
        { image: 'docker', layer: 1, path: 'var/log/dpkg.log', kind: 'mtime' },
      ],
      configDifferences: [],
    };
  });

  it('Markdown: every table row has its columns, and nothing from the image becomes HTML or formatting', () => {
    const markdown = renderAuditMarkdown(report);
    // Inside code spans text is shown as it is; outside them nothing may be HTML.
    const outsideCode = markdown.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, '');
    expect(outsideCode).not.toContain('<script>');
    expect(outsideCode).not.toContain('<b>');
    expect(outsideCode).not.toContain('**bold**');
    for (const line of markdown.split('\n').filter((l) => l.startsWith('|'))) {
      const header = markdown.split('\n').find((l) => l.startsWith('|') && markdown.indexOf(l) <= markdown.indexOf(line));
      expect(header).toBeDefined();
      // Unescaped pipes delimit cells; `\|` does not.
      const cells = line.replace(/\\\|/g, '').split('|').length;
      expect(cells, line).toBeGreaterThanOrEqual(3);
    }
    const row = markdown.split('\n').find((l) => l.includes('alert(1)') && l.startsWith('| docker'))!;
    expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(7); // image, layer, kind, path, detail + both ends
    expect(markdown).toMatch(/### Reproducibility: DIFFERENT/);
    expect(markdown).toContain('`var/log/dpkg.log`');
    expect(markdown).toMatch(/- ✅ `nix-not-smaller`/);
    expect(code('a`b')).toBe('``a`b``');
    expect(code('`x')).toBe('`` `x ``');
    expect(cell('a|b\n<i>')).toBe('a\\|b &lt;i&gt;');
  });

  it('HTML: one self-contained file, everything escaped, no way to reach the network', () => {
    const html = renderAuditHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'`);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.match(/<script/g)).toHaveLength(1); // ours, inline
    expect(html).not.toMatch(/\b(src|href)\s*=/i); // no external resources of any kind
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html).toContain('id="reproducibility"');
    expect(html.match(/<svg/g)!.length).toBe(3); // the totals, and one layer chart per image
  });

  it('HTML in headless Chromium: renders side by side, runs nothing from the image, asks for nothing', async () => {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must check the HTML report (apt-get install chromium)`);
      console.warn(`SKIP: ${CHROMIUM} is not installed`);
      return;
    }
    await mkdir(TEST_OUTPUT, { recursive: true });
    const file = join(TEST_OUTPUT, 'audit-synthetic.html');
    await writeFile(file, renderAuditHtml(report));
    const check = await checkInChromium(file, join(TEST_OUTPUT, 'audit-synthetic.png'), async (page) => {
      // Sorting the largest-files table by size, ascending then descending.
      const sizes = async (): Promise<number[]> =>
        page.$$eval('.image.docker table.sortable:first-of-type tbody td:first-child', (cells) => cells.map((cell) => Number(cell.getAttribute('data-value'))));
      await page.click('.image.docker table.sortable:first-of-type thead th:first-child');
      const descending = await sizes();
      expect(descending).toEqual([...descending].sort((a, b) => b - a));
      await page.click('.image.docker table.sortable:first-of-type thead th:first-child');
      const ascending = await sizes();
      expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    });
    expect(check.consoleErrors).toEqual([]);
    expect(check.pageErrors).toEqual([]);
    expect(check.dialogs).toEqual([]);
    expect(check.requests).toEqual([]);
    expect(check.sideBySide).toBe(true);
    expect(check.title).toBe('dock2nix audit');
    expect(check.text).toContain('app/<script>alert(1)</script>');
    expect(check.text).toMatch(/Reproducibility\s+DIFFERENT/);
  });

  it('text names what still differs, grouped', () => {
    const text = renderAuditText(report);
    expect(text).toContain('Reproducibility: DIFFERENT');
    expect(text).toMatch(/still differs: [\s\S]*var\/log\/dpkg\.log/);
    expect(groupPaths(['var/log/apt/history.log', 'var/log/apt/term.log', 'var/log/dpkg.log'])).toEqual(['var/log/apt/* (2)', 'var/log/dpkg.log']);
  });

  it('hints name the known causes of differing builds', () => {
    const hints = reproducibilityHints([
      { layer: 1, path: 'var/log/apt/term.log', kind: 'content' },
      { layer: 1, path: 'var/cache/apt/pkgcache.bin', kind: 'content' },
      { layer: 1, path: 'var/cache/ldconfig/aux-cache', kind: 'content' },
      { layer: 1, path: 'usr/bin', kind: 'mtime' },
    ]);
    expect(hints.join('\n')).toMatch(/var\/log\/apt.*\n.*var\/cache\/apt\/\*\.bin.*\n.*aux-cache.*\n.*modification times differ: build with --timestamp 0/);
    expect(reproducibilityHints([{ layer: 0, path: 'etc', kind: 'mtime' }], 'nix')[0]).toMatch(/^only modification times differ: give every file a fixed time/);
  });

  it('the report format comes from --report, --json, or the -o extension', () => {
    expect(reportFormat({ output: 'a/b.HTML' })).toBe('html');
    expect(reportFormat({ output: 'summary.md' })).toBe('markdown');
    expect(reportFormat({ output: 'x.out' })).toBe('text');
    expect(reportFormat({ json: true, output: 'x.md' })).toBe('json');
    expect(reportFormat({ format: 'markdown', output: 'x.html' })).toBe('markdown');
    expect(reportFormat({})).toBe('text');
  });
});
