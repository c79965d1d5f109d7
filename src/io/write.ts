/**
 * Writing results without losing anything: nothing is replaced unless the user said --force, and each file is
 * written to a temporary name first and put in place from there, so an interrupted run leaves the old file intact.
 * Without --force a file is put in place with a hard link, which fails when anything (a file, a folder, a link,
 * even a dangling one) is at the target already, so two runs into one folder cannot both succeed: the check and
 * the placement are one operation. With --force it is renamed over the old file.
 * A file whose content would not change is left alone (its time stamp too). The writes are asynchronous, so
 * when several Dockerfiles are converted, one's files reach the disk while the next is converted.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, statSync } from 'node:fs';
import { link, lstat, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Dock2nixError } from '../errors.js';

/** Refuse, before any work, when anything is at one of the targets (a dangling link too: it is not followed). */
export function ensureWritable(files: string[], force: boolean): void {
  if (force) return;
  for (const file of files) {
    if (entryExists(file)) throw alreadyExists(file);
  }
}

function entryExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

function alreadyExists(file: string, race = false): Dock2nixError {
  return new Dock2nixError(
    'E_EXISTS',
    race
      ? 'appeared while this run was writing (another run wrote it first?); nothing was written (use --force to overwrite)'
      : 'already exists; nothing was written (use --force to overwrite)',
    { file },
  );
}

/**
 * Write every file or, when one write fails, replace none: each file is written to a temporary name first, the
 * renames happen only once all temporaries are written, and a rename that fails puts back what the renames
 * before it replaced. A file system refusal (a file where a folder should be, a folder where a file should be, no
 * permission, a full disk) is a one-line error naming the file.
 */
export async function writeFilesAtomically(files: Array<{ path: string; content: string }>, options: { replace?: boolean } = {}): Promise<void> {
  try {
    if (options.replace === false) await writeAllNew(files);
    else await writeAll(files);
  } catch (error) {
    if (error instanceof Dock2nixError) throw error;
    const problem = error as NodeJS.ErrnoException & { dest?: string };
    if (typeof problem?.code !== 'string') throw error;
    throw new Dock2nixError('E_WRITE', `cannot write here (${problem.code}); nothing was replaced`, { file: shown(target(problem) ?? files[0]?.path ?? '') });
  }
}

/** The file a failure is about: a rename names the temporary as `path` and the file as `dest`; a write, its temporary (marked with `dest`). */
function target(problem: NodeJS.ErrnoException & { dest?: string }): string | undefined {
  return [problem.dest, problem.path].find((name) => name && !TEMPORARY.test(name));
}

