/**
 * `convert --with-dockerfile` (issue 18, "A Dockerfile that builds the Nix image with Docker alone"): Dockerfile.nix
 * parses, its stages and COPY lines are what the plan says, its final stage sets the image's config, and Buildah
 * accepts it. Nothing can be pulled here, so Buildah checks the whole file up to the pull of the Nix image, and
 * builds the final stage for real against a prepared root: the root the generated extraCommands and
 * fakeRootCommands make (under fakeroot, packed with its owners as dockerTools packs the customisation layer).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerfileParser, type Copy, type From } from 'dockerfile-ast';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDockerfile } from '../src/convert/convert.js';
import type { MigrationPlan } from '../src/convert/types.js';
import { Dock2nixError } from '../src/errors.js';
import { fsContext, readDockerignore } from '../src/io/fs-context.js';
import { loadRules } from '../src/io/rules-files.js';
import {
  BUILD_STAGE,
  NIX_IMAGE_ARG,
  NIX_IMAGE_PLACEHOLDER,
  ROOT_FOLDER,
  configInstructions,
  dockerfileQuote,
  emitDockerfile,
} from '../src/nix/dockerfile-out.js';
import { buildahProblem, skipReason } from './audit/helpers.js';
import { renderScripts } from './helpers/assemble.js';
import { shell } from './helpers/shell.js';
import { hasTool, repoRoot } from './helpers/tools.js';

const rules = loadRules();
const fixture = path.join(repoRoot, 'fixtures', 'dockerfile-out');

function convert(
  dir: string,
  options: { format?: 'layered' | 'stream' | 'nix2container'; keepBase?: boolean; outputInContext?: string | null; source?: string } = {},
) {
  const context = fsContext(dir);
  return convertDockerfile(options.source ?? readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), context, rules, {
    shell,
    dockerfilePath: 'Dockerfile',
    format: options.format,
    keepBase: options.keepBase,
    imageName: 'site',
    contextFromOutput: '..',
    outputInContext: options.outputInContext === undefined ? 'nix' : options.outputInContext,
    dockerignore: readDockerignore(context),
    dockerfile: true,
  });
}

const { plan, files } = convert(fixture);
const text = files['Dockerfile.nix']!;
const parsed = DockerfileParser.parse(text);

describe('Dockerfile.nix', () => {
  it('is written beside default.nix, which exposes the root read from the image', () => {
    expect(text).toBeDefined();
    expect(plan.dockerfileOut).toEqual({ outputInContext: 'nix' });
    expect(files['default.nix']).toContain('root = pkgs.runCommand "image-root"');
    expect(files['default.nix']).toContain('conf = image.conf;');
    expect(files['default.nix']).toMatch(/\nimage \/\/ \{ inherit root; \}\n$/);
  });

  it('has two stages: the pinned Nix image that builds the root, and FROM scratch', () => {
    const froms = parsed.getFROMs() as From[];
    expect(froms.map((f) => [f.getImage(), f.getBuildStage()])).toEqual([
      [`\${${NIX_IMAGE_ARG}}`, BUILD_STAGE],
      ['scratch', null],
    ]);
    // The image is an ARG whose default is pinned by digest (a placeholder, marked): never a tag alone.
    const arg = parsed.getARGs()[0]!;
    expect(arg.getProperty()?.getName()).toBe(NIX_IMAGE_ARG);
    expect(arg.getProperty()?.getValue()).toBe(NIX_IMAGE_PLACEHOLDER);
    expect(NIX_IMAGE_PLACEHOLDER).toMatch(/^nixos\/nix@sha256:[0-9a-f]{64}$/);
    expect(text).toMatch(/# TODO\(dock2nix\): pin the Nix image by its digest/);
  });

  it('builds the root through the flake, refusing an unlocked nixpkgs, and exports its closure and files', () => {
    const run = parsed
      .getInstructions()
      .find((i) => i.getKeyword() === 'RUN')!
      .getArgumentsContent()!;
    expect(run).toContain("build --option sandbox false --no-update-lock-file --no-link --print-out-paths 'path:/src?dir=nix#default.root'");
    expect(run).toMatch(/nix-store -qR < "\$root\/store-paths" \| sort -u \| xargs -r cp -a -t \/rootfs\/nix\/store\//);
    expect(run).toContain('tar -C /rootfs --numeric-owner -xpf "$root/layer.tar"');
    // The context is copied whole into the build stage, since default.nix reads it from ../.
    const copies = parsed.getInstructions().filter((i) => i.getKeyword() === 'COPY') as Copy[];
    expect(copies.map((c) => [c.getFromFlag()?.getValue() ?? null, c.getArgumentsContent()])).toEqual([
      [null, '. .'],
      [BUILD_STAGE, `${ROOT_FOLDER}/ /`],
    ]);
    // The folder of default.nix inside the context is the flake's dir.
    expect(emitDockerfile(plan, 'deploy/nix')).toContain("'path:/src?dir=deploy/nix#default.root'");
    expect(emitDockerfile(plan, '')).toContain("'path:/src#default.root'");
  });

  it("sets the image's config in the final stage, and nothing else after the COPY", () => {
    const scratch = text.slice(text.indexOf('FROM scratch'));
    const instructions = DockerfileParser.parse(scratch).getInstructions();
    expect(instructions.map((i) => i.getKeyword())).toEqual([
      'FROM',
      'COPY',
      'ENV',
      'ENV',
      'ENV',
      'ENV',
      'LABEL',
      'EXPOSE',
      'EXPOSE',
      'WORKDIR',
      'USER',
      'HEALTHCHECK',
      'ENTRYPOINT',
      'CMD',
    ]);
    const config = plan.image.config;
    expect(config.Env.map(([k]) => k)).toEqual(['APP_HOME', 'GREETING', 'PATH', 'PRICE_TAG']);
    // One ENV per variable, by name (dockerfile-ast keeps the `\$` escape in the value it reads back: the values
    // are checked against what Buildah makes of them, below).
    const envs = instructions.filter((i) => i.getKeyword() === 'ENV');
    const names = envs.map((e) => (e as unknown as { getProperties(): Array<{ getName(): string }> }).getProperties().map((p) => p.getName()));
    expect(names).toEqual(config.Env.map(([key]) => [key]));
    expect(scratch).toContain('ENV PRICE_TAG="costs \\$5"');
    expect(scratch).toContain('ENV GREETING="say \\"hi\\""');
  });

  it('quotes values Docker would expand or split', () => {
    expect(dockerfileQuote('costs $5')).toBe('"costs \\$5"');
    expect(dockerfileQuote('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
    expect(() => dockerfileQuote('two\nlines')).toThrow(/newline/);
    const none = { ...plan.image.config, Healthcheck: { Test: ['NONE'] } };
    expect(configInstructions(none, true)).toContain('HEALTHCHECK NONE');
    const exec = { ...plan.image.config, Healthcheck: { Test: ['CMD', 'curl', '-f', 'http://x/'], Interval: 1_500_000_000, Retries: 2 } };
    expect(configInstructions(exec, true)).toContain('HEALTHCHECK --interval=1500ms --retries=2 CMD ["curl","-f","http://x/"]');
    expect(configInstructions(exec, false).some((l) => l.startsWith('HEALTHCHECK'))).toBe(false);
  });

  it('is refused, with the reason, where it cannot be made', () => {
    const refused = (options: Parameters<typeof convert>[1]) => {
      try {
        convert(fixture, options);
      } catch (error) {
        expect(error).toBeInstanceOf(Dock2nixError);
        return (error as Dock2nixError).oneLine();
      }
      return null;
    };
    expect(refused({ format: 'nix2container' })).toMatch(/^Dockerfile: --with-dockerfile reads the root dockerTools builds.*--builder layered or stream/);
    expect(refused({ keepBase: true })).toMatch(/FROM scratch image, and the base alpine stays Docker's/);
    expect(refused({ outputInContext: null })).toMatch(/output folder inside the build context/);
    expect(refused({ format: 'stream' })).toBeNull();
  });

  it('is not written without the option, and default.nix is then unchanged', () => {
    const context = fsContext(fixture);
    const plain = convertDockerfile(readFileSync(path.join(fixture, 'Dockerfile'), 'utf8'), context, rules, {
      shell,
      dockerfilePath: 'Dockerfile',
      imageName: 'site',
      contextFromOutput: '..',
      outputInContext: 'nix',
    });
    expect(plain.files['Dockerfile.nix']).toBeUndefined();
    expect(plain.plan.dockerfileOut).toBeUndefined();
    expect(plain.files['default.nix']).not.toContain('image-root');
    expect(plain.files['default.nix']).toMatch(/\npkgs\.dockerTools\.buildLayeredImage \{/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Buildah.

const problem = (await buildahProblem()) ?? (!hasTool('fakeroot') ? 'fakeroot is not installed (apt-get install fakeroot)' : null);
const skip = skipReason('Dockerfile.nix with Buildah', problem);
/** Its own container storage (vfs), as test/helpers/layout.ts has: nothing here touches the shared one. */
const STORAGE = [
  '--storage-driver',
  'vfs',
  '--root',
  '/var/tmp/dock2nix-dockerfile-out-storage/root',
  '--runroot',
  '/var/tmp/dock2nix-dockerfile-out-storage/run',
];
const buildah = (args: string[], cwd?: string) => execa('buildah', [...STORAGE, ...args], { stdin: 'ignore', reject: false, cwd, all: true });
const ROOT_IMAGE = 'localhost/dock2nix-dockerfile-out/rootfs:latest';
const FINAL_IMAGE = 'localhost/dock2nix-dockerfile-out/final:latest';
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-dockerfile-out-'));
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  if (!skip) await buildah(['rmi', '--force', FINAL_IMAGE, ROOT_IMAGE]);
});

