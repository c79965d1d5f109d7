/** The built CLI (`node bin/dock2nix.js inspect|diff`): exit codes, JSON shapes, one-line errors. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzip, imageConfig, makeTar, tempDir, writeDockerArchive, type TestEntry } from './helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/dock2nix.js');

let dir: { path: string; remove: () => Promise<void> };
const archives: Record<string, string> = {};

function cli(args: string[]) {
  return execa('node', [BIN, ...args], { reject: false, env: { NO_COLOR: '1' }, stdin: 'ignore' });
}

beforeAll(async () => {
  // `npm test` builds dist/ before the tests run.
  for (const file of ['dist/cli/main.js', 'dist/cli/commands/inspect.js', 'dist/cli/commands/diff.js', 'dist/image/inspect.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} was not built: run npm run build first`);
  }

  dir = await tempDir();
  const at = (mtime: Date): TestEntry[] => [
    { name: 'app/', mtime },
    { name: 'app/run', data: 'echo hi\n', mtime },
    { name: 'app/old', data: 'x'.repeat(40), mtime },
  ];
  const later: TestEntry[] = [{ name: 'app/.wh.old', data: '' }];
  const t0 = new Date('2024-01-01T00:00:00Z');
  const t1 = new Date('2024-02-01T00:00:00Z');
  const tarsA = [await makeTar(at(t0)), await makeTar(later)];
  const tarsB = [await makeTar(at(t1)), await makeTar(later)];
  archives.a = await writeDockerArchive(join(dir.path, 'a.tar'), { blobs: tarsA, config: imageConfig(tarsA) });
  archives.aCopy = await writeDockerArchive(join(dir.path, 'a-copy.tar.gz'), {
    blobs: tarsA.map(gzip),
    tars: tarsA,
    config: imageConfig(tarsA),
    compress: 'gzip',
  });
  archives.b = await writeDockerArchive(join(dir.path, 'b.tar'), { blobs: tarsB, config: imageConfig(tarsB, { created: '2024-02-01T00:00:00Z' }) });
  const tarsC = [await makeTar([{ name: 'app/run', data: 'echo bye\n', mtime: t0 }])];
  archives.c = await writeDockerArchive(join(dir.path, 'c.tar'), { blobs: tarsC });
  const corrupt = gzip(tarsA[0]!);
  corrupt.fill(0x42, 20, 50);
  archives.corrupt = await writeDockerArchive(join(dir.path, 'corrupt.tar'), { blobs: [corrupt], tars: [tarsA[0]!] });
}, 180_000);

afterAll(async () => {
  await dir?.remove();
});

describe('dock2nix inspect', () => {
  it('--json prints the documented shape and exits 0', async () => {
    const result = await cli(['inspect', archives.a!, '--json']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { images: Record<string, unknown>[] };
    expect(report.images).toHaveLength(1);
    const image = report.images[0]!;
    expect(image).toMatchObject({ label: 'test/image:latest', source: archives.a, format: 'docker-archive' });
    expect(Object.keys(image)).toEqual(expect.arrayContaining(['label', 'source', 'format', 'config', 'layers', 'totals', 'largestFiles', 'wasted']));
    const layers = image.layers as Record<string, unknown>[];
    expect(layers).toHaveLength(2);
    for (const key of ['digest', 'diffId', 'uncompressedBytes', 'compressedBytes', 'contentBytes', 'files', 'createdBy']) expect(layers[0]).toHaveProperty(key);
    expect(layers[0]).toMatchObject({ files: 2, contentBytes: 48, compressedBytes: null, createdBy: 'step 0' });
    expect(image.totals).toMatchObject({ layers: 2, files: 2, contentBytes: 48, wastedBytes: 40, efficiency: 1 - 40 / 48, compressedBytes: null });
    expect(image.wasted).toEqual([{ path: 'app/old', bytes: 40, layer: 0, hiddenBy: 1, reason: 'whiteout' }]);
  });

  it('--verify hashes every layer and checks the digests; without it the report says they were not checked', async () => {
    const unchecked = await cli(['inspect', archives.a!]);
    expect(unchecked.stdout).toContain('layer digests not checked against the bytes (inspect --verify checks them)');
    const json = await cli(['inspect', archives.a!, '--json']);
    const image = (JSON.parse(json.stdout) as { images: { digestsChecked: boolean; layers: { digest: string; diffId: string }[] }[] }).images[0]!;
    expect(image.digestsChecked).toBe(false);
    // Plain layers: the blob is the tar, so the config's diffID is the blob digest too.
    expect(image.layers.map((layer) => layer.digest)).toEqual(image.layers.map((layer) => layer.diffId));
    const verified = await cli(['inspect', archives.aCopy!, '--verify', '--json']);
    expect(verified.exitCode).toBe(0);
    const checked = (JSON.parse(verified.stdout) as { images: { digestsChecked: boolean; findings: unknown[]; layers: { digest: string }[] }[] }).images[0]!;
    expect(checked).toMatchObject({ digestsChecked: true, findings: [] });
    for (const layer of checked.layers) expect(layer.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await cli(['inspect', archives.a!, '--verify'])).stdout).not.toContain('not checked');
  });

  it('prints a readable table without colour codes', async () => {
    const result = await cli(['inspect', archives.aCopy!]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('(docker-archive, gzip)');
    expect(result.stdout).toContain('Wasted space: 40 B in 1 files; efficiency 16.7%');
    expect(result.stdout).not.toMatch(/\x1b\[/);
    for (const line of result.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('a corrupt layer: one line on stderr, exit 1, no stack trace, nothing on stdout', async () => {
    const result = await cli(['inspect', archives.corrupt!]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dock2nix: .*corrupt\.tar: layer 0 [a-f0-9]{64}\.tar: corrupt gzip data/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('a missing archive: one line, exit 1', async () => {
    const result = await cli(['inspect', join(dir.path, 'nope.tar')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(`dock2nix: no such file or directory: ${join(dir.path, 'nope.tar')}`);
  });
});

describe('dock2nix diff', () => {
  it('exit 0 for the same image (even stored differently), 1 for different ones', async () => {
    const same = await cli(['diff', archives.a!, archives.aCopy!]);
    expect(same.exitCode).toBe(0);
    expect(same.stdout).toContain('Result: IDENTICAL');
    const different = await cli(['diff', archives.a!, archives.c!]);
    expect(different.exitCode).toBe(1);
    expect(different.stdout).toContain('Result: DIFFERENT');
  });

  it('--json prints the documented shape; --ignore-timestamps turns a time-only difference into exit 0', async () => {
    const strict = await cli(['diff', archives.a!, archives.b!, '--json']);
    expect(strict.exitCode).toBe(1);
    const report = JSON.parse(strict.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ identical: false, identicalIgnoringTimestamps: true });
    expect(report.differences).toEqual(
      expect.arrayContaining([
        { layer: 0, path: 'app/run', kind: 'mtime', a: '2024-01-01T00:00:00.000Z', b: '2024-02-01T00:00:00.000Z' },
        expect.objectContaining({ layer: 0, path: 'app', kind: 'mtime' }),
      ]),
    );
    expect(report.configDifferences).toEqual([{ key: 'created', kind: 'created', a: '2024-01-01T00:00:00Z', b: '2024-02-01T00:00:00Z' }]);
    const lenient = await cli(['diff', archives.a!, archives.b!, '--ignore-timestamps', '--json']);
    expect(lenient.exitCode).toBe(0);
    expect(JSON.parse(lenient.stdout)).toMatchObject({ identical: false, identicalIgnoringTimestamps: true, differences: [], configDifferences: [] });
  });

  it('a broken second archive: one-line error, exit 1', async () => {
    const result = await cli(['diff', archives.a!, archives.corrupt!]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('corrupt gzip data');
  });
});
