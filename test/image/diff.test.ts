import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareImages } from '../../src/image/diff.js';
import { gzip, imageConfig, makeTar, tempDir, writeDockerArchive, writeOciTar, type TestEntry } from './helpers.js';

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir.remove();
});

const T0 = new Date('2024-01-01T00:00:00Z');
const T1 = new Date('2024-06-01T12:00:00Z');

const base: TestEntry[] = [
  { name: 'etc/' },
  { name: 'etc/conf', data: 'setting=1\n' },
  { name: 'etc/mode', data: 'm' },
  { name: 'etc/owned', data: 'o' },
  { name: 'etc/stamp', data: 's' },
  { name: 'etc/gone', data: 'bye' },
  { name: 'etc/link', type: 'symlink', linkname: 'conf' },
];

function variant(): TestEntry[] {
  return [
    { name: 'etc/' },
    { name: 'etc/conf', data: 'setting=2\n' },
    { name: 'etc/mode', data: 'm', mode: 0o755 },
    { name: 'etc/owned', data: 'o', uid: 1000, gid: 1000, uname: 'app', gname: 'app' },
    { name: 'etc/stamp', data: 's', mtime: T1 },
    { name: 'etc/new', data: 'hi' },
    { name: 'etc/link', type: 'symlink', linkname: 'mode' },
  ];
}

async function archive(name: string, layers: TestEntry[][], configOptions: Parameters<typeof imageConfig>[1] = {}): Promise<string> {
  const tars = await Promise.all(layers.map(makeTar));
  return writeDockerArchive(join(dir.path, name), { blobs: tars, config: imageConfig(tars, configOptions) });
}

