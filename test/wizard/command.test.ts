/**
 * `dock2nix wizard` around the steps: finding Dockerfiles and saved answers, the terminal check, the audit
 * offer, and that what it writes is exactly what `convert --answers` writes.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { outputFolderName } from '../../src/cli/commands/convert.js';
import { auditArgs, auditAvailability, findDockerfiles, findSavedAnswers, runWizardCommand } from '../../src/cli/commands/wizard.js';
import { main } from '../../src/cli/main.js';
import { repoRoot } from '../helpers/tools.js';
import { enter, moveThenEnter, scriptedPrompter, snapshot, typeThenEnter, type Step } from './helpers.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-wizard-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const fixture = path.join(repoRoot, 'test/wizard/fixtures/thumbnailer');

/** What the CLI prints on stdout for `args`. */
async function captured(args: string[]): Promise<string> {
  const out: string[] = [];
  await main(args, { stdout: (text) => void out.push(text), stderr: () => undefined });
  return out.join('');
}

function tree(name: string, files: Record<string, string>): string {
  const root = path.join(work, name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

describe('finding the Dockerfile', () => {
  it('finds Dockerfile, *.Dockerfile and Dockerfile.* below the folder, shallowest first, skipping output and vendored folders', () => {
    const root = tree('find', {
      Dockerfile: 'FROM alpine\n',
      'Dockerfile.dev': 'FROM alpine\n',
      'Dockerfile.dockerignore': 'x\n',
      'api/api.Dockerfile': 'FROM alpine\n',
      'api/deep/er/Dockerfile': 'FROM alpine\n',
      'node_modules/pkg/Dockerfile': 'FROM alpine\n',
      '.git/Dockerfile': 'FROM alpine\n',
      'nix/Dockerfile': 'FROM alpine\n',
      'notes.txt': 'Dockerfile\n',
    });
    expect(findDockerfiles(root)).toEqual(['Dockerfile', 'Dockerfile.dev', 'api/api.Dockerfile', 'api/deep/er/Dockerfile']);
    expect(findDockerfiles(path.join(work, 'find', 'api', 'deep'))).toEqual(['er/Dockerfile']);
  });

  it('gives variants their own output folder, as convert does for several Dockerfiles', () => {
    expect(outputFolderName('x/Dockerfile')).toBe('nix');
    expect(outputFolderName('Dockerfile.dev')).toBe('nix-dev');
    expect(outputFolderName('api.Dockerfile')).toBe('nix-api');
  });

  it('finds the answers saved for this Dockerfile, and only for it', () => {
    const answers = (dockerfile: string) => JSON.stringify({ version: 1, dockerfile, format: 'stream', files: ['default.nix'], decisions: { packages: {} } });
    const root = tree('saved', {
      Dockerfile: 'FROM alpine\n',
      'Dockerfile.dev': 'FROM alpine\n',
      'out/dock2nix.answers.json': answers('../Dockerfile'),
      'nix-dev/dock2nix.answers.json': answers('../Dockerfile.dev'),
    });
    const found = findSavedAnswers(root, path.join(root, 'Dockerfile'));
    expect(found && 'answers' in found ? [path.relative(root, found.file), found.answers.format] : found).toEqual(['out/dock2nix.answers.json', 'stream']);
    const dev = findSavedAnswers(root, path.join(root, 'Dockerfile.dev'));
    expect(dev && 'answers' in dev ? path.relative(root, dev.file) : dev).toBe('nix-dev/dock2nix.answers.json');
    const none = tree('saved-none', { Dockerfile: 'FROM alpine\n', 'nix/dock2nix.answers.json': '{"version": 2}' });
    expect(findSavedAnswers(none, path.join(none, 'Dockerfile'))).toEqual({
      file: path.join(none, 'nix/dock2nix.answers.json'),
      problem: expect.stringMatching(/bad answers file at version/),
    });
  });
});

describe('the audit offer', () => {
  const bin = path.join(work, 'bin');
  mkdirSync(bin, { recursive: true });
  const script = (name: string, text: string) => {
    writeFileSync(path.join(bin, name), text);
    chmodSync(path.join(bin, name), 0o755);
    return path.join(bin, name);
  };
  const empty = mkdtempSync(path.join(work, 'empty-path-'));

  it('is skipped when no container engine is on PATH', async () => {
    expect(await auditAvailability(empty)).toBeNull();
    expect(await auditAvailability('')).toBeNull();
    // A folder or a file that cannot be run, named like an engine, is not one.
    mkdirSync(path.join(empty, 'docker'), { recursive: true });
    writeFileSync(path.join(empty, 'podman'), '#!/bin/sh\n');
    expect(await auditAvailability(empty)).toBeNull();
  });

  it('names the engine audit --engine auto would try first among those installed', async () => {
    script('buildah', '#!/bin/sh\nexit 0\n');
    expect(await auditAvailability(`${empty}${path.delimiter}${bin}`)).toEqual({ engine: 'buildah' });
    script('podman', '#!/bin/sh\nexit 0\n');
    expect(await auditAvailability(bin)).toEqual({ engine: 'podman' });
  });
});

describe('the audit run', () => {
  it('builds the Nix just written (--nix) for the chosen stage, options the audit command has', async () => {
    expect(auditArgs('Dockerfile', '/p/nix', 'web')).toEqual(['audit', 'Dockerfile', '--target', 'web', '--nix', '/p/nix']);
    expect(auditArgs('Dockerfile', '/p/nix', undefined)).toEqual(['audit', 'Dockerfile', '--nix', '/p/nix']);
    // The options are the audit command's own: its help lists them (never `-o`, the audit's report file).
    const help = await captured(['audit', '--help']);
    for (const option of ['--target <stage>', '--nix <path>']) expect(help).toContain(option);
  });
});

describe('dock2nix wizard', () => {
  const cwd = process.cwd();
  const pathEnv = process.env.PATH;
  afterEach(() => {
    process.chdir(cwd);
    process.env.PATH = pathEnv;
  });

  it('without a terminal exits at once with one line that points to convert --answers, writing nothing', () => {
    const dir = path.join(work, 'piped');
    cpSync(fixture, dir, { recursive: true });
    const before = snapshot(dir);
    const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin/dock2nix.js'), 'wizard'], { cwd: dir, encoding: 'utf8', input: '\n\n\n' });
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/needs a terminal.*dock2nix convert .*--answers/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('writes the answers file and exactly the files convert --answers writes; no audit offer without an engine', async () => {
    const dir = path.join(work, 'inprocess');
    cpSync(fixture, dir, { recursive: true });
    process.chdir(dir);
    process.env.PATH = mkdtempSync(path.join(work, 'no-engines-'));
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    // No audit step in the script: an audit question would fail the test ("unexpected question").
    const prompter = scriptedPrompter([typeThenEnter('vips'), moveThenEnter('up'), moveThenEnter('down'), enter, enter]);
    expect(await runWizardCommand({}, io, prompter)).toBe(0);
    expect(prompter.remaining()).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^Using Dockerfile\n/);
    expect(text).toMatch(/summary: \d+ mapped/);
    expect(text).toMatch(/dock2nix convert Dockerfile --answers nix\/dock2nix\.answers\.json --force/);
    const written = snapshot(path.join(dir, 'nix'));
    expect(Object.keys(written).sort()).toEqual(['default.nix', 'dock2nix.answers.json', 'flake.nix']);
    expect(JSON.parse(written['dock2nix.answers.json']!)).toEqual({
      version: 1,
      dockerfile: '../Dockerfile',
      format: 'stream',
      files: ['default.nix', 'flake.nix'],
      decisions: { packages: { 'apk:font-noto-emoji': null, 'apk:vips-tools': 'vips' } },
    });
    expect(written['default.nix']).toMatch(/streamLayeredImage/);
    expect(written['default.nix']).toMatch(/\bvips\b/);
    expect(written['default.nix']).not.toMatch(/noto/);

    rmSync(path.join(dir, 'nix/default.nix'));
    rmSync(path.join(dir, 'nix/flake.nix'));
    const code = await main(['convert', 'Dockerfile', '--answers', 'nix/dock2nix.answers.json'], { stdout: () => undefined, stderr: () => undefined });
    expect(code).toBe(0);
    expect(snapshot(path.join(dir, 'nix'))).toEqual(written);
  });

  it('asks which Dockerfile when there are several, and gives a variant its own folder', async () => {
    const dir = tree('variants', {
      Dockerfile: 'FROM alpine:3.19\nCMD ["sh"]\n',
      'Dockerfile.dev': 'FROM alpine:3.19\nRUN apk add --no-cache curl\nCMD ["sh"]\n',
    });
    process.chdir(dir);
    process.env.PATH = mkdtempSync(path.join(work, 'no-engines-'));
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    const prompter = scriptedPrompter([
      async (s) => {
        expect(s.message).toBe('Which Dockerfile?');
        expect(s.screen()).toMatch(/❯ Dockerfile\n {2}Dockerfile\.dev/);
        s.keypress('down');
        await s.nextRender();
        s.keypress('enter');
      },
      enter,
      enter,
      (s) => {
        expect(s.screen()).toMatch(/Output folder: \(nix-dev\)/);
        s.keypress('enter');
      },
    ]);
    expect(await runWizardCommand({}, io, prompter)).toBe(0);
    expect(prompter.remaining()).toBe(0);
    expect(readdirSync(path.join(dir, 'nix-dev')).sort()).toEqual(['default.nix', 'dock2nix.answers.json', 'flake.nix']);
    expect(JSON.parse(readFileSync(path.join(dir, 'nix-dev/dock2nix.answers.json'), 'utf8')).dockerfile).toBe('../Dockerfile.dev');
    expect(readFileSync(path.join(dir, 'nix-dev/default.nix'), 'utf8')).toMatch(/from Dockerfile\.dev/);
    expect(out.join('')).toMatch(/dock2nix convert Dockerfile\.dev --answers nix-dev\/dock2nix\.answers\.json -o nix-dev --force/);
  });

  it('takes --context and --build-arg, saves them for convert --answers, and never saves a credential', async () => {
    const token = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';
    const dir = tree('context-args', {
      'svc/Dockerfile': 'FROM alpine:3.19\nARG TOOL=curl\nARG API_TOKEN\nRUN apk add --no-cache $TOOL\nCOPY shared/config.txt /etc/config.txt\nCMD ["sh"]\n',
      'shared/config.txt': 'setting=1\n',
    });
    process.chdir(dir);
    process.env.PATH = mkdtempSync(path.join(work, 'no-engines-'));
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    const prompter = scriptedPrompter([
      enter,
      enter,
      (s) => {
        // The output goes into the context, as convert --context would put it.
        expect(s.screen()).toMatch(/Output folder: \(nix\)/);
        s.keypress('enter');
      },
    ]);
    expect(await runWizardCommand({ dockerfile: 'svc/Dockerfile', context: '.', buildArg: ['TOOL=jq', `API_TOKEN=${token}`] }, io, prompter)).toBe(0);
    expect(prompter.remaining()).toBe(0);
    const written = snapshot(path.join(dir, 'nix'));
    const answers = JSON.parse(written['dock2nix.answers.json']!);
    expect(answers).toMatchObject({ dockerfile: '../svc/Dockerfile', context: '..', buildArgs: { TOOL: 'jq' } });
    expect(written['dock2nix.answers.json']).not.toContain(token);
    expect(written['default.nix']).toMatch(/\bjq\b/);
    expect(written['default.nix']).toContain('shared/config.txt');
    const text = out.join('');
    expect(text).not.toContain(token);
    expect(text).toMatch(/dock2nix convert svc\/Dockerfile --answers nix\/dock2nix\.answers\.json --build-arg API_TOKEN --force/);
    expect(text).toMatch(/Not saved in the answers file, as they look like credentials: API_TOKEN; .*default\.nix holds the value/);

    // The command it prints gives the same files, the credential coming from the environment.
    rmSync(path.join(dir, 'nix/default.nix'));
    rmSync(path.join(dir, 'nix/flake.nix'));
    process.env.API_TOKEN = token;
    try {
      expect(
        await main(['convert', 'svc/Dockerfile', '--answers', 'nix/dock2nix.answers.json', '--build-arg', 'API_TOKEN', '--force'], {
          stdout: () => undefined,
          stderr: () => undefined,
        }),
      ).toBe(0);
    } finally {
      delete process.env.API_TOKEN;
    }
    expect(snapshot(path.join(dir, 'nix'))).toEqual(written);
  });

  it('with an engine and an audit command, offers the audit (default no) and runs it on the files just written', async () => {
    const engines = mkdtempSync(path.join(work, 'engines-'));
    writeFileSync(path.join(engines, 'buildah'), '#!/bin/sh\nexit 0\n');
    chmodSync(path.join(engines, 'buildah'), 0o755);
    const marker = path.join(work, 'audit-args.json');
    const cli = path.join(engines, 'fake-cli.mjs');
    writeFileSync(
      cli,
      `import { writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
writeFileSync(${JSON.stringify(marker)}, JSON.stringify(args));
process.exit(3);
`,
    );
    process.env.PATH = engines;
    const io = { stdout: () => undefined, stderr: () => undefined };
    const run = async (name: string, answer: Step) => {
      const dir = tree(name, { Dockerfile: 'FROM alpine:3.19 AS app\nCMD ["sh"]\n' });
      process.chdir(dir);
      const prompter = scriptedPrompter([enter, enter, enter, answer]);
      const code = await runWizardCommand({}, io, prompter, cli);
      expect(prompter.asked.at(-1)).toEqual({ kind: 'confirm', message: 'Run dock2nix audit now?', why: expect.stringMatching(/^buildah is installed/) });
      return { dir, code };
    };
    const no = await run('audit-no', (s) => {
      expect(s.screen()).toMatch(/\(y\/N\)/);
      s.keypress('enter');
    });
    expect(no.code).toBe(0);
    expect(() => readFileSync(marker)).toThrow();
    const yes = await run('audit-yes', typeThenEnter('y'));
    // The audit's exit status is the wizard's.
    expect(yes.code).toBe(3);
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual(['audit', 'Dockerfile', '--nix', path.join(yes.dir, 'nix')]);
  });

  it('a second run offers the saved answers and refuses to overwrite by default', async () => {
    const dir = path.join(work, 'inprocess');
    process.chdir(dir);
    process.env.PATH = mkdtempSync(path.join(work, 'no-engines-'));
    const before = snapshot(path.join(dir, 'nix'));
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
    const prompter = scriptedPrompter([
      (s) => {
        expect(s.screen()).toMatch(/❯ vips \(your saved answer\)/);
        s.keypress('enter');
      },
      (s) => {
        expect(s.screen()).toMatch(/❯ Leave it out \(your saved answer\)/);
        s.keypress('enter');
      },
      (s) => {
        expect(s.screen()).toMatch(/❯ dockerTools\.streamLayeredImage/);
        s.keypress('enter');
      },
      enter,
      enter, // nix, which exists
      enter, // replace? no
      typeThenEnter('nix2'),
    ]);
    expect(await runWizardCommand({}, io, prompter)).toBe(0);
    expect(out.join('')).toMatch(/answers saved in nix\/dock2nix\.answers\.json are the defaults/);
    expect(prompter.asked.find((a) => a.kind === 'confirm')?.message).toBe('Replace nix/default.nix, nix/flake.nix, nix/dock2nix.answers.json?');
    expect(snapshot(path.join(dir, 'nix'))).toEqual(before);
    const second = snapshot(path.join(dir, 'nix2'));
    expect(JSON.parse(second['dock2nix.answers.json']!).decisions).toEqual(JSON.parse(before['dock2nix.answers.json']!).decisions);
  });
});
