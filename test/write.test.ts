/**
 * writeFilesAtomically when a write or a rename fails part-way. Nothing on a real file system here makes the second
 * of two renames fail once the first succeeded (a folder in a file's place is caught before anything is written:
 * test/cli-scale.test.ts), so here the file system's rename, or write, fails for one file.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

/** Which operations fail, by the name of the file they are about (a temporary's name starts with `.<file>.`). */
const failFor = { name: '', write: '', putBack: false };
let renames = 0;
vi.mock('node:fs/promises', async (load) => {
  const real = await load<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      renames++;
      if (path.basename(to) === failFor.name)
        throw Object.assign(new Error(`ENOSPC: no space left on device, rename '${from}' -> '${to}'`), { code: 'ENOSPC', path: from, dest: to });
      return real.rename(from, to);
    },
    writeFile: async (file: string, data: string | Buffer, options: { mode?: number }) => {
      const name = path.basename(file);
      if (failFor.write && name.startsWith(`.${failFor.write}.`))
        throw Object.assign(new Error(`ENOSPC: no space left on device, open '${file}'`), { code: 'ENOSPC', path: file });
      // A put-back writes the earlier bytes (a Buffer); the first writes write text.
      if (failFor.putBack && Buffer.isBuffer(data)) throw Object.assign(new Error(`EIO: i/o error, open '${file}'`), { code: 'EIO', path: file });
      return real.writeFile(file, data, options);
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
    Object.assign(failFor, { name: 'c.nix', write: '', putBack: false });
    const files = ['a.nix', 'b.nix', 'c.nix'].map((name) => ({ path: path.join(dir, name), content: `new ${name}\n` }));
    const error = await writeFilesAtomically(files).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String((error as Error).message)).toBe('cannot write here (ENOSPC); nothing was replaced');
    expect((error as { file?: string }).file).toBe(path.relative(process.cwd(), path.join(dir, 'c.nix')));
    expect(readdirSync(dir).sort()).toEqual(['a.nix']);
    expect(readFileSync(path.join(dir, 'a.nix'), 'utf8')).toBe('old a\n');
  });

  it('puts back the earlier bytes and mode exactly', async () => {
    const dir = path.join(work, 'exact');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.nix'), Buffer.from([0x6f, 0xff, 0x0a]), { mode: 0o600 });
    Object.assign(failFor, { name: 'b.nix', write: '', putBack: false });
    await expect(
      writeFilesAtomically([
        { path: path.join(dir, 'a.nix'), content: 'new\n' },
        { path: path.join(dir, 'b.nix'), content: 'b\n' },
      ]),
    ).rejects.toThrow('nothing was replaced');
    expect(readFileSync(path.join(dir, 'a.nix'))).toEqual(Buffer.from([0x6f, 0xff, 0x0a]));
    expect(statSync(path.join(dir, 'a.nix')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['a.nix']);
  });

  it('names the file whose temporary could not be written, and renames nothing', async () => {
    const dir = path.join(work, 'write-fails');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.nix'), 'old a\n');
    Object.assign(failFor, { name: '', write: 'b.nix', putBack: false });
    renames = 0;
    const error = await writeFilesAtomically(['a.nix', 'b.nix'].map((name) => ({ path: path.join(dir, name), content: `new ${name}\n` }))).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as { file?: string }).file).toBe(path.relative(process.cwd(), path.join(dir, 'b.nix')));
    expect(renames).toBe(0);
    expect(readdirSync(dir)).toEqual(['a.nix']);
    expect(readFileSync(path.join(dir, 'a.nix'), 'utf8')).toBe('old a\n');
  });

  it('says so when a replaced file cannot be put back', async () => {
    const dir = path.join(work, 'no-put-back');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'a.nix'), 'old a\n');
    Object.assign(failFor, { name: 'b.nix', write: '', putBack: true });
    const error = await writeFilesAtomically(['a.nix', 'b.nix'].map((name) => ({ path: path.join(dir, name), content: `new ${name}\n` }))).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String((error as Error).message)).toBe(
      `cannot write here (ENOSPC), and ${path.relative(process.cwd(), path.join(dir, 'a.nix'))} could not be put back: it has the new content`,
    );
    expect(readFileSync(path.join(dir, 'a.nix'), 'utf8')).toBe('new a.nix\n');
    expect(readdirSync(dir)).toEqual(['a.nix']); // no temporary left
  });

  it('writes every file when nothing fails, and leaves no temporary file', async () => {
    const dir = path.join(work, 'plain');
    mkdirSync(dir);
    Object.assign(failFor, { name: '', write: '', putBack: false });
    await writeFilesAtomically([
      { path: path.join(dir, 'a.nix'), content: 'a\n' },
      { path: path.join(dir, 'b.nix'), content: 'b\n' },
    ]);
    expect(readdirSync(dir).sort()).toEqual(['a.nix', 'b.nix']);
  });
});

describe('makeFolders', () => {
  it('makes the missing folders, accepts existing ones, and fails on a file in the way', async () => {
    const { makeFolders } = await import('../src/io/write.js');
    const deep = path.join(work, 'folders', 'a', 'b', 'c');
    makeFolders(deep);
    makeFolders(deep);
    makeFolders(path.join(deep, 'd'));
    expect(statSync(path.join(deep, 'd')).isDirectory()).toBe(true);
    writeFileSync(path.join(work, 'folders', 'file'), 'x');
    expect(() => makeFolders(path.join(work, 'folders', 'file'))).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => makeFolders(path.join(work, 'folders', 'file', 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it("ends where mkdir answers ENOENT below an existing folder (/proc), where Node's recursive mkdir never returns", async (context) => {
    if (!statSync('/proc', { throwIfNoEntry: false })?.isDirectory()) return context.skip();
    const { makeFolders } = await import('../src/io/write.js');
    expect(() => makeFolders('/proc/dock2nix-test/nix')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => makeFolders('/proc/dock2nix-test')).toThrow(/ENOENT/);
  });
});