/** The root as dockTools' customisation layer packs it: extraCommands, then fakeRootCommands and tar under fakeroot. */
async function packRoot(p: MigrationPlan, contextDir: string): Promise<string> {
  const { extra, fakeRoot } = renderScripts(p, contextDir, work);
  const root = path.join(work, 'root');
  const tar = path.join(work, 'layer.tar');
  writeFileSync(path.join(work, 'extra.sh'), extra);
  writeFileSync(path.join(work, 'fakeroot.sh'), fakeRoot);
  const script = `set -e; umask 022; mkdir -p "$1"; cd "$1"; source ../extra.sh; source ../fakeroot.sh; tar --sort=name --numeric-owner -cf "$2" .`;
  const packed = await execa('fakeroot', ['bash', '--norc', '-c', script, 'bash', root, tar], { stdin: 'ignore', reject: false, all: true });
  if (packed.exitCode !== 0) throw new Error(`packing the root failed: ${packed.all}`);
  return tar;
}

describe.skipIf(skip)('Dockerfile.nix with Buildah', () => {
  it('is read by Buildah up to the pull of the Nix image (nothing is pulled here)', async () => {
    const file = path.join(work, 'Dockerfile.nix');
    writeFileSync(file, text);
    const result = await buildah(['bud', '--pull=never', '--isolation', 'chroot', '-f', file, fixture]);
    expect(result.exitCode).not.toBe(0);
    // It fails where the placeholder digest is looked up, not on the file's syntax.
    expect(result.all).toContain(NIX_IMAGE_PLACEHOLDER.split('@')[1]);
    expect(result.all).not.toMatch(/parse|syntax|unknown instruction|dockerfile parse/i);
  }, 60_000);

  it('builds the final stage against a prepared root: the same files, owners and modes, and the same config', async () => {
    const tar = await packRoot(plan, fixture);
    // An image whose /rootfs is the root, in place of the first stage (which needs a Nix image and the network).
    const from = await buildah(['from', '--pull=never', 'scratch']);
    expect(from.exitCode, from.all).toBe(0);
    const container = from.stdout.trim();
    const added = await buildah(['add', container, tar, `${ROOT_FOLDER}/`]);
    expect(added.exitCode, added.all).toBe(0);
    expect((await buildah(['commit', '--rm', container, ROOT_IMAGE])).exitCode).toBe(0);

    const finalStage = text.slice(text.indexOf('FROM scratch')).replace(`COPY --from=${BUILD_STAGE} `, `COPY --from=${ROOT_IMAGE} `);
    expect(finalStage).not.toBe(text.slice(text.indexOf('FROM scratch')));
    const file = path.join(work, 'Dockerfile.final');
    writeFileSync(file, finalStage);
    // Docker's image format: an OCI config has no Healthcheck.
    const built = await buildah(['bud', '--pull=never', '--format', 'docker', '--isolation', 'chroot', '-f', file, '-t', FINAL_IMAGE, work]);
    expect(built.exitCode, built.all).toBe(0);

    const inspected = JSON.parse((await buildah(['inspect', '--type', 'image', FINAL_IMAGE])).stdout) as {
      OCIv1: { config: Record<string, unknown> };
      Docker: { config: { Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number } } };
    };
    const config = inspected.OCIv1.config;
    const want = plan.image.config;
    // The same variables and values ($ and " kept literally). Buildah gives a FROM scratch image a PATH before the
    // first ENV, so the order of the list may differ; the ENV PATH line then sets its value.
    expect([...(config.Env as string[])].sort()).toEqual(want.Env.map(([k, v]) => `${k}=${v}`).sort());
    expect(config.Entrypoint).toEqual(want.Entrypoint);
    expect(config.Cmd).toEqual(want.Cmd);
    expect(config.User).toBe(want.User);
    expect(config.WorkingDir).toBe(want.WorkingDir);
    expect(Object.keys(config.ExposedPorts as object).sort()).toEqual([...want.ExposedPorts].sort());
    // Buildah adds its own io.buildah.version label.
    const { 'io.buildah.version': _buildah, ...labels } = config.Labels as Record<string, string>;
    expect(labels).toEqual(Object.fromEntries(want.Labels));
    expect(inspected.Docker.config.Healthcheck).toMatchObject({
      Test: want.Healthcheck!.Test,
      Interval: want.Healthcheck!.Interval,
      Timeout: want.Healthcheck!.Timeout,
    });

    // The files: what the root had, with its owners and modes (COPY --from keeps them).
    const mount = await execa('podman', [...STORAGE, 'image', 'mount', FINAL_IMAGE], { stdin: 'ignore', reject: false });
    expect(mount.exitCode, mount.stderr).toBe(0);
    try {
      const listing = await execa('find', [mount.stdout.trim(), '-mindepth', '1', '-printf', '%P %y %m %U:%G\\n'], { stdin: 'ignore' });
      const entries = new Map(listing.stdout.split('\n').map((line) => [line.split(' ')[0]!, line.split(' ').slice(1).join(' ')]));
      expect(entries.get('home/web')).toBe('d 755 1000:1000');
      expect(entries.get('srv/www/static')).toBe('d 755 1000:1000');
      expect(entries.get('srv/www/static/index.html')).toBe('f 644 1000:1000');
      expect(entries.get('usr/local/bin/serve.sh')).toBe('f 755 0:0');
      expect(entries.get('tmp')).toBe('d 1777 0:0');
      // Exactly the root's entries: COPY --from added nothing and lost nothing.
      const rootListing = await execa('tar', ['-tvf', path.join(work, 'layer.tar'), '--numeric-owner'], { stdin: 'ignore' });
      const inRoot = rootListing.stdout
        .split('\n')
        .map((l) =>
          l
            .split(/\s+/)
            .slice(5)
            .join(' ')
            .replace(/^\.\//, '')
            .replace(/\/$/, '')
            .replace(/ -> .*$/, ''),
        )
        .filter((p) => p && p !== '.');
      expect([...entries.keys()].filter(Boolean).sort()).toEqual([...inRoot].sort());
    } finally {
      await execa('podman', [...STORAGE, 'image', 'unmount', FINAL_IMAGE], { stdin: 'ignore', reject: false });
    }
  }, 180_000);
});

