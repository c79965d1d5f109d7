/**
 * Nothing lost (issue 19): without --force, runs writing into one folder at the same time cannot both succeed
 * (the check and the placement are one hard link), the loser says so, and nothing of the winner's is replaced;
 * any entry at an output path, a dangling symbolic link too, is refused.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Dock2nixError } from '../src/errors.js';
import { ensureWritable, writeFilesAtomically } from '../src/io/write.js';
import { repoRoot } from './helpers/tools.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-race-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('writing without --force', () => {
  it('lets exactly one of many concurrent writers place the files, and the others fail with E_EXISTS', async () => {
    const dir = path.join(work, 'in-process');
    const runs = Array.from({ length: 16 }, (_, i) => [
      { path: path.join(dir, 'default.nix'), content: `default ${i}\n` },
      { path: path.join(dir, 'flake.nix'), content: `flake ${i}\n` },
    ]);
    const results = await Promise.allSettled(runs.map((files) => writeFilesAtomically(files, { replace: false })));
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Dock2nixError).code).toBe('E_EXISTS');
    // Both files are the winner's: no run placed one file while another placed the other.
    expect(readFileSync(path.join(dir, 'default.nix'), 'utf8')).toBe(`default ${winners[0]}\n`);
    expect(readFileSync(path.join(dir, 'flake.nix'), 'utf8')).toBe(`flake ${winners[0]}\n`);
    expect(readdirSync(dir).sort()).toEqual(['default.nix', 'flake.nix']);
  });

  it('fails on a file that appeared after the check, and takes back what it had placed', async () => {
    const dir = path.join(work, 'late');
    await writeFilesAtomically([{ path: path.join(dir, 'b.nix'), content: 'first\n' }], { replace: false });
    const attempt = writeFilesAtomically(
      [
        { path: path.join(dir, 'a.nix'), content: 'a\n' },
        { path: path.join(dir, 'b.nix'), content: 'second\n' },
      ],
      { replace: false },
    );
    await expect(attempt).rejects.toMatchObject({ code: 'E_EXISTS' });
    expect(existsSync(path.join(dir, 'a.nix'))).toBe(false);
    expect(readFileSync(path.join(dir, 'b.nix'), 'utf8')).toBe('first\n');
    expect(readdirSync(dir)).toEqual(['b.nix']);
  });

  it('refuses a dangling symbolic link at an output path, and leaves it alone', async () => {
    const dir = path.join(work, 'dangling');
    await writeFilesAtomically([{ path: path.join(dir, 'keep'), content: 'x' }]);
    const target = path.join(work, 'nowhere', 'file');
    symlinkSync(target, path.join(dir, 'default.nix'));
    expect(() => ensureWritable([path.join(dir, 'default.nix')], false)).toThrow(/already exists/);
    await expect(writeFilesAtomically([{ path: path.join(dir, 'default.nix'), content: 'new\n' }], { replace: false })).rejects.toMatchObject({
      code: 'E_EXISTS',
    });
    expect(lstatSync(path.join(dir, 'default.nix')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(dir, 'default.nix'))).toBe(target);
    expect(existsSync(target)).toBe(false);
  });

  it('replaces with --force', async () => {
    const dir = path.join(work, 'force');
    await writeFilesAtomically([{ path: path.join(dir, 'a'), content: 'old' }], { replace: false });
    await writeFilesAtomically([{ path: path.join(dir, 'a'), content: 'new' }], { replace: true });
    expect(readFileSync(path.join(dir, 'a'), 'utf8')).toBe('new');
  });
});

describe('convert runs racing for one folder', () => {
  it("one wins; every other exits non-zero saying the file exists; the files are the winner's", async () => {
    const bin = path.join(repoRoot, 'bin/dock2nix.js');
    if (!existsSync(path.join(repoRoot, 'dist/bundle/main.js'))) {
      console.warn('SKIP: dist/bundle is not built (npm run build): the multi-process race is not run');
      return;
    }
    const out = path.join(work, 'cli');
    const contexts = ['go-scratch', 'stream-redis', 'node-caddy', 'flask-alpine', 'rust-build', 'heredoc-cache'].map((name) =>
      path.join(repoRoot, 'fixtures', name),
    );
    const runs = await Promise.all(
      contexts.map(
        (context) =>
          new Promise<{ code: number | null; stderr: string; context: string }>((resolve) => {
            const child = spawn(process.execPath, [bin, 'convert', path.join(context, 'Dockerfile'), '-o', out], {
              stdio: ['ignore', 'ignore', 'pipe'],
              env: { ...process.env, NO_COLOR: '1' },
            });
            let stderr = '';
            child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
            child.on('close', (code) => resolve({ code, stderr, context }));
          }),
      ),
    );
    const winners = runs.filter((r) => r.code === 0);
    expect(winners, runs.map((r) => `${r.code} ${r.stderr}`).join('\n')).toHaveLength(1);
    for (const loser of runs.filter((r) => r.code !== 0)) {
      expect(loser.stderr).toMatch(/(already exists|appeared while this run was writing)/);
      expect(loser.stderr).not.toMatch(/\n\s+at /);
    }
    const winner = path.basename(winners[0]!.context);
    expect(readFileSync(path.join(out, 'default.nix'), 'utf8')).toContain(`fixtures/${winner}/Dockerfile`);
    expect(readFileSync(path.join(out, 'flake.nix'), 'utf8')).toContain(`fixtures/${winner}/Dockerfile`);
  });
});
