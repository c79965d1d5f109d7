/**
 * `dock2nix diff` shows what changed inside text files: a unified diff checked against the system's `diff -u`,
 * bounded in lines and bytes; binary files, files over the size bound and files past the file bound say so.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareImages } from '../../src/image/diff.js';
import { renderReproducibilityReport } from '../../src/image/render.js';
import { addTextDiffs, asText } from '../../src/image/text-diff.js';
import type { ReproducibilityReport } from '../../src/image/types.js';
import { hasTool } from '../helpers/tools.js';
import { gzip, imageConfig, makeTar, tempDir, writeDockerArchive } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir: { path: string; remove: () => Promise<void> };
let a: string;
let b: string;
const t0 = new Date('2024-01-01T00:00:00Z');

const CONFIG_A = ['# settings', 'port = 8080', 'host = localhost', 'mode = dev', 'workers = 2', 'log = info', 'cache = on', 'tls = off', ''].join('\n');
const CONFIG_B = ['# settings', 'port = 9090', 'host = localhost', 'mode = dev', 'workers = 2', 'log = info', 'cache = on', 'tls = on', 'extra = 1', ''].join(
  '\n',
);
const LONG_A = Array.from({ length: 400 }, (_, i) => `line ${i}`).join('\n');
const LONG_B = Array.from({ length: 400 }, (_, i) => `LINE ${i}`).join('\n');
const HOSTILE_B = 'ok\n\x1b[31mred\x1b[0m\rback\n';

beforeAll(async () => {
  dir = await tempDir('dock2nix-text-diff-');
  const layer = async (config: string, long: string, binary: Buffer, hostile: string, big: string) =>
    makeTar([
      { name: 'etc/', mtime: t0 },
      { name: 'etc/app.conf', data: config, mtime: t0 },
      { name: 'etc/long.txt', data: long, mtime: t0 },
      { name: 'bin/tool', data: binary, mtime: t0 },
      { name: 'etc/hostile.txt', data: hostile, mtime: t0 },
      { name: 'etc/big.txt', data: big, mtime: t0 },
      { name: 'etc/same.txt', data: 'same\n', mtime: t0 },
    ]);
  const tarsA = [await layer(CONFIG_A, LONG_A, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), 'ok\n', 'a'.repeat(3000))];
  const tarsB = [await layer(CONFIG_B, LONG_B, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 3]), HOSTILE_B, 'b'.repeat(3000))];
  a = await writeDockerArchive(join(dir.path, 'a.tar'), { blobs: tarsA, config: imageConfig(tarsA) });
  // The second one gzipped: the files are read again from either kind of archive.
  b = await writeDockerArchive(join(dir.path, 'b.tar'), { blobs: tarsB.map((tar) => gzip(tar)), config: imageConfig(tarsB) });
});
afterAll(async () => {
  await dir?.remove();
});

async function compared(limits?: Parameters<typeof addTextDiffs>[3]): Promise<ReproducibilityReport> {
  const report = await compareImages(a, b, { ignoreTimestamps: false });
  await addTextDiffs(report, a, b, limits);
  return report;
}

const textOf = (report: ReproducibilityReport, path: string) => report.differences.find((d) => d.path === path && d.kind === 'content')?.text;

describe('diff inside text files', () => {
  it('a changed text file gets the unified diff that diff -u gives', async () => {
    const report = await compared();
    const text = textOf(report, 'etc/app.conf')!;
    expect(text).toMatchObject({ kind: 'diff', added: 3, removed: 2 });
    expect(text.truncated).toBeUndefined();
    if (!hasTool('diff')) return;
    await mkdir(join(dir.path, 'u/a/etc'), { recursive: true });
    await mkdir(join(dir.path, 'u/b/etc'), { recursive: true });
    await writeFile(join(dir.path, 'u/a/etc/app.conf'), CONFIG_A);
    await writeFile(join(dir.path, 'u/b/etc/app.conf'), CONFIG_B);
    const system = await execa('diff', ['-u', 'a/etc/app.conf', 'b/etc/app.conf'], { cwd: join(dir.path, 'u'), reject: false });
    // The system's headers carry time stamps; the hunks must be the same.
    const hunks = (unified: string) => unified.split('\n').filter((line) => !line.startsWith('---') && !line.startsWith('+++'));
    expect(hunks(text.unified!)).toEqual(hunks(system.stdout.trimEnd()));
    expect(text.unified!.split('\n').slice(0, 2)).toEqual(['--- a/etc/app.conf', '+++ b/etc/app.conf']);
  });

  it('a long diff is cut at the line bound and at the byte bound, with the counts of the whole diff', async () => {
    const byLines = textOf(await compared({ fileBytes: 1 << 20, lines: 50, bytes: 1 << 20, files: 50 }), 'etc/long.txt')!;
    expect(byLines.unified!.split('\n')).toHaveLength(50);
    // 2 headers, 1 hunk header, 800 lines, and two "\ No newline at end of file" (neither file ends with one).
    expect(byLines).toMatchObject({ kind: 'diff', truncated: true, added: 400, removed: 400, note: 'cut at 50 of 805 lines' });
    const byBytes = textOf(await compared({ fileBytes: 1 << 20, lines: 10_000, bytes: 1000, files: 50 }), 'etc/long.txt')!;
    expect(Buffer.byteLength(`${byBytes.unified!}\n`)).toBeLessThanOrEqual(1000);
    expect(byBytes.truncated).toBe(true);
  });

  it('binary files, files over the size bound and files past the file bound say so', async () => {
    const report = await compared({ fileBytes: 2000, lines: 200, bytes: 16_384, files: 2 });
    expect(textOf(report, 'bin/tool')).toEqual({ kind: 'binary', note: 'binary files differ' });
    expect(textOf(report, 'etc/big.txt')).toEqual({ kind: 'too-large', note: 'larger than 2000 bytes: not compared as text' });
    const kinds = report.differences.filter((d) => d.text).map((d) => d.text!.kind);
    expect(kinds.filter((kind) => kind === 'diff' || kind === 'binary')).toHaveLength(2);
    expect(kinds).toContain('not-shown');
    expect(textOf(report, 'etc/same.txt')).toBeUndefined();
    expect(asText(Buffer.from([0xc3, 0x28]))).toBeNull(); // not UTF-8
    expect(asText(Buffer.from('héllo'))).toBe('héllo');
  });

  it('the text report shows the diffs within 80 columns, control characters made visible', async () => {
    const text = renderReproducibilityReport(await compared());
    expect(text).toContain('Inside the files (');
    expect(text).toMatch(/^ {2}layer 0 etc\/app\.conf: \+3 -2$/m);
    expect(text).toContain('    -port = 8080\n    +port = 9090');
    expect(text).toContain('    +\\x1b[31mred\\x1b[0m\\x0dback');
    expect(text).toMatch(/^ {2}layer 0 bin\/tool: binary files differ$/m);
    expect(text).not.toMatch(/\x1b/);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('dock2nix diff --json carries the diffs', async () => {
    const result = await execa(process.execPath, [join(ROOT, 'bin/dock2nix.js'), 'diff', a, b, '--json'], { reject: false, stdin: 'ignore' });
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout) as ReproducibilityReport;
    expect(textOf(report, 'etc/app.conf')!.unified).toContain('+tls = on');
  });
});
