/**
 * Writing results without losing anything: nothing is replaced unless the user said --force, and each file is
 * written to a temporary name first and renamed into place, so an interrupted run leaves the old file intact.
 * A file whose content would not change is left alone (its time stamp too). The writes are asynchronous, so
 * when several Dockerfiles are converted, one's files reach the disk while the next is converted.
 */
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

/** Write every file or, when one write fails, replace none (renames happen only once all temporaries are written). */
export async function writeFilesAtomically(files: Array<{ path: string; content: string }>): Promise<void> {
  const folders = [...new Set(files.map((file) => path.dirname(file.path)))];
  await Promise.all(folders.map((folder) => mkdir(folder, { recursive: true })));
  await Promise.all(folders.map((folder) => removeStaleTemporaries(folder, files.filter((file) => path.dirname(file.path) === folder))));
  const changed = (await Promise.all(files.map(async (file) => ((await currentContent(file.path)) === file.content ? null : file)))).filter((file) => file !== null);
  const temporary = changed.map((file) => path.join(path.dirname(file.path), `.${path.basename(file.path)}.dock2nix-${process.pid}.tmp`));
  try {
    await Promise.all(changed.map((file, i) => writeFile(temporary[i]!, file.content, { mode: 0o644 })));
    await Promise.all(changed.map((file, i) => rename(temporary[i]!, file.path)));
  } finally {
    await Promise.all(temporary.map((tmp) => rm(tmp, { force: true })));
  }
}

async function currentContent(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
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
  const stale = names.filter((name) => name.endsWith('.tmp') && prefixes.some((prefix) => name.startsWith(prefix)));
  await Promise.all(stale.map((name) => rm(path.join(folder, name), { force: true })));
}
