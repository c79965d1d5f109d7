/**
 * The engine commands as argv arrays, and running them: no shell ever sees a build argument or a file name,
 * failures are one line, and cancelling stops the tool's whole process group.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildah, buildkit, CreatedImages, docker, podman, type BuildRequest } from '../../src/engines/container.js';
import { checkOutcome, flakeRef, nixBuildCommand, nixCheckCommand, nixSystem } from '../../src/engines/nix.js';
import { failureLine, runTool } from '../../src/engines/process.js';
import { Dock2nixError } from '../../src/errors.js';
import { tempDir } from './helpers.js';

const EVIL = '$(touch /tmp/pwned); `id`; echo "x" && rm -rf / #';

const request: BuildRequest = {
  dockerfile: '/ctx/Dockerfile;$(x)',
  context: '/ctx dir/$(touch y)',
  tag: 'dock2nix-audit-1-abcd-1',
  archive: '/tmp/work/docker-1.tar',
  buildArgs: [
    ['EVIL', EVIL],
    ['EMPTY', ''],
  ],
  noCache: true,
  timestamp: 0,
  platform: 'linux/arm64',
  target: 'final',
  storageDriver: 'vfs',
  isolation: 'chroot',
  pull: 'never',
};

describe('engine commands', () => {
  it('buildah: bud then push, every value one argument, the context after --', () => {
    const [bud, push] = buildah.buildCommands(request);
    expect(bud!.command).toEqual({
      file: 'buildah',
      args: [
        '--storage-driver',
        'vfs',
        'bud',
        '--layers',
        '--force-rm',
        '--isolation',
        'chroot',
        '--pull=never',
        '--no-cache',
        '--timestamp',
        '0',
        '--platform',
        'linux/arm64',
        '--target',
        'final',
        '--build-arg',
        `EVIL=${EVIL}`,
        '--build-arg',
        'EMPTY=',
        '-t',
        request.tag,
        '-f',
        request.dockerfile,
        '--',
        request.context,
      ],
    });
    expect(push!.command.args).toEqual(['--storage-driver', 'vfs', 'push', request.tag, `docker-archive:/tmp/work/docker-1.tar:${request.tag}`]);
    expect(buildah.removeCommand(request)).toEqual({ file: 'buildah', args: ['--storage-driver', 'vfs', 'rmi', request.tag] });
  });

  it('podman: build then save as docker-archive', () => {
    const [build, save] = podman.buildCommands({ ...request, noCache: false, timestamp: undefined, platform: undefined, target: undefined, buildArgs: [] });
    expect(build!.command.args).toEqual([
      '--storage-driver',
      'vfs',
      'build',
      '--layers',
      '--force-rm',
      '--isolation',
      'chroot',
      '--pull=never',
      '-t',
      request.tag,
      '-f',
      request.dockerfile,
      '--',
      request.context,
    ]);
    expect(save!.command.args).toEqual(['--storage-driver', 'vfs', 'save', '--format', 'docker-archive', '-o', request.archive, request.tag]);
  });

  it('docker: --timestamp becomes SOURCE_DATE_EPOCH; storage options do not apply', () => {
    const [build, save] = docker.buildCommands(request);
    expect(build!.command.args).toEqual([
      'build',
      '--force-rm',
      '--no-cache',
      '--platform',
      'linux/arm64',
      '--target',
      'final',
      '--build-arg',
      'SOURCE_DATE_EPOCH=0',
      '--build-arg',
      `EVIL=${EVIL}`,
      '--build-arg',
      'EMPTY=',
      '-t',
      request.tag,
      '-f',
      request.dockerfile,
      '--',
      request.context,
    ]);
    expect(save!.command.args).toEqual(['save', '-o', request.archive, request.tag]);
  });

  it('buildkit: buildctl writes the docker-archive itself, build args as frontend options', () => {
    const [build] = buildkit.buildCommands(request);
    expect(build!.command.file).toBe('buildctl');
    expect(build!.command.args).toEqual([
      'build',
      '--progress',
      'plain',
      '--frontend',
      'dockerfile.v0',
      '--local',
      `context=${request.context}`,
      '--local',
      'dockerfile=/ctx',
      '--opt',
      'filename=Dockerfile;$(x)',
      '--opt',
      'target=final',
      '--opt',
      'platform=linux/arm64',
      '--no-cache',
      '--opt',
      'build-arg:SOURCE_DATE_EPOCH=0',
      '--opt',
      `build-arg:EVIL=${EVIL}`,
      '--opt',
      'build-arg:EMPTY=',
      '--output',
      `type=docker,name=${request.tag},dest=${request.archive},rewrite-timestamp=true`,
    ]);
    expect(buildkit.removeCommand(request)).toBeNull();
  });

  it('Nix: nix-build and --check for a file, nix build and --rebuild for a flake', () => {
    const options = { builders: 'ssh://builder x86_64-linux', options: [['sandbox', 'false']] as Array<[string, string]>, system: 'aarch64-linux' };
    expect(nixBuildCommand({ kind: 'file', path: '/a b/default.nix', attr: 'image' }, '/w/result', options).args).toEqual([
      '/a b/default.nix',
      '-A',
      'image',
      '--out-link',
      '/w/result',
      '--builders',
      'ssh://builder x86_64-linux',
      '--option',
      'system',
      'aarch64-linux',
      '--option',
      'sandbox',
      'false',
    ]);
    expect(nixCheckCommand({ kind: 'file', path: '/n/default.nix' }, { options: [] })).toEqual({
      file: 'nix-build',
      args: ['/n/default.nix', '--check', '--no-out-link', '--option', 'run-diff-hook', 'true'],
    });
    const flake = nixBuildCommand({ kind: 'flake', path: '/src/my flake#1?', attr: 'packages.x86_64-linux.default' }, '/w/result', { options: [] });
    expect(flake.file).toBe('nix');
    expect(flake.args).toEqual([
      '--extra-experimental-features',
      'nix-command flakes',
      'build',
      '--no-write-lock-file',
      '--print-build-logs',
      '--out-link',
      '/w/result',
      'path:/src/my%20flake%231%3F#packages.x86_64-linux.default',
    ]);
    expect(nixCheckCommand({ kind: 'flake', path: '/f' }, { options: [] }).args).toContain('--rebuild');
    expect(flakeRef({ kind: 'flake', path: '/f' })).toBe('path:/f');
  });

  it('platforms map to Nix systems; anything else is refused', () => {
    expect(nixSystem('linux/amd64')).toBe('x86_64-linux');
    expect(nixSystem('linux/arm64')).toBe('aarch64-linux');
    expect(nixSystem('linux/arm/v7')).toBe('armv7l-linux');
    expect(() => nixSystem('linux/amd64"; builtins.exec')).toThrow(Dock2nixError);
    expect(() => nixSystem('linux/mips')).toThrow(/no Nix system is known/);
  });

  it('what nix-build --check said', () => {
    expect(checkOutcome(0, ['checking outputs of ...'])).toEqual({ kind: 'same' });
    const differs =
      "error: derivation '/nix/store/x.drv' may not be deterministic: output '/nix/store/abc-img.tar.gz' differs from '/nix/store/abc-img.tar.gz.check'";
    expect(checkOutcome(104, ['checking outputs', differs])).toEqual({
      kind: 'differs',
      first: '/nix/store/abc-img.tar.gz',
      second: '/nix/store/abc-img.tar.gz.check',
    });
    expect(checkOutcome(104, ["error: derivation '/nix/store/x.drv' may not be deterministic: output '/nix/store/abc' differs"])).toEqual({
      kind: 'differs',
      first: '/nix/store/abc',
      second: null,
    });
    expect(checkOutcome(1, ['building', "error: some path '/nix/store/x' is not valid"])).toEqual({
      kind: 'failed',
      line: "error: some path '/nix/store/x' is not valid",
    });
  });

  it('the images a failed Buildah build made, newest first, cached ones left alone', () => {
    const created = new CreatedImages();
    for (const line of [
      'STEP 1/3: FROM scratch',
      'STEP 2/3: COPY a /a',
      '--> Using cache 4b775345453b0123',
      '--> 4b775345453',
      'STEP 3/3: COPY b /b',
      '--> 9f0e1d2c3b4',
      'COMMIT x',
      '--> 77aa88bb99c',
    ])
      created.see(line);
    expect(created.ids()).toEqual(['77aa88bb99c', '9f0e1d2c3b4']);
  });

  it('a failure is summed up by its last error line', () => {
    expect(failureLine(['building', 'Error: building at STEP "RUN x": exit status 1', 'cleanup'])).toBe('Error: building at STEP "RUN x": exit status 1');
    expect(failureLine(['one', '\x1b[31mtwo\x1b[0m', ''])).toBe('two');
  });
});

describe('running tools', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir('dock2nix-engines-');
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('arguments reach the program exactly as given: no shell ever reads them', async () => {
    const marker = join(dir.path, 'pwned');
    const hostile = [`$(touch ${marker})`, `; touch ${marker}`, `\`touch ${marker}\``, `| touch ${marker}`, `${marker}' "x`, '*', '~', '$HOME'];
    const lines: string[] = [];
    const result = await runTool(
      { file: process.execPath, args: ['-e', 'for (const a of process.argv.slice(1)) console.log(JSON.stringify(a))', ...hostile] },
      { what: 'node', onLine: (line) => lines.push(line) },
    );
    expect(result.exitCode).toBe(0);
    expect(lines.map((line) => JSON.parse(line))).toEqual(hostile);
    expect(existsSync(marker)).toBe(false);
  });

  it('a failing tool is one E_ENGINE line with its last error; a missing one says it is not installed', async () => {
    const failing = runTool(
      { file: process.execPath, args: ['-e', 'console.error("warming up"); console.error("error: the thing broke"); console.error("bye"); process.exit(3)'] },
      { what: 'the tool' },
    );
    await expect(failing).rejects.toThrow(new Dock2nixError('E_ENGINE', 'the tool failed (exit 3): error: the thing broke'));
    await expect(runTool({ file: 'dock2nix-no-such-tool', args: [] }, { what: 'the tool' })).rejects.toThrow(/dock2nix-no-such-tool is not installed/);
    const allowed = await runTool({ file: process.execPath, args: ['-e', 'process.exit(104)'] }, { what: 'x', allowExitCodes: [104] });
    expect(allowed.exitCode).toBe(104);
  });

  it('cancelling stops the whole process group, grandchildren included, and says interrupted', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const started = new Promise<void>((resolve) => {
      const run = runTool(
        { file: 'sh', args: ['-c', 'sleep 3741 & echo started; wait'] },
        {
          what: 'sh',
          signal: controller.signal,
          onLine: (line) => {
            seen.push(line);
            if (line === 'started') resolve();
          },
        },
      );
      run.then(
        () => seen.push('resolved'),
        (error: unknown) => seen.push(`rejected: ${(error as Dock2nixError).code}`),
      );
    });
    await started;
    controller.abort();
    for (let i = 0; i < 100 && !seen.some((s) => s.startsWith('rejected') || s === 'resolved'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toContain('rejected: E_INTERRUPTED');
    const ps = (await execa('ps', ['-eo', 'args'])).stdout;
    expect(ps).not.toMatch(/^sleep 3741$/m);
  });
});
