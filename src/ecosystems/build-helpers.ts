/** Small helpers the language builders (go, cargo, npm) and buildDerivation share. */
import { hasWildcard } from '../convert/glob.js';

export function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Path of `path` below `dir`, '' for the directory itself, null when outside. */
export function relativeTo(dir: string, path: string): string | null {
  const base = dir.replace(/\/$/, '');
  if (path === base || path === `${base}/`) return '';
  if (base === '') return path.replace(/^\//, '');
  return path.startsWith(`${base}/`) ? path.slice(base.length + 1).replace(/\/$/, '') : null;
}

/**
 * How a Java build (Maven, Gradle) answers a later stage's copy of a wildcard over what it packaged
 * (`target/*.jar`, `build/libs/*.jar`): the derivation installs the matches under `$out/dockerfile-line-N/` (the one
 * match as the COPY's file, or every match into its folder), recorded in `globs` for its install phase.
 */
export function globInstaller(
  workdir: string,
  globs: Array<{ line: number; pattern: string; to: string; directory: boolean }>,
): (from: string, copy?: { line: number; dest: string; trailingSlash: boolean }) => { path: string } | null {
  return (from, copy) => {
    if (!hasWildcard(from) || !copy) return null;
    const pattern = relativeTo(workdir, from);
    if (pattern === null || pattern === '') return null;
    const folder = `dockerfile-line-${copy.line}`;
    const name = copy.dest.replace(/\/+$/, '').split('/').pop() || 'file';
    const to = copy.trailingSlash ? folder : `${folder}/${name}`;
    if (!globs.some((g) => g.pattern === pattern && g.to === to)) globs.push({ line: copy.line, pattern, to, directory: copy.trailingSlash });
    return { path: to };
  };
}
