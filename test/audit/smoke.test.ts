/**
 * `dock2nix audit --smoke` with real Podman containers, offline: two images built here FROM scratch with
 * busybox-static, a BusyBox HTTP server answering on 8080 and an image that exits at once. Each run is checked
 * against what the images do, and the storage must hold exactly what it held before (no container, no loaded
 * image), after a normal run and after Ctrl-C in the middle of one. The reports show the smoke section (the
 * HTML one in headless Chromium).
 */
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAuditHtml } from '../../src/audit/render-html.js';
import { renderAuditMarkdown } from '../../src/audit/render-markdown.js';
import { renderAuditText } from '../../src/audit/render-text.js';
import { compareSmoke, smokeWords } from '../../src/audit/smoke.js';
import type { AuditReport, SmokeImageResult } from '../../src/audit/types.js';
import { parseSmoke } from '../../src/cli/commands/audit.js';
import { hasTool, repoRoot } from '../helpers/tools.js';
import { assertBuilt, BUSYBOX, checkInChromium, CHROMIUM, skipReason, tempDir, TEST_OUTPUT } from './helpers.js';

describe('smoke words and options', () => {
  it('splits a command as a shell would, quotes and backslashes included, and refuses an open quote', () => {
    expect(smokeWords(`/bin/busybox sh -c "echo 'a b'; exit 3"`)).toEqual(['/bin/busybox', 'sh', '-c', "echo 'a b'; exit 3"]);
    expect(smokeWords(`a\\ b '' "c\\"d"`)).toEqual(['a b', '', 'c"d']);
    expect(() => smokeWords(`echo "open`)).toThrow(/quote is not closed/);
    expect(() => smokeWords('   ')).toThrow(/needs a command/);
  });

  it('--smoke-seconds is checked before anything runs', () => {
    expect(parseSmoke({})).toBeNull();
    expect(parseSmoke({ smoke: true })).toEqual({ command: null, seconds: 5 });
    expect(parseSmoke({ smoke: 'true', smokeSeconds: '2' })).toEqual({ command: ['true'], seconds: 2 });
    expect(() => parseSmoke({ smoke: true, smokeSeconds: '0' })).toThrow(/from 1 to 300/);
    expect(() => parseSmoke({ smoke: true, smokeSeconds: '5s' })).toThrow(/from 1 to 300/);
    expect(() => parseSmoke({ smokeSeconds: '3' })).toThrow(/needs --smoke/);
  });

  it('a port one side could not probe is unknown, not a difference', () => {
    const result = (image: 'docker' | 'nix', probed: boolean): SmokeImageResult => ({
      image,
      label: image,
      started: true,
      error: null,
      state: 'running after 5 s',
      exitCode: null,
      running: true,
      ports: [{ port: '80/tcp', probed, answered: probed, http: probed ? 200 : null, detail: probed ? 'HTTP/1.0 200 OK' : 'not probed: needs root' }],
      output: [],
    });
    expect(compareSmoke([result('docker', true), result('nix', false)], false).map((row) => row.status)).toEqual(['equal', 'unknown']);
    expect(compareSmoke([result('docker', true), result('nix', true)], false).map((row) => row.status)).toEqual(['equal', 'equal']);
  });
});

const BIN = join(repoRoot, 'bin/dock2nix.js');

async function problem(): Promise<string | null> {
  if (!hasTool('podman')) return 'podman is not installed';
  if (process.getuid?.() !== 0) return 'the port probe (nsenter) and podman with vfs need root here';
  if (!hasTool('nsenter')) return 'nsenter is not installed (util-linux)';
  if (!existsSync(BUSYBOX)) return `${BUSYBOX} is missing (apt-get install busybox-static)`;
  return null;
}

