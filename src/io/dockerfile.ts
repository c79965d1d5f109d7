/**
 * The Dockerfile and build arguments a command was given: `convert`, `wizard` and `audit` read them alike.
 */
import { readFileSync, statSync } from 'node:fs';
import { Dock2nixError } from '../errors.js';

const MAX_DOCKERFILE_BYTES = 1024 * 1024;

/** The Dockerfile's text; a missing, unreadable, special or oversized file is a one-line error. */
export function readDockerfile(file: string): string {
  let stat;
  try {
    stat = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new Dock2nixError('E_NOT_FOUND', 'no such file', { file });
    throw new Dock2nixError('E_INPUT', `cannot be read (${code ?? 'error'})`, { file });
  }
  if (stat.isDirectory()) throw new Dock2nixError('E_INPUT', 'is a directory, not a Dockerfile', { file });
  if (!stat.isFile()) throw new Dock2nixError('E_INPUT', 'is not a regular file (a pipe, socket or device); dock2nix reads a Dockerfile from a file', { file });
  if (stat.size > MAX_DOCKERFILE_BYTES) {
    throw new Dock2nixError('E_INPUT', `is ${(stat.size / 1024 / 1024).toFixed(1)} MB; a Dockerfile over 1 MB is not something dock2nix converts`, { file });
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Dock2nixError('E_INPUT', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { file });
  }
}

/** `--build-arg NAME=VALUE` values as a record; NAME alone takes the value from the environment, as docker build does. */
export function parseBuildArgs(values: string[], env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const args: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq === 0) throw new Dock2nixError('E_USAGE', `--build-arg "${value}" has no name`);
    if (eq === -1) {
      const fromEnv = env[value];
      if (fromEnv !== undefined) args[value] = fromEnv;
    } else args[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return args;
}
