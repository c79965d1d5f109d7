/**
 * Equivalence without any engine: image archives written here (tar-stream), audited with --docker-archive,
 * --nix-archive and the Dockerfile they stand for, in-process. Configuration, files (merged view, whiteouts,
 * symlinks into /nix/store), packages and the verdict; plus the pure helpers.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateGates, parseGates } from '../../src/audit/gates.js';
import { parseStoreName, requestedPackages } from '../../src/audit/packages.js';
import { createProgress } from '../../src/audit/progress.js';
import { renderAuditHtml } from '../../src/audit/render-html.js';
import { renderAuditMarkdown } from '../../src/audit/render-markdown.js';
import { renderAuditText } from '../../src/audit/render-text.js';
import { runAudit } from '../../src/audit/run.js';
import type { AuditReport } from '../../src/audit/types.js';
import { resolveUser } from '../../src/audit/equivalence.js';
import { viewOf } from '../../src/audit/view.js';
import { renderAudit } from '../../src/cli/commands/audit.js';
import { makeTar, sha256, tempDir, writeDockerArchive, type TestEntry } from '../image/helpers.js';

const HASH = 'a'.repeat(32);
const HASH2 = 'b'.repeat(32);
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\napp:x:1000:\n';
const DPKG =
  'Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\nPackage: curl\nStatus: install ok installed\nVersion: 7.88.1-10\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n';
const DOCKERFILE =
  'FROM debian:bookworm\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nWORKDIR /app\nCOPY app/ /app/\nUSER app\nCMD ["server", "--port", "8080"]\n';

interface ImageSpec {
  layers: TestEntry[][];
  config: Record<string, unknown>;
}

function config(inner: Record<string, unknown>, tars: Buffer[]): Record<string, unknown> {
  return {
    architecture: 'amd64',
    os: 'linux',
    config: inner,
    rootfs: { type: 'layers', diff_ids: tars.map((tar) => `sha256:${sha256(tar)}`) },
    history: tars.map(() => ({ created_by: 'test' })),
  };
}

/** The Dockerfile side: a base with users and dpkg, a layer that removes a file (whiteout), the app. */
function dockerImage(): ImageSpec {
  return {
    layers: [
      [
        { name: 'etc/', type: 'directory' },
        { name: 'etc/passwd', data: PASSWD },
        { name: 'etc/group', data: GROUP },
        { name: 'var/lib/dpkg/status', data: DPKG },
        { name: 'usr/bin/', type: 'directory' },
        { name: 'usr/bin/server', data: 'server v1', mode: 0o755 },
        { name: 'app/old.txt', data: 'old' },
      ],
      [{ name: 'app/.wh.old.txt', data: '' }],
      [
        { name: 'app/', type: 'directory', mode: 0o755 },
        { name: 'app/main.py', data: 'print(1)\n', mode: 0o644 },
        { name: 'app/conf/settings.ini', data: 'a=1\n', mode: 0o644 },
        { name: 'app/lib/requests-2.31.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nbody' },
      ],
    ],
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'],
      Cmd: ['server', '--port', '8080'],
      User: 'app',
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      StopSignal: 'SIGTERM',
      Labels: { 'org.opencontainers.image.title': 'demo' },
    },
  };
}

interface NixChanges {
  dropFile?: string;
  user?: string;
  dropRequests?: boolean;
  dropCurl?: boolean;
}

/** The Nix side: store paths, the app linked from a store path, its own passwd; optionally broken. */
function nixImage(changes: NixChanges = {}): ImageSpec {
  const store = `nix/store/${HASH}-app`;
  const appFiles: TestEntry[] = (
    [
      { name: `${store}/`, type: 'directory', mode: 0o555 },
      { name: `${store}/app/`, type: 'directory', mode: 0o555 },
      { name: `${store}/app/main.py`, data: 'print(1)\n', mode: 0o444 },
      { name: `${store}/app/conf/settings.ini`, data: 'a=1\n', mode: 0o444 },
      ...(changes.dropRequests
        ? []
        : [
            {
              name: `${store}/app/lib/requests-2.31.0.dist-info/METADATA`,
              data: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nbody',
              mode: 0o444,
            },
          ]),
    ] as TestEntry[]
  ).filter((entry) => entry.name !== `${store}/app/${changes.dropFile}`);
  return {
    layers: [
      [
        { name: `nix/store/${HASH2}-server-1.0/bin/server`, data: 'server v1', mode: 0o555 },
        ...(changes.dropCurl ? [] : [{ name: `nix/store/${'c'.repeat(32)}-curl-8.9.1-bin/`, type: 'directory' as const }]),
        { name: `nix/store/${'d'.repeat(32)}-glibc-2.40-66/`, type: 'directory' },
      ],
      [
        ...appFiles,
        { name: 'app', type: 'symlink', linkname: `/${store}/app` },
        { name: 'bin/', type: 'directory' },
        { name: 'bin/server', type: 'symlink', linkname: `/nix/store/${HASH2}-server-1.0/bin/server` },
        { name: 'etc/passwd', data: PASSWD },
        { name: 'etc/group', data: GROUP },
      ],
    ],
    config: {
      Env: ['PATH=/bin', 'LANG=C.UTF-8'],
      Cmd: ['server', '--port', '8080'],
      User: changes.user ?? '1000:1000',
      WorkingDir: '/app',
      ExposedPorts: { '8080/tcp': {} },
      Labels: { 'org.opencontainers.image.title': 'demo' },
    },
  };
}

