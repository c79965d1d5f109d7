/**
 * Reading a file the user named. Only regular files are read: a named pipe would block the read until someone
 * writes to it (forever, in a batch), and a device may never end.
 */
import { readFileSync, statSync } from 'node:fs';

/** The file's text; fails like fs does (ENOENT, EACCES, EISDIR), and with ENOTREG for a pipe, socket or device. */
export function readTextFile(file: string): string {
  const info = statSync(file);
  if (info.isDirectory()) throw Object.assign(new Error(`EISDIR: is a directory, read '${file}'`), { code: 'EISDIR', path: file });
  if (!info.isFile()) throw Object.assign(new Error(`ENOTREG: not a regular file (a pipe, socket or device), read '${file}'`), { code: 'ENOTREG', path: file });
  return readFileSync(file, 'utf8');
}