describe.skipIf(await problem().then((reason) => skipReason('audit --smoke', reason)))('audit --smoke with Podman', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let env: Record<string, string> = {};
  const archives = { httpd: '', exits: '' };
  const podman = (args: string[]) => execa('podman', ['--storage-driver', 'vfs', ...args], { stdin: 'ignore', reject: false, env, all: true });
  let before = '';
  /** Every image and container of the storage, to compare before and after. */
  const storage = async () => `${(await podman(['images', '-a', '-q', '--no-trunc'])).stdout}\n--\n${(await podman(['ps', '-a', '-q', '--no-trunc'])).stdout}`;

  const audit = (args: string[]) =>
    execa(process.execPath, [BIN, 'audit', '--storage-driver', 'vfs', '--engine', 'podman', ...args], {
      reject: false,
      stdin: 'ignore',
      env: { NO_COLOR: '1', ...env },
      cwd: repoRoot,
    });

  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('dock2nix-audit-smoke-');
    // Some machines (this one: cgroup v1 with a cgroup2 mount that has controllers, and a low open-files limit)
    // cannot start containers with Podman's defaults. Only then, and only for these tests: a containers.conf without
    // cgroups and with limits under the hard ones, and a podman that runs with the cgroup2 mount hidden.
    const plain = await execa('podman', ['--storage-driver', 'vfs', 'info'], { reject: false, stdin: 'ignore' });
    expect(plain.exitCode, plain.stderr).toBe(0);
    const ctx = (name: string) => join(dir.path, name);
    for (const [name, dockerfile] of [
      ['httpd', 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY www/ /www/\nEXPOSE 8080\nCMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]\n'],
      ['exits', 'FROM scratch\nCOPY busybox /bin/busybox\nEXPOSE 8080\nCMD ["/bin/busybox", "true"]\n'],
    ] as const) {
      await mkdir(join(ctx(name), 'www'), { recursive: true });
      await cp(BUSYBOX, join(ctx(name), 'busybox'));
      await writeFile(join(ctx(name), 'www/index.html'), 'hello from the smoke test\n');
      await writeFile(join(ctx(name), 'Dockerfile'), dockerfile);
    }
    const tag = (name: string) => `localhost/dock2nix-smoke-test-${process.pid}-${name}`;
    const quirks = async (): Promise<void> => {
      const conf = join(dir.path, 'containers.conf');
      await writeFile(conf, '[containers]\ncgroups = "disabled"\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n');
      const bin = join(dir.path, 'bin');
      await mkdir(bin, { recursive: true });
      const real = (await execa('sh', ['-c', 'command -v podman'])).stdout.trim();
      await writeFile(
        join(bin, 'podman'),
        `#!/bin/sh\nexec unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$0" "$@"' ${real} "$@"\n`,
      );
      await chmod(join(bin, 'podman'), 0o755);
      env = { CONTAINERS_CONF: conf, PATH: `${bin}:${process.env.PATH}` };
    };
    for (const name of ['httpd', 'exits'] as const) {
      const build = await podman(['build', '--isolation', 'chroot', '--pull=never', '-t', tag(name), ctx(name)]);
      expect(build.exitCode, build.all).toBe(0);
      archives[name] = join(dir.path, `${name}.tar`);
      const save = await podman(['save', '--format', 'docker-archive', '-o', archives[name], tag(name)]);
      expect(save.exitCode, save.all).toBe(0);
    }
    const tryRun = () => podman(['run', '--rm', '--network', 'none', '--entrypoint', '["/bin/busybox","true"]', tag('exits')]);
    const probe = await tryRun();
    if (probe.exitCode !== 0) {
      console.warn(`podman cannot start containers with its defaults here (${probe.all?.split('\n').pop()}): the tests use a workaround`);
      await quirks();
      const again = await tryRun();
      expect(again.exitCode, again.all).toBe(0);
    }
    for (const name of ['httpd', 'exits']) await podman(['rmi', tag(name)]);
    before = await storage();
  }, 300_000);

  afterAll(async () => {
    await dir?.remove();
  });

  it('two HTTP servers: both keep running and answer HTTP 200 on 8080; equivalent; nothing is left', async () => {
    const result = await audit(['--docker-archive', archives.httpd, '--nix-archive', archives.httpd, '--smoke', '--smoke-seconds', '3', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as AuditReport;
    const smoke = report.equivalence!.smoke!;
    expect(smoke.engine).toBe('podman');
    expect(smoke.rows).toEqual([
      { check: 'run', docker: 'running after 3 s', nix: 'running after 3 s', status: 'equal' },
      { check: 'port 8080/tcp', docker: 'HTTP 200', nix: 'HTTP 200', status: 'equal' },
    ]);
    expect(smoke.images.every((image) => image.running && image.ports[0]!.http === 200)).toBe(true);
    expect(report.equivalence!.verdict.status).toBe('equivalent');
    expect(await storage()).toBe(before);
  }, 180_000);

  it('a server against an image that exits at once: named in the verdict, --fail-on not-equivalent fails; every format shows it', async () => {
    const result = await audit([
      '--docker-archive',
      archives.httpd,
      '--nix-archive',
      archives.exits,
      '--smoke',
      '--smoke-seconds',
      '3',
      '--json',
      '--fail-on',
      'not-equivalent',
    ]);
    expect(result.exitCode, result.stderr).toBe(3);
    const report = JSON.parse(result.stdout) as AuditReport;
    const smoke = report.equivalence!.smoke!;
    expect(smoke.rows).toEqual([
      { check: 'run', docker: 'running after 3 s', nix: 'exited with status 0', status: 'different' },
      { check: 'port 8080/tcp', docker: 'HTTP 200', nix: 'nothing answers: the container had stopped', status: 'different' },
    ]);
    expect(report.equivalence!.verdict.reasons).toContain('smoke run: running after 3 s in the Dockerfile image, exited with status 0 in the Nix image');
    expect(await storage()).toBe(before);

    const text = renderAuditText(report);
    expect(text).toMatch(/^Smoke run \(podman, no network, each image's own command for 3 s\): 2 differences$/m);
    expect(text).toMatch(/^ {2}port 8080\/tcp {2}DIFF$/m);
    expect(text.split('\n').every((line) => line.length <= 80)).toBe(true);
    const markdown = renderAuditMarkdown(report);
    expect(markdown).toContain('| port 8080/tcp | **differs** | HTTP 200 | nothing answers: the container had stopped |');
    await mkdir(TEST_OUTPUT, { recursive: true });
    const htmlFile = join(TEST_OUTPUT, 'audit-smoke.html');
    await writeFile(htmlFile, renderAuditHtml(report));
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must check the HTML report`);
      console.warn(`SKIP the Chromium check: ${CHROMIUM} is not installed`);
      return;
    }
    const check = await checkInChromium(htmlFile, join(TEST_OUTPUT, 'audit-smoke.png'), async (page) => {
      const rows = await page.$$eval('#equivalence-smoke tbody tr', (trs) =>
        trs.map((tr) => [tr.className, (tr as HTMLElement).innerText.replace(/\s+/g, ' ')]),
      );
      expect(rows).toEqual([
        ['bad', 'run different running after 3 s exited with status 0'],
        ['bad', 'port 8080/tcp different HTTP 200 nothing answers: the container had stopped'],
      ]);
    });
    expect(check.consoleErrors).toEqual([]);
    expect(check.pageErrors).toEqual([]);
    expect(check.requests).toEqual([]);
    expect(check.text).toContain('Smoke run (podman, no network');
  }, 180_000);

  it('--smoke CMD runs that command in each image and compares the exit status; the output is kept', async () => {
    const same = await audit([
      '--docker-archive',
      archives.httpd,
      '--nix-archive',
      archives.exits,
      '--smoke',
      '/bin/busybox sh -c "echo hi; exit 3"',
      '--json',
    ]);
    expect(same.exitCode, same.stderr).toBe(0);
    const sameSmoke = (JSON.parse(same.stdout) as AuditReport).equivalence!.smoke!;
    expect(sameSmoke.command).toEqual(['/bin/busybox', 'sh', '-c', 'echo hi; exit 3']);
    expect(sameSmoke.rows).toEqual([{ check: 'command', docker: 'exited with status 3', nix: 'exited with status 3', status: 'equal' }]);
    expect(sameSmoke.images.map((image) => image.output)).toEqual([['hi'], ['hi']]);

    // The exits image has no /www: cat fails there.
    const differs = await audit(['--docker-archive', archives.httpd, '--nix-archive', archives.exits, '--smoke', '/bin/busybox cat /www/index.html', '--json']);
    const report = JSON.parse(differs.stdout) as AuditReport;
    const smoke = report.equivalence!.smoke!;
    expect(smoke.rows).toEqual([{ check: 'command', docker: 'exited with status 0', nix: 'exited with status 1', status: 'different' }]);
    expect(smoke.images[0]!.output).toEqual(['hello from the smoke test']);
    expect(smoke.images[1]!.output.join('\n')).toMatch(/can't open '\/www\/index.html'/);
    expect(await storage()).toBe(before);
  }, 180_000);

  it('a command that does not exist in the image: did not start, and named', async () => {
    const result = await audit(['--docker-archive', archives.httpd, '--nix-archive', archives.exits, '--smoke', '/no/such/program', '--json']);
    const smoke = (JSON.parse(result.stdout) as AuditReport).equivalence!.smoke!;
    expect(smoke.images.map((image) => image.started)).toEqual([false, false]);
    expect(smoke.rows[0]!.status).toBe('equal');
    expect(smoke.rows[0]!.docker).toMatch(/^did not start: .*no such program|^did not start: .*not found|^did not start: .*No such file/i);
    expect(await storage()).toBe(before);
  }, 180_000);

  it('Ctrl-C during the smoke run removes the containers and the loaded images, and exits 130', async () => {
    const child = execa(
      process.execPath,
      [
        BIN,
        'audit',
        '--storage-driver',
        'vfs',
        '--engine',
        'podman',
        '--docker-archive',
        archives.httpd,
        '--nix-archive',
        archives.exits,
        '--smoke',
        '--smoke-seconds',
        '120',
        '--progress',
        'plain',
        '--json',
      ],
      { reject: false, stdin: 'ignore', env: { NO_COLOR: '1', ...env } },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let running = false;
    for (let i = 0; i < 600 && !running; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      running = (await podman(['ps', '--format', '{{.Names}}'])).stdout.includes('dock2nix-smoke-');
    }
    expect(running, stderr).toBe(true);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, stderr).toBe(130);
    expect(result.stdout).toBe('');
    expect(stderr.trim().split('\n').pop()).toBe('dock2nix: interrupted: the builds were stopped and no report was written');
    expect(await storage()).toBe(before);
  }, 240_000);
});