function shown(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/**
 * Write files none of which may exist: each temporary is hard-linked to its target (in path order, so of two runs
 * writing the same files the one that places the first wins them all), then removed. A target that exists by
 * then fails the run, and the targets it had placed are taken back (only while they are still its own files).
 * Where the file system has no hard links, an exclusive create (`wx`) does the same.
 */
async function writeAllNew(files: Array<{ path: string; content: string }>): Promise<void> {
  const ordered = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const folders = [...new Set(ordered.map((file) => path.dirname(file.path)))];
  for (const folder of folders) makeFolders(folder);
  await Promise.all(
    folders.map((folder) =>
      removeStaleTemporaries(
        folder,
        ordered.filter((file) => path.dirname(file.path) === folder),
      ),
    ),
  );
  const temporary = ordered.map((file) => temporaryName(file.path));
  const placed: Array<{ path: string; ino: number }> = [];
  try {
    const writes = await Promise.allSettled(
      ordered.map((file, i) =>
        writeFile(temporary[i]!, file.content, { mode: 0o644, flag: 'wx' }).catch((error: NodeJS.ErrnoException & { dest?: string }) => {
          error.dest ??= file.path;
          throw error;
        }),
      ),
    );
    const failed = writes.find((write) => write.status === 'rejected');
    if (failed) throw failed.reason;
    for (const [i, file] of ordered.entries()) {
      try {
        await link(temporary[i]!, file.path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') throw alreadyExists(shown(file.path), true);
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS')
          throw Object.assign(error as NodeJS.ErrnoException, { dest: file.path });
        // No hard links here: an exclusive create fails as the link would when the target exists.
        await writeFile(file.path, file.content, { mode: 0o644, flag: 'wx' }).catch((problem: NodeJS.ErrnoException) => {
          throw problem.code === 'EEXIST' ? alreadyExists(shown(file.path), true) : Object.assign(problem, { dest: file.path });
        });
      }
      placed.push({ path: file.path, ino: (await lstat(file.path)).ino });
    }
  } catch (error) {
    // Take back only what is still this run's own file (the same inode it placed).
    await Promise.allSettled(
      placed.map(async (file) => {
        if ((await lstat(file.path)).ino === file.ino) await unlink(file.path);
      }),
    );
    throw error;
  } finally {
    await Promise.allSettled(temporary.map((tmp) => rm(tmp, { force: true })));
  }
}

interface Existing {
  content: Buffer;
  mode: number;
}

async function writeAll(files: Array<{ path: string; content: string }>): Promise<void> {
  const folders = [...new Set(files.map((file) => path.dirname(file.path)))];
  for (const folder of folders) makeFolders(folder);
  await Promise.all(
    folders.map((folder) =>
      removeStaleTemporaries(
        folder,
        files.filter((file) => path.dirname(file.path) === folder),
      ),
    ),
  );
  const before = await Promise.all(files.map((file) => existing(file.path)));
  const changed = files.map((file, i) => ({ ...file, before: before[i]! })).filter((file) => !file.before?.content.equals(Buffer.from(file.content)));
  // Unique per call: lanes and worker threads of one process may write at the same time.
  const temporary = changed.map((file) => temporaryName(file.path));
  const replaced: typeof changed = [];
  try {
    // Every write settles before anything is removed (a temporary still being made would outlive its removal).
    const writes = await Promise.allSettled(
      changed.map((file, i) =>
        writeFile(temporary[i]!, file.content, { mode: file.before?.mode ?? 0o644 }).catch((error: NodeJS.ErrnoException & { dest?: string }) => {
          error.dest ??= file.path;
          throw error;
        }),
      ),
    );
    const failed = writes.find((write) => write.status === 'rejected');
    if (failed) throw failed.reason;
    for (const [i, file] of changed.entries()) {
      await rename(temporary[i]!, file.path);
      replaced.push(file);
    }
  } catch (error) {
    // Renamed temporaries are gone already; the rest are removed, and what was replaced is put back (every step
    // is tried: allSettled). A file that cannot be put back is named: "nothing was replaced" would not be true.
    await Promise.allSettled(temporary.map((tmp) => rm(tmp, { force: true })));
    const restored = await Promise.allSettled(replaced.map((file) => putBack(file.path, file.before)));
    const lost = replaced.filter((_, i) => restored[i]!.status === 'rejected');
    if (lost.length) {
      const code = (error as NodeJS.ErrnoException)?.code ?? 'error';
      throw new Dock2nixError(
        'E_WRITE',
        `cannot write here (${code}), and ${lost.map((file) => shown(file.path)).join(', ')} could not be put back: ${lost.length === 1 ? 'it has' : 'they have'} the new content`,
        { file: shown(target(error as NodeJS.ErrnoException) ?? lost[0]!.path) },
      );
    }
    throw error;
  }
}

/**
 * Make a folder and the missing folders above it. Not Node's recursive mkdir: where mkdir answers ENOENT for a
 * folder whose parent exists (/proc, /sys), Node 20's tries again forever. A file in the way fails (EEXIST, ENOTDIR).
 * Synchronous: a few system calls, and it serves the cache files written as the process exits too.
 */
export function makeFolders(folder: string): void {
  const made = (): boolean => {
    try {
      mkdirSync(folder);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(folder).isDirectory()) return true;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && path.dirname(folder) !== folder) return false;
      throw error;
    }
  };
  if (made()) return;
  makeFolders(path.dirname(folder));
  if (!made()) throw Object.assign(new Error(`ENOENT: cannot make ${folder}`), { code: 'ENOENT', path: folder });
}

/** A name beside `file` that no other writer (process, thread, or write of this one) uses; hidden, and TEMPORARY. */
export function temporaryName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.dock2nix-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** A replaced file's earlier bytes and mode, written back the same way; a file that did not exist is removed. */
async function putBack(file: string, before: Existing | null): Promise<void> {
  if (before === null) return rm(file, { force: true });
  const tmp = temporaryName(file);
  try {
    await writeFile(tmp, before.content, { mode: before.mode });
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** The file's bytes and mode, null when there is none; a folder (or anything unreadable) in its place fails the write before it starts. */
async function existing(file: string): Promise<Existing | null> {
  try {
    const info = await stat(file);
    // A folder, or a pipe (whose read would wait for a writer), is in the way: not read, not replaced.
    if (!info.isFile())
      throw Object.assign(new Error(`${info.isDirectory() ? 'EISDIR' : 'EEXIST'}: not a file, '${file}'`), {
        code: info.isDirectory() ? 'EISDIR' : 'EEXIST',
        path: file,
      });
    return { content: await readFile(file), mode: info.mode & 0o7777 };
  } catch (error) {
    const problem = error as NodeJS.ErrnoException;
    if (problem.code === 'ENOENT') return null;
    problem.path ??= file;
    throw problem;
  }
}

/** A temporary file's name ends so: `.dock2nix-<pid>-<random>.tmp` (older runs: `.dock2nix-<pid>.tmp`). */
const TEMPORARY = /\.dock2nix-(\d+)(?:-[0-9a-f]+)?\.tmp$/;

/** Whether the process that named a temporary file is gone (a temporary of a live one is being written). */
export function writerGone(name: string): boolean {
  const pid = Number(TEMPORARY.exec(name)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Temporary files a killed earlier run left next to these targets. */
async function removeStaleTemporaries(folder: string, targets: Array<{ path: string }>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  const prefixes = targets.map((target) => `.${path.basename(target.path)}.dock2nix-`);
  const stale = names.filter((name) => name.endsWith('.tmp') && prefixes.some((prefix) => name.startsWith(prefix)) && writerGone(name));
  await Promise.all(stale.map((name) => rm(path.join(folder, name), { force: true })));
}
