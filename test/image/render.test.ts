import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareImages } from '../../src/image/diff.js';
import { inspectImage } from '../../src/image/inspect.js';
import { formatBytes, formatPercent, renderImageReport, renderReproducibilityReport, shortCreatedBy } from '../../src/image/render.js';
import { imageConfig, makeTar, tempDir, writeDockerArchive } from './helpers.js';

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir.remove();
});

describe('formatBytes', () => {
  it('uses binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });
  it('shows near-perfect efficiency with enough digits to see it is not 100%', () => {
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(0.99997)).toBe('99.997%');
    expect(formatPercent(0.5)).toBe('50.0%');
  });
});

describe('shortCreatedBy', () => {
  it('turns buildah/docker history into the instruction', () => {
    expect(shortCreatedBy(`/bin/sh -c #(nop) COPY file:${'a'.repeat(64)} in /bin/busybox `)).toBe(`COPY file:${'a'.repeat(12)} in /bin/busybox`);
    expect(shortCreatedBy('/bin/sh -c apt-get update')).toBe('RUN apt-get update');
    expect(shortCreatedBy(null)).toBe('');
  });
});

describe('text reports', () => {
  it('fit in 80 columns, carry no colour codes, and show the figures', async () => {
    const long = `very/${'deep/'.repeat(20)}file-with-a-long-name.bin`;
    const tars = [
      await makeTar([
        { name: long, data: 'L'.repeat(3000) },
        { name: 'etc/config', data: 'x'.repeat(2048) },
      ]),
      await makeTar([
        { name: 'etc/config', data: 'y' },
        { name: 'etc/.wh.nothing', data: '' },
      ]),
    ];
    const config = imageConfig(tars, {
      history: [
        { created_by: `/bin/sh -c apt-get update && apt-get install -y ${'package '.repeat(30)}` },
        { created_by: '/bin/sh -c #(nop) COPY file:abc in /etc/config ' },
      ],
      env: [`LONG=${'v'.repeat(200)}`],
    });
    const a = await writeDockerArchive(join(dir.path, 'render-a.tar'), { blobs: tars, config });
    const report = await inspectImage(a);
    const text = renderImageReport(report);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(text).not.toMatch(/\x1b\[/);
    expect(text).toContain('Wasted space: 2.0 KiB in 1 files; efficiency 59.4%');
    expect(text).toContain(`2.9 KiB      1  very/${'deep/'.repeat(12)}`.slice(0, 60));
    expect(text).not.toMatch(/^\s+2\.9 KiB\s+1\s+very\/$/m);
    const tarSize = formatBytes(tars[0]!.length).replace('.', '\\.');
    expect(text).toMatch(new RegExp(`^\\s+0\\s+${tarSize}\\s+-\\s+2\\s+4\\.9 KiB\\s+RUN apt-get update && apt-get install -`, 'm'));

    const otherTars = [
      await makeTar([
        { name: long, data: 'M'.repeat(3000) },
        { name: 'etc/config', data: 'x'.repeat(2048) },
      ]),
      tars[1]!,
    ];
    const b = await writeDockerArchive(join(dir.path, 'render-b.tar'), { blobs: otherTars, config: { ...config, created: '2025-01-01T00:00:00Z' } });
    const diff = renderReproducibilityReport(await compareImages(a, b, { ignoreTimestamps: false }));
    for (const line of diff.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(diff).toContain('Result: DIFFERENT');
    expect(diff).toMatch(/^\s+0\s+content\s+very\/deep\//m);
    expect(diff).toMatch(/created\s+created\s+2024-01-01 00:00:00 -> 2025-01-01 00:00:00$/m);
  });
});
