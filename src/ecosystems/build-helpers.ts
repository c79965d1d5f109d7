/** Small helpers the language builders (go, cargo, npm) and buildDerivation share. */

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