async function writeImage(file: string, spec: ImageSpec): Promise<string> {
  const tars = await Promise.all(spec.layers.map((layer) => makeTar(layer)));
  return writeDockerArchive(file, { blobs: tars, config: config(spec.config, tars) });
}

describe('equivalence of two archives against their Dockerfile', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let dockerArchive: string;

  beforeAll(async () => {
    dir = await tempDir('dock2nix-equivalence-');
    await writeFile(join(dir.path, 'Dockerfile'), DOCKERFILE);
    dockerArchive = await writeImage(join(dir.path, 'docker.tar'), dockerImage());
  });
  afterAll(async () => {
    await dir?.remove();
  });

  async function audit(name: string, changes: NixChanges, extra: { allFiles?: boolean } = {}): Promise<AuditReport> {
    const nixArchive = await writeImage(join(dir.path, `${name}.tar`), nixImage(changes));
    return runAudit({
      dockerfile: join(dir.path, 'Dockerfile'),
      engine: 'auto',
      buildArgs: [],
      nixFormat: 'layered',
      nixOptions: [],
      dockerArchive,
      nixArchive,
      repro: false,
      ignoreTimestamps: false,
      force: false,
      signal: new AbortController().signal,
      progress: createProgress({ enabled: false, write: () => {}, width: null }),
      ...extra,
    });
  }

  it('an equivalent pair: equivalent with expected differences, each one explained', async () => {
    const report = await audit('same', {});
    const eq = report.equivalence!;
    expect(eq.verdict.reasons).toEqual([]);
    expect(eq.verdict.status).toBe('equivalent-with-expected-differences');
    const row = (key: string) => eq.config.find((item) => item.key === key)!;
    expect(row('User')).toMatchObject({ status: 'expected', docker: 'app = 1000:1000', nix: '1000:1000 = 1000:1000' });
    expect(row('Env.PATH').status).toBe('expected');
    expect(row('Env.PATH').why).toContain('server: /usr/bin/server and /nix/store/');
    expect(row('Cmd').status).toBe('equal');
    expect(row('StopSignal').status).toBe('expected'); // SIGTERM written against the default
    // The files under /app: reached through the /app -> store link, the same content, read-only.
    expect(eq.files.roots).toEqual(['/app']);
    expect(eq.files.counts).toMatchObject({ missing: 0, extra: 0, content: 0, owner: 0, type: 0 });
    expect(eq.files.differences.every((item) => item.expected)).toBe(true);
    expect(eq.files.differences.map((item) => item.path)).toContain('/app/main.py');
    expect(eq.files.differences.find((item) => item.path === '/app/main.py')).toMatchObject({ kind: 'mode', why: expect.stringContaining('read-only') });
    // The whited-out file is not in the merged view, so it is not "missing".
    expect(eq.files.differences.some((item) => item.path === '/app/old.txt')).toBe(false);
    // Packages: curl in both (other versions), base-files only in Docker (expected), requests in both.
    const pkg = (name: string) => eq.packages.rows.find((item) => item.name === name)!;
    expect(pkg('curl')).toMatchObject({ status: 'both', docker: ['7.88.1-10'], nix: ['8.9.1'], expected: true });
    expect(pkg('base-files')).toMatchObject({ status: 'docker-only', expected: true });
    expect(pkg('requests')).toMatchObject({ status: 'both', docker: ['2.31.0'], nix: ['2.31.0'], expected: false });
    expect(pkg('glibc')).toMatchObject({ status: 'nix-only', nix: ['2.40-66'] });
    expect(eq.packages.docker.some((item) => item.name === 'gone')).toBe(false); // deinstalled
    expect(eq.packages.requested).toEqual(['curl']);
    // The verdict heads every format.
    for (const format of ['text', 'markdown', 'html', 'json'] as const) {
      const text = renderAudit(report, format);
      const head = format === 'html' ? text.slice(text.indexOf('<header>'), text.indexOf('<header>') + 200) : text.split('\n').slice(0, 2).join('\n');
      expect(head, format).toContain(`EQUIVALENT with ${eq.verdict.expected} expected differences`);
    }
  });

  it('the Nix side misses an application file: not equivalent, the file named', async () => {
    const report = await audit('missing-file', { dropFile: 'conf/settings.ini' });
    const eq = report.equivalence!;
    expect(eq.verdict.status).toBe('not-equivalent');
    expect(eq.files.differences).toContainEqual(expect.objectContaining({ path: '/app/conf/settings.ini', kind: 'missing', expected: false, inScope: true }));
    expect(eq.verdict.line).toContain('missing in the Nix image: /app/conf/settings.ini');
    const gates = evaluateGates(parseGates(['not-equivalent']), report);
    expect(gates[0]).toMatchObject({ passed: false });
    expect(
      renderAuditText(report)
        .split('\ndock2nix audit')[0]!
        .replace(/\n {2}/g, ' '),
    ).toMatch(/^Verdict: NOT EQUIVALENT: 1 file\(s\) missing in the Nix image: \/app\/conf\/settings.ini/);
    expect(renderAuditMarkdown(report)).toContain('/app/conf/settings.ini');
    expect(renderAuditHtml(report)).toContain('/app/conf/settings.ini');
  });

  it('the Nix side runs as another user: not equivalent, the uids named', async () => {
    const eq = (await audit('user', { user: '0' })).equivalence!;
    expect(eq.config.find((item) => item.key === 'User')).toMatchObject({ status: 'different', why: '1000:1000 against 0:0' });
    expect(eq.verdict.line).toMatch(/NOT EQUIVALENT: User differs \(1000:1000 against 0:0\)/);
  });

  it('a user name that the Nix image cannot resolve: the container would not start', async () => {
    const eq = (await audit('user-name', { user: 'web' })).equivalence!;
    expect(eq.config.find((item) => item.key === 'User')!.why).toContain('user "web" is not in its /etc/passwd');
  });

  it('the Nix side lacks a package: an installed one and an application one are named', async () => {
    const eq = (await audit('packages', { dropCurl: true, dropRequests: true })).equivalence!;
    expect(eq.verdict.status).toBe('not-equivalent');
    expect(eq.packages.rows.find((item) => item.name === 'curl')).toMatchObject({ status: 'docker-only', expected: false, why: 'the Dockerfile installs it' });
    expect(eq.packages.rows.find((item) => item.name === 'requests')).toMatchObject({
      status: 'docker-only',
      expected: false,
      why: 'an application dependency',
    });
    expect(eq.verdict.reasons.join('\n')).toContain('2 package(s) missing in the Nix image: curl, requests');
    // The dist-info file itself is an application file the Nix image lacks: files say so too.
    expect(eq.files.counts.missing).toBeGreaterThan(0);
  });

  it("--all-files lists what lies outside the Dockerfile's paths, without changing the verdict", async () => {
    const narrow = (await audit('all-a', {})).equivalence!;
    const wide = (await audit('all-b', {}, { allFiles: true })).equivalence!;
    expect(wide.verdict.reasons).toEqual([]);
    expect(wide.verdict.status).toBe(narrow.verdict.status);
    expect(wide.files.differences.some((item) => item.path === '/var/lib/dpkg/status' && item.kind === 'missing' && !item.inScope)).toBe(true);
    expect(narrow.files.differences.some((item) => !item.inScope)).toBe(false);
  });
});