it('finds the fixture', () => {
  expect(existsSync(path.join(fixture, 'Dockerfile'))).toBe(true);
});

describe('convert --with-dockerfile on the command line', () => {
  const bin = path.join(repoRoot, 'bin/dock2nix.js');
  const run = (args: string[], cwd: string) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const copy = () => {
    const dir = mkdtempSync(path.join(work, 'cli-'));
    cpSync(fixture, dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}expected`) });
    return dir;
  };

  it('writes Dockerfile.nix beside default.nix, and replaces it only with --force', () => {
    const dir = copy();
    const first = run(['convert', 'Dockerfile', '--with-dockerfile'], dir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('nix/Dockerfile.nix');
    // The same file as the conversion above (its image name comes from the folder here).
    expect(readFileSync(path.join(dir, 'nix', 'Dockerfile.nix'), 'utf8')).toContain(`COPY --from=${BUILD_STAGE} ${ROOT_FOLDER}/ /`);
    expect(readFileSync(path.join(dir, 'nix', 'default.nix'), 'utf8')).toContain('image // { inherit root; }');
    const again = run(['convert', 'Dockerfile', '--with-dockerfile'], dir);
    expect(again.status).not.toBe(0);
    expect(run(['convert', 'Dockerfile', '--with-dockerfile', '--force'], dir).status).toBe(0);
  });

  it('refuses a format it cannot use with one line and a usage exit status', () => {
    const dir = copy();
    const refused = run(['convert', 'Dockerfile', '--with-dockerfile', '--builder', 'nix2container'], dir);
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^dock2nix: Dockerfile: --with-dockerfile reads the root dockerTools builds/);
    expect(existsSync(path.join(dir, 'nix'))).toBe(false);
  });
});