describe('compareImages', () => {
  it('finds each kind of file difference, at the right layer and path', async () => {
    const same: TestEntry[] = [
      { name: 'bin/', mtime: T0 },
      { name: 'bin/sh', data: 'shell' },
    ];
    const a = await archive('kinds-a.tar', [same, base]);
    const b = await archive('kinds-b.tar', [same, variant()]);
    const report = await compareImages(a, b, { ignoreTimestamps: false });
    const found = report.differences.map((d) => `${d.layer} ${d.kind} ${d.path}`).sort();
    expect(found).toEqual([
      '1 added etc/new',
      '1 content etc/conf',
      '1 link etc/link',
      '1 mode etc/mode',
      '1 mtime etc/stamp',
      '1 owner etc/owned',
      '1 removed etc/gone',
    ]);
    const byKind = Object.fromEntries(report.differences.map((d) => [d.kind, d]));
    expect(byKind.mode).toMatchObject({ a: '0644', b: '0755' });
    expect(byKind.owner).toMatchObject({ a: '0:0 (root:root)', b: '1000:1000 (app:app)' });
    expect(byKind.link).toMatchObject({ a: 'conf', b: 'mode' });
    expect(byKind.mtime).toMatchObject({ a: T0.toISOString(), b: T1.toISOString() });
    expect(byKind.content!.a).toMatch(/^10 bytes sha256:[a-f0-9]{64}$/);
    expect(report.identical).toBe(false);
    expect(report.identicalIgnoringTimestamps).toBe(false);
    expect(report.counts).toEqual({ content: 1, mtime: 1, mode: 1, owner: 1, added: 1, removed: 1, link: 1 });
    expect(report.configDifferences).toEqual([]);
  });

  it('builds that differ only in time stamps: not identical, identical ignoring time stamps', async () => {
    const stamped = (mtime: Date): TestEntry[] => [
      { name: 'app/', mtime },
      { name: 'app/run', data: 'x', mtime },
    ];
    const historyAt = (created: string): { created: string; created_by: string }[] => [{ created, created_by: 'COPY app' }];
    const a = await archive('time-a.tar', [stamped(T0)], { created: '2024-01-01T00:00:00Z', history: historyAt('2024-01-01T00:00:00Z') });
    const b = await archive('time-b.tar', [stamped(T1)], { created: '2024-06-01T12:00:00Z', history: historyAt('2024-06-01T12:00:00Z') });
    const strict = await compareImages(a, b, { ignoreTimestamps: false });
    expect(strict.identical).toBe(false);
    expect(strict.identicalIgnoringTimestamps).toBe(true);
    expect(strict.differences.map((d) => `${d.kind} ${d.path}`).sort()).toEqual(['mtime app', 'mtime app/run']);
    expect(strict.configDifferences).toEqual([
      { key: 'created', kind: 'created', a: '2024-01-01T00:00:00Z', b: '2024-06-01T12:00:00Z' },
      { key: 'history[0].created', kind: 'created', a: '2024-01-01T00:00:00Z', b: '2024-06-01T12:00:00Z' },
    ]);
    const lenient = await compareImages(a, b, { ignoreTimestamps: true });
    expect(lenient.differences).toEqual([]);
    expect(lenient.configDifferences).toEqual([]);
    expect(lenient.counts.mtime).toBe(2);
  });

  it('a history command that differs is not a time stamp', async () => {
    const layer: TestEntry[] = [{ name: 'f', data: '1' }];
    const a = await archive('hist-a.tar', [layer], { history: [{ created_by: 'RUN make' }] });
    const b = await archive('hist-b.tar', [layer], { history: [{ created_by: 'RUN make -j4' }], env: ['PATH=/usr/bin'] });
    const report = await compareImages(a, b, { ignoreTimestamps: true });
    expect(report.identicalIgnoringTimestamps).toBe(false);
    expect(report.configDifferences).toEqual([
      { key: 'config.Env', kind: 'other', a: '["PATH=/bin"]', b: '["PATH=/usr/bin"]' },
      { key: 'history[0].created_by', kind: 'history', a: 'RUN make', b: 'RUN make -j4' },
    ]);
  });

  it('Buildah-style `FROM <parent id>` history comments are derived from time stamps; other comments are not', async () => {
    const layer: TestEntry[] = [{ name: 'f', data: '1' }];
    const history = (comment: string) => [{ created_by: 'COPY f', comment }];
    const a = await archive('parent-a.tar', [layer], { history: history('FROM 0123456789ab') });
    const b = await archive('parent-b.tar', [layer], { history: history('FROM ba9876543210') });
    const derived = await compareImages(a, b, { ignoreTimestamps: false });
    expect(derived.configDifferences).toEqual([{ key: 'history[0].comment', kind: 'derived', a: 'FROM 0123456789ab', b: 'FROM ba9876543210' }]);
    expect(derived).toMatchObject({ identical: false, identicalIgnoringTimestamps: true });
    const c = await archive('parent-c.tar', [layer], { history: history('built on a Tuesday') });
    const other = await compareImages(a, c, { ignoreTimestamps: true });
    expect(other.configDifferences).toEqual([{ key: 'history[0].comment', kind: 'history', a: 'FROM 0123456789ab', b: 'built on a Tuesday' }]);
    expect(other.identicalIgnoringTimestamps).toBe(false);
  });

  it('the same entries in another order: a whole-layer difference', async () => {
    const one: TestEntry[] = [
      { name: 'a', data: '1' },
      { name: 'b', data: '2' },
    ];
    const report = await compareImages(await archive('order-a.tar', [one]), await archive('order-b.tar', [[one[1]!, one[0]!]]), { ignoreTimestamps: true });
    expect(report.identicalIgnoringTimestamps).toBe(false);
    expect(report.differences).toEqual([expect.objectContaining({ layer: 0, path: '', kind: 'content', detail: 'entry order differs' })]);
  });

  it('a layer only one image has: its files are added', async () => {
    const one: TestEntry[] = [{ name: 'a', data: '1' }];
    const two: TestEntry[] = [
      { name: 'b/', mtime: T0 },
      { name: 'b/c', data: '2' },
    ];
    const report = await compareImages(await archive('count-a.tar', [one]), await archive('count-b.tar', [one, two]), { ignoreTimestamps: false });
    expect(report.a.layers).toBe(1);
    expect(report.b.layers).toBe(2);
    expect(report.differences.map((d) => `${d.layer} ${d.kind} ${d.path}`)).toEqual(['1 added b', '1 added b/c', '1 added ']);
  });

  it('the same image as a docker-archive and as a gzip OCI archive is identical', async () => {
    const tars = [await makeTar(base), await makeTar(variant())];
    const config = imageConfig(tars);
    const docker = await writeDockerArchive(join(dir.path, 'same-docker.tar'), { blobs: tars, config });
    const oci = await writeOciTar(join(dir.path, 'same-oci.tar'), { blobs: tars.map(gzip), tars, config });
    const report = await compareImages(docker, oci, { ignoreTimestamps: false });
    expect(report.identical).toBe(true);
    expect(report.differences).toEqual([]);
    expect(report.configDifferences).toEqual([]);
  });
});
