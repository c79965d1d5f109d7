/**
 * Converting many Dockerfiles in one process, what `convert` loads, and that an interrupted run never leaves a
 * half-written file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/tools.js';
import { loadedModules } from './helpers/loaded-modules.js';

const bin = path.join(repoRoot, 'bin/dock2nix.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-scale-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(
    process.execPath,
    [...(env.NODE_IMPORT ? ['--import', env.NODE_IMPORT] : []), ...(env.NODE_REQUIRE ? ['--require', env.NODE_REQUIRE] : []), bin, ...args],
    { cwd, encoding: 'utf8', env: { ...process.env, ...env } },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('convert with several Dockerfiles', () => {
  const tree = path.join(work, 'monorepo');
  mkdirSync(tree, { recursive: true });
  for (const name of ['flask-alpine', 'go-scratch', 'node-caddy']) {
    cpSync(path.join(repoRoot, 'fixtures', name), path.join(tree, 'services', name), { recursive: true, filter: (p) => !p.includes(`${path.sep}expected`) });
  }
  writeFileSync(path.join(tree, 'services/node-caddy/Dockerfile.dev'), 'FROM node:22\nCMD ["node"]\n');
  writeFileSync(path.join(tree, 'broken.Dockerfile'), 'FROM alpine\nNOPE x\n');

  it('expands a glob, writes each into its own folder and prints one summary; exit 1 when one failed', () => {
    const result = run(['convert', '**/Dockerfile*', '*.Dockerfile', '--jobs', '2'], tree);
    expect(result.code).toBe(1);
    for (const out of ['services/flask-alpine/nix', 'services/go-scratch/nix', 'services/node-caddy/nix', 'services/node-caddy/nix-dev']) {
      expect(existsSync(path.join(tree, out, 'default.nix')), out).toBe(true);
    }
    expect(result.stdout).toMatch(/^failed  broken\.Dockerfile:2: unknown instruction: NOPE$/m);
    expect(result.stdout).toMatch(/^4 of 5 Dockerfiles converted; instructions: \d+ mapped/m);
  });

  it('prints one JSON document for all of them with --json', () => {
    const result = run(['convert', 'services/*/Dockerfile', '--json', '--force'], tree);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.conversions.map((c: { dockerfile: string }) => c.dockerfile)).toEqual([
      'services/flask-alpine/Dockerfile',
      'services/go-scratch/Dockerfile',
      'services/node-caddy/Dockerfile',
    ]);
    expect(report.summary.files).toEqual({ total: 3, converted: 3, failed: 0 });
  });

  it('gives each output folder to one Dockerfile, converts a file named twice once, and reports a folder it cannot write', () => {
    const dir = path.join(work, 'collide');
    mkdirSync(path.join(dir, 'blocked'), { recursive: true });
    writeFileSync(path.join(dir, 'Dockerfile.dev'), 'FROM alpine:3.20\nCMD ["sh"]\n');
    writeFileSync(path.join(dir, 'dev.Dockerfile'), 'FROM alpine:3.20\nCMD ["sh"]\n');
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\nCMD ["sh"]\n');
    writeFileSync(path.join(dir, 'blocked/Dockerfile'), 'FROM alpine:3.20\nCMD ["sh"]\n');
    writeFileSync(path.join(dir, 'blocked/nix'), 'a file where the output folder should be\n');
    const result = run(['convert', 'Dockerfile.dev', 'dev.Dockerfile', './Dockerfile', 'Dockerfile', 'blocked/Dockerfile'], dir);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^ok {6}(\.\/)?Dockerfile → nix /m);
    expect(result.stdout).toMatch(/^ok {6}Dockerfile\.dev → nix-dev /m);
    expect(result.stdout).toMatch(/^failed {2}dev\.Dockerfile: its output folder nix-dev is also Dockerfile\.dev's; convert it on its own with -o$/m);
    expect(result.stdout).toMatch(/^failed {2}blocked\/nix: cannot write here \(EEXIST\); nothing was replaced$/m);
    expect(result.stdout).toMatch(/^2 of 4 Dockerfiles converted/m);
    expect(readdirSync(path.join(dir, 'nix-dev')).sort()).toEqual(['default.nix', 'flake.nix']);
  });

  it('refuses --context with several Dockerfiles', () => {
    const result = run(['convert', 'services/*/Dockerfile', '--context', '.'], tree);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--context applies to one Dockerfile/);
  });
});