describe('equivalence helpers', () => {
  it('splits store names as parseDrvName does, without output suffixes', () => {
    expect(parseStoreName('curl-8.9.1-bin')).toEqual({ name: 'curl', version: '8.9.1' });
    expect(parseStoreName('python3.12-requests-2.31.0')).toEqual({ name: 'python3.12-requests', version: '2.31.0' });
    expect(parseStoreName('glibc-2.40-66')).toEqual({ name: 'glibc', version: '2.40-66' });
    expect(parseStoreName('etc')).toEqual({ name: 'etc', version: '' });
  });

  it('finds the packages RUN lines install, without options, pins or variables', () => {
    expect(
      requestedPackages([
        'apt-get update && apt-get install -y --no-install-recommends curl ca-certificates=2023 && rm -rf /x',
        'pip install --no-cache-dir -r requirements.txt flask==3.0 "uvicorn[standard]>=0.2"',
        'apk add --no-cache tini',
        'npm install -g @scope/tool@1.2 left-pad',
        'echo apt-get',
      ]),
    ).toEqual(['@scope/tool', 'ca-certificates', 'curl', 'flask', 'left-pad', 'tini', 'uvicorn']);
  });

  it("resolves USER through the image's own passwd and group", () => {
    const view = viewOf({}, [], { 'etc/passwd': PASSWD, 'etc/group': `${GROUP}staff:x:50:\n` });
    expect(resolveUser(view, 'app')).toEqual({ uid: 1000, gid: 1000 });
    expect(resolveUser(view, 'app:staff')).toEqual({ uid: 1000, gid: 50 });
    expect(resolveUser(view, null)).toEqual({ uid: 0, gid: 0 });
    expect(resolveUser(view, '4242')).toEqual({ uid: 4242, gid: 0 });
    expect(resolveUser(view, 'nobody').problem).toContain('not in its /etc/passwd');
    expect(resolveUser(viewOf({}, []), 'app').problem).toContain('(there is none)');
  });
});
