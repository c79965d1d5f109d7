/**
 * Writing results without losing anything: nothing is replaced unless the user said --force, and each file is
 * written to a temporary name first and renamed into place, so an interrupted run leaves the old file intact.
 * A file whose content would not change is left alone (its time stamp too). The writes are asynchronous, so
 * when several Dockerfiles are converted, one's files reach the disk while the next is converted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Dock2nixError } from '../errors.js';

export function ensureWritable(files: string[], force: boolean): void {
  if (force) return;
  for (const file of files) {
    if (existsSync(file)) {
      throw new Dock2nixError('E_EXISTS', 'already exists; nothing was written (use --force to overwrite)', { file });
    }
  }
}

/**
 * Write every file or, when one write fails, replace none: each file is written to a temporary name first, the
 * renames happen only once all temporaries are written, and a rename that fails puts back what the renames
 * before it replaced. A file system refusal (a file where a folder should be, a folder where a file should be, no
 * permission, a full disk) is a one-line error naming the file.
 */
export async function writeFilesAtomically(files: Array<{ path: string; content: string }>): Promise<void> {
  try {
    await writeAll(files);
  } catch (error) {
    const problem = error as NodeJS.ErrnoException & { dest?: string };
    if (typeof problem?.code !== 'string') throw error;
    // A failed rename names its temporary as `path` and the target as `dest`.
    const named = [problem.dest, problem.path].find((name) => name && !TEMPORARY.test(name));
    const where = named ?? files[0]?.path ?? '';
    throw new Dock2nixError('E_WRITE', `cannot write here (${problem.code}); nothing was replaced`, { file: path.relative(process.cwd(), where) || where });
  }
}

async function writeAll(files: Array<{ path: string; content: string }>): Promise<void> {
  const folders = [...new Set(files.map((file) => path.dirname(file.path)))];
  await Promise.all(folders.map((folder) => mkdir(folder, { recursive: true })));
  await Promise.all(folders.map((folder) => removeStaleTemporaries(folder, files.filter((file) => path.dirname(file.path) === folder))));
  const before = await Promise.all(files.map((file) => currentContent(file.path)));
  const changed = files.map((file, i) => ({ ...file, before: before[i]! })).filter((file) => file.before !== file.content);
  // Unique per call: lanes and worker threads of one process may write at the same time.
  const temporary = changed.map((file) => temporaryName(file.path));
  const replaced: typeof changed = [];
  try {
    await Promise.all(changed.map((file, i) => writeFile(temporary[i]!, file.content, { mode: 0o644 })));
    for (const [i, file] of changed.entries()) {
      await rename(temporary[i]!, file.path);
      replaced.push(file);
    }
  } catch (error) {
    // Renamed temporaries are gone already; the rest are removed, and what was replaced is put back (every step
    // is tried: allSettled).
    await Promise.allSettled(temporary.map((tmp) => rm(tmp, { force: true })));
    await Promise.allSettled(replaced.map((file) => putBack(file.path, file.before)));
    throw error;
  }
}

function temporaryName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.dock2nix-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** A replaced file's earlier content, written back the same way; a file that did not exist is removed. */
async function putBack(file: string, before: string | null): Promise<void> {
  if (before === null) return rm(file, { force: true });
  const tmp = temporaryName(file);
  await writeFile(tmp, before, { mode: 0o644 });
  await rename(tmp, file);
}

/** The file's content, null when there is none; a folder (or anything unreadable) in its place fails the write before it starts. */
async function currentContent(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const problem = error as NodeJS.ErrnoException;
    if (problem.code === 'ENOENT') return null;
    problem.path ??= file; // reading a folder fails with EISDIR and no path
    throw problem;
  }
}

/** A temporary file's name ends so: `.dock2nix-<pid>-<random>.tmp` (older runs: `.dock2nix-<pid>.tmp`). */
const TEMPORARY = /\.dock2nix-(\d+)(?:-[0-9a-f]+)?\.tmp$/;

/** Whether the process that named a temporary file is gone (a temporary of a live one is being written). */
function writerGone(name: string): boolean {
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