describe('a batch shared with worker threads', () => {
  const tree = path.join(work, 'many');
  const fixtures = readdirSync(path.join(repoRoot, 'fixtures')).filter((name) => existsSync(path.join(repoRoot, 'fixtures', name, 'Dockerfile')));
  for (const name of fixtures) {
    cpSync(path.join(repoRoot, 'fixtures', name), path.join(tree, name), { recursive: true, filter: (p) => !p.includes(`${path.sep}expected`) });
  }
  writeFileSync(path.join(tree, 'bad-a.Dockerfile'), 'FROM alpine\nNOPE x\n');
  writeFileSync(path.join(tree, 'bad-b.Dockerfile'), 'RUN true\n');
  const files = fixtures.length + 2;

  it('gives the same report and files as one thread, failures included', () => {
    expect(files, 'enough Dockerfiles for two threads').toBeGreaterThanOrEqual(16);
    const trace = path.join(work, 'worker-loads.txt');
    const many = run(['convert', '*/Dockerfile', '*.Dockerfile', '--json', '--jobs', '4', '-o', 'out-many'], tree, {
      DOCK2NIX_TRACE_LOADS: trace,
      NODE_IMPORT: path.join(repoRoot, 'test/helpers/trace-loads.mjs'),
    });
    const one = run(['convert', '*/Dockerfile', '*.Dockerfile', '--json', '--jobs', '1', '-o', 'out-one'], tree);
    expect(many.code).toBe(1);
    expect(one.code).toBe(1);
    const strip = (stdout: string) => stdout.replaceAll('out-many', 'OUT').replaceAll('out-one', 'OUT');
    expect(strip(many.stdout)).toEqual(strip(one.stdout));
    expect(JSON.parse(many.stdout).summary.files).toEqual({ total: files, converted: files - 2, failed: 2 });
    expect(many.stdout).toContain('bad-a.Dockerfile:2: unknown instruction: NOPE');
    for (const name of fixtures) {
      for (const file of ['default.nix', 'flake.nix']) {
        expect(readFileSync(path.join(tree, 'out-many', name, 'nix', file), 'utf8'), `${name}/${file}`).toEqual(
          readFileSync(path.join(tree, 'out-one', name, 'nix', file), 'utf8'),
        );
      }
    }
    // On a machine with two cores or more, a worker thread did part of the batch.
    if (os.availableParallelism() >= 2) expect(loadedModules(trace)).toContain('dist/cli/commands/convert-worker.js');
    else console.log('one core: the batch ran on the main thread only');
  });
});

