/**
 * writeFilesAtomically when a rename fails after another has succeeded. Nothing on a real file system makes the
 * second of two renames fail once the first succeeded (a folder in a file's place is caught before anything is
 * written: test/cli-scale.test.ts), so here the file system's rename fails for one target.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const failFor = { name: '' };
vi.mock('node:fs/promises', async (load) => {
  const real = await load<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      if (path.basename(to) === failFor.name) throw Object.assign(new Error(`ENOSPC: no space left on device, rename '${from}' -> '${to}'`), { code: 'ENOSPC', path: from, dest: to });
      return real.rename(from, to);
    },
  };
});

const { writeFilesAtomically } = await import('../src/io/write.js');

const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-write-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('writeFilesAtomically', () => {
  it('puts back a file already replaced, removes a file it created, and names the file that failed', async () => {
    const dir = path.join(work, 'rollback');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.nix'), 'old a\n');
    failFor.name = 'c.nix';
    const files = ['a.nix', 'b.nix', 'c.nix'].map((name) => ({ path: path.join(dir, name), content: `new ${name}\n` }));
    const error = await writeFilesAtomically(files).then(() => null, (e: unknown) => e);
    expect(String((error as Error).message)).toBe('cannot write here (ENOSPC); nothing was replaced');
    expect((error as { file?: string }).file).toBe(path.relative(process.cwd(), path.join(dir, 'c.nix')));
    expect(readdirSync(dir).sort()).toEqual(['a.nix']);
    expect(readFileSync(path.join(dir, 'a.nix'), 'utf8')).toBe('old a\n');
  });

  it('writes every file when nothing fails, and leaves no temporary file', async () => {
    const dir = path.join(work, 'plain');
    mkdirSync(dir);
    failFor.name = '';
    await writeFilesAtomically([{ path: path.join(dir, 'a.nix'), content: 'a\n' }, { path: path.join(dir, 'b.nix'), content: 'b\n' }]);
    expect(readdirSync(dir).sort()).toEqual(['a.nix', 'b.nix']);
  });
});
