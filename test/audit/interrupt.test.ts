/**
 * Ctrl-C in the middle of a real build leaves the container storage exactly as it was: no working container, no
 * intermediate image, with Podman (whose build, when stopped, leaves its Buildah working containers and the layers
 * they hold) and with Buildah. The Dockerfile starts FROM a base image in the storage (made here from
 * busybox-static), copies a 3 MB file and stops in a RUN step that sleeps.
 */
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTool, repoRoot } from '../helpers/tools.js';
import { assertBuilt, BIN, BUSYBOX, buildahProblem, NIX_FIXTURES, NIX_FLAGS, skipReason, tempDir } from './helpers.js';

const buildah = (args: string[]) => execa('buildah', ['--storage-driver', 'vfs', ...args], { stdin: 'ignore', reject: false, all: true });
/** Every image and every (build) container of the storage. */
const storage = async () =>
  `${(await buildah(['images', '--all', '--format', '{{.ID}} {{.Name}}:{{.Tag}}'])).stdout}\n--\n${(await buildah(['containers', '--all', '--format', '{{.ContainerID}} {{.ContainerName}}'])).stdout}`;

describe.skipIf(await buildahProblem().then((reason) => skipReason('audit Ctrl-C storage', reason)))('Ctrl-C during a build', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const base = `localhost/dock2nix-interrupt-base-${process.pid}`;
  const sleep = `${4000 + Math.floor(Math.random() * 999)}`;

  beforeAll(async () => {
    assertBuilt();
    dir = await tempDir('dock2nix-audit-interrupt-');
    const baseContext = join(dir.path, 'base');
    await mkdir(baseContext);
    await cp(BUSYBOX, join(baseContext, 'busybox'));
    await writeFile(
      join(baseContext, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin && mkdir -p /tmp"]\n',
    );
    const built = await buildah(['bud', '--isolation', 'chroot', '--pull=never', '-t', base, baseContext]);
    expect(built.exitCode, built.all).toBe(0);
    const app = join(dir.path, 'app');
    await mkdir(app);
    await writeFile(join(app, 'blob.bin'), randomBytes(3 * 1024 * 1024));
    await writeFile(join(app, 'Dockerfile'), `FROM ${base}\nCOPY blob.bin /data/blob.bin\nRUN echo one > /one\nRUN sleep ${sleep}\n`);
  }, 300_000);

  afterAll(async () => {
    await buildah(['rmi', base]);
    await dir?.remove();
  });

  for (const engine of ['podman', 'buildah'] as const) {
    it(`${engine}: the storage holds exactly what it held before, and nothing is left running`, async () => {
      if (engine === 'podman' && !hasTool('podman')) {
        if (process.env.CI) throw new Error('podman is needed under CI');
        console.warn('SKIP the podman case: podman is not installed');
        return;
      }
      const before = await storage();
      const tmp = join(dir.path, `tmp-${engine}`);
      await mkdir(tmp);
      const child = execa(
        process.execPath,
        [
          BIN,
          'audit',
          join(dir.path, 'app/Dockerfile'),
          '--nix',
          join(NIX_FIXTURES, 'busybox.nix'),
          '--engine',
          engine,
          '--storage-driver',
          'vfs',
          '--isolation',
          'chroot',
          '--pull',
          'never',
          ...NIX_FLAGS,
          '--progress',
          'plain',
        ],
        { reject: false, stdin: 'ignore', cwd: repoRoot, env: { TMPDIR: tmp } },
      );
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      let sleeping = false;
      for (let i = 0; i < 1200 && !sleeping; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        sleeping = (await execa('ps', ['-eo', 'args'])).stdout.split('\n').some((line) => line.trim() === `sleep ${sleep}`);
      }
      expect(sleeping, stderr).toBe(true);
      // The layers before the RUN step were made: this is mid-build.
      expect(stderr).toMatch(/STEP 3\/4: RUN echo one/);
      child.kill('SIGINT');
      const result = await child;
      expect(result.exitCode, stderr).toBe(130);
      expect(stderr.trim().split('\n').pop()).toBe('dock2nix: interrupted: the builds were stopped and no report was written');
      expect(stderr).not.toContain('could not remove');
      expect(await storage()).toBe(before);
      expect(await readdir(tmp)).toEqual([]);
      expect((await execa('ps', ['-eo', 'args'])).stdout.split('\n').some((line) => line.trim() === `sleep ${sleep}`)).toBe(false);
    }, 300_000);
  }
});