describe('rewriting', () => {
  it('leaves files whose content would not change alone, and replaces the others', async () => {
    const dir = path.join(work, 'rewrite');
    cpSync(path.join(repoRoot, 'fixtures/go-scratch'), dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}expected`) });
    expect(run(['convert', 'Dockerfile'], dir).code).toBe(0);
    const old = new Date('2020-01-01T00:00:00Z');
    for (const file of ['default.nix', 'flake.nix']) utimesSync(path.join(dir, 'nix', file), old, old);
    expect(run(['convert', 'Dockerfile', '--force'], dir).code).toBe(0);
    expect(statSync(path.join(dir, 'nix/default.nix')).mtime).toEqual(old);
    writeFileSync(path.join(dir, 'Dockerfile'), `${readFileSync(path.join(dir, 'Dockerfile'), 'utf8')}LABEL changed=yes\n`);
    expect(run(['convert', 'Dockerfile', '--force'], dir).code).toBe(0);
    expect(statSync(path.join(dir, 'nix/default.nix')).mtime).not.toEqual(old);
    expect(readFileSync(path.join(dir, 'nix/default.nix'), 'utf8')).toContain('changed');
    expect(readdirSync(path.join(dir, 'nix')).sort()).toEqual(['default.nix', 'flake.nix']);
  });
});

describe('a write that fails half-way', () => {
  it('replaces none of the files and leaves no temporary file behind', () => {
    const dir = path.join(work, 'half');
    mkdirSync(path.join(dir, 'nix/flake.nix'), { recursive: true }); // a folder where a file goes: its rename fails
    writeFileSync(path.join(dir, 'nix/default.nix'), 'the previous default.nix\n');
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.20\nCMD ["sh"]\n');
    const result = run(['convert', 'Dockerfile', '--force'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^dock2nix: nix\/flake\.nix: cannot write here \(EISDIR\); nothing was replaced$/);
    expect(readdirSync(path.join(dir, 'nix')).sort()).toEqual(['default.nix', 'flake.nix']);
    expect(readFileSync(path.join(dir, 'nix/default.nix'), 'utf8')).toBe('the previous default.nix\n');
  });
});

describe('what convert loads', () => {
  it('does not load the prompt library, the archive reader or the engine runner', () => {
    const trace = path.join(work, 'loads.txt');
    const dir = path.join(work, 'loads');
    mkdirSync(dir, { recursive: true });
    // A script tree-sitter reads: mvdan-sh, the fallback, is not loaded (no-shell-parser.cjs makes loading it fail).
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine\nRUN apk add curl && echo "$HOME"\n');
    const result = run(['convert', 'Dockerfile', '--force'], dir, {
      DOCK2NIX_TRACE_LOADS: trace,
      NODE_IMPORT: path.join(repoRoot, 'test/helpers/trace-loads.mjs'),
      NODE_REQUIRE: path.join(repoRoot, 'test/helpers/no-shell-parser.cjs'),
    });
    expect(result.code, result.stderr).toBe(0);
    const loaded = loadedModules(trace);
    expect(loaded).toContain('dist/cli/commands/convert.js');
    expect(loaded.some((module) => module.includes('/node_modules/web-tree-sitter/'))).toBe(true);
    // Nothing is written but the output: no cache, in the project or elsewhere.
    expect(readdirSync(dir).sort()).toEqual(['Dockerfile', 'nix']);
    // The modules of the bundle's chunks (dist/...), and the dependencies' files (node_modules).
    expect(loaded.filter((module) => module.startsWith('dist/')).length).toBeGreaterThan(20);
    for (const heavy of [
      '/node_modules/@inquirer/',
      '/node_modules/tar-stream/',
      '/node_modules/execa/',
      '/node_modules/fzstd/',
      '/node_modules/zod/',
      '/node_modules/smol-toml/',
      '/node_modules/picomatch/',
      'dist/image/',
      'dist/wizard/',
      'dist/audit/',
      'dist/check/',
      'dist/cli/commands/wizard.js',
      '/node_modules/playwright',
    ]) {
      expect(
        loaded.filter((module) => module.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
  });
});

describe('folders that cannot be made', () => {
  it("end in a one-line error, never a hang (Node's recursive mkdir loops under /proc)", (context) => {
    if (!existsSync('/proc/self')) return context.skip();
    const dir = path.join(work, 'proc');
    cpSync(path.join(repoRoot, 'fixtures/go-scratch'), dir, { recursive: true, filter: (p) => !p.includes(`${path.sep}expected`) });
    const convert = (args: string[]) => spawnSync(process.execPath, [bin, 'convert', 'Dockerfile', ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    const output = convert(['-o', '/proc/dock2nix-test/nix', '--force']);
    expect(output.signal).toBeNull();
    expect(output.status).toBe(1);
    expect(output.stderr).toMatch(/^dock2nix: \S*proc\/dock2nix-test\S*: cannot write here \(ENOENT\); nothing was replaced\n$/);
  });
});

describe('an interrupted run', () => {
  it('leaves the previous files whole, whenever it is killed', async () => {
    const dir = path.join(work, 'interrupt');
    cpSync(path.join(repoRoot, 'fixtures/python-debian-user'), dir, { recursive: true });
    const first = run(['convert', 'Dockerfile'], dir);
    expect(first.code).toBe(0);
    const before = readFileSync(path.join(dir, 'nix/default.nix'), 'utf8');
    // Change the Dockerfile so a complete second run would write different content.
    writeFileSync(path.join(dir, 'Dockerfile'), readFileSync(path.join(dir, 'Dockerfile'), 'utf8').replace('PORT=8000', 'PORT=9000'));
    const seen = new Set<string>();
    for (const delay of [20, 60, 100, 140, 180, 220, 260, 300, 340, 380, 420, 460]) {
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [bin, 'convert', 'Dockerfile', '--force'], { cwd: dir, stdio: 'ignore' });
        const timer = setTimeout(() => child.kill('SIGKILL'), delay);
        child.on('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const now = readFileSync(path.join(dir, 'nix/default.nix'), 'utf8');
      expect(now.endsWith('}\n'), `complete file after a kill at ${delay} ms`).toBe(true);
      expect([before, before.replace('PORT=8000', 'PORT=9000')]).toContain(now);
      seen.add(now === before ? 'old' : 'new');
    }
    expect(seen.size).toBeGreaterThan(0);
    // A complete run afterwards writes the new file and clears what killed runs left behind.
    expect(run(['convert', 'Dockerfile', '--force'], dir).code).toBe(0);
    expect(readFileSync(path.join(dir, 'nix/default.nix'), 'utf8')).toContain('PORT=9000');
    expect(readdirSync(path.join(dir, 'nix')).sort()).toEqual(['default.nix', 'flake.nix']);
  });
});
