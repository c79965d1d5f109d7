/**
 * Writing results without losing anything: nothing is replaced unless the user said --force, and each file is
 * written to a temporary name first and renamed into place, so an interrupted run leaves the old file intact.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

export function writeFilesAtomically(files: Array<{ path: string; content: string }>): void {
  for (const file of files) mkdirSync(path.dirname(file.path), { recursive: true });
  removeStaleTemporaries(files.map((f) => f.path));
  const temporary: string[] = [];
  try {
    for (const file of files) {
      const tmp = path.join(path.dirname(file.path), `.${path.basename(file.path)}.dock2nix-${process.pid}.tmp`);
      temporary.push(tmp);
      writeFileSync(tmp, file.content, { mode: 0o644 });
    }
    files.forEach((file, i) => renameSync(temporary[i]!, file.path));
  } finally {
    for (const tmp of temporary) rmSync(tmp, { force: true });
  }
}

/** Temporary files a killed earlier run left next to these targets. */
function removeStaleTemporaries(targets: string[]): void {
  for (const target of targets) {
    const dir = path.dirname(target);
    const prefix = `.${path.basename(target)}.dock2nix-`;
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (name.startsWith(prefix) && name.endsWith('.tmp')) rmSync(path.join(dir, name), { force: true });
  }
}
