/**
 * A build context saved in an answers file is relative to that file. An answers file can come with a
 * repository someone else wrote, so the context it names must stay inside that repository: the nearest folder
 * above the answers file that holds `.git`, or — outside any repository — the folder holding both the answers
 * file and the Dockerfile. Anything else is refused unless `--context` names the folder on the command line.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Dock2nixError } from '../errors.js';

/** The nearest folder at or above `folder` that holds `.git`, or null. */
export function repositoryOf(folder: string): string | null {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

function commonFolder(a: string, b: string): string {
  let dir = a;
  while (dir !== path.dirname(dir) && !isInside(b, dir)) dir = path.dirname(dir);
  return dir;
}

function isInside(target: string, folder: string): boolean {
  const relative = path.relative(folder, target);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** The saved context as an absolute folder, or a one-line error when it leaves the repository. */
export function savedContextFolder(answersFile: string, context: string, dockerfile: string): string {
  const answersFolder = path.dirname(path.resolve(answersFile));
  const folder = path.resolve(answersFolder, context);
  const boundary = repositoryOf(answersFolder) ?? commonFolder(answersFolder, path.dirname(path.resolve(dockerfile)));
  if (!isInside(folder, boundary)) {
    throw new Dock2nixError(
      'E_INPUT',
      `the saved build context ${JSON.stringify(context)} is outside ${boundary}, the repository this answers file belongs to`,
      {
        file: answersFile,
        hint: 'pass --context with the folder to use it anyway',
      },
    );
  }
  return folder;
}
