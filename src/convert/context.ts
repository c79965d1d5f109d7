/**
 * What the converter may read from the build context. The core gets this interface; the CLI gives it a view of
 * the file system that cannot reach outside the context, and tests give it files in memory.
 */
import { globRegExp } from './glob.js';

export interface BuildContext {
  /** `file`, `dir`, or null when the path (relative to the context root, `/`-separated) does not exist. */
  kind(relativePath: string): 'file' | 'dir' | null;
  /** Text of a file, or null when it does not exist or is not text. */
  readText(relativePath: string): string | null;
  /** Files and directories (relative paths, sorted) matching a Docker COPY pattern such as `*.json`. */
  glob(pattern: string): string[];
}

/** A context held in memory: `{ 'package.json': '{...}', 'src/': null }` (a trailing slash marks a directory). */
export function memoryContext(files: Record<string, string | null>): BuildContext {
  const entries = new Map<string, string | null>();
  const dirs = new Set<string>(['']);
  for (const [name, content] of Object.entries(files)) {
    const clean = name.replace(/\/+$/, '');
    const parts = clean.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    if (name.endsWith('/')) dirs.add(clean);
    else entries.set(clean, content);
  }
  const normal = (p: string) => p.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return {
    kind(relativePath) {
      const p = normal(relativePath);
      if (entries.has(p)) return 'file';
      if (dirs.has(p)) return 'dir';
      return null;
    },
    readText(relativePath) {
      return entries.get(normal(relativePath)) ?? null;
    },
    glob(pattern) {
      const regex = globRegExp(normal(pattern));
      return [...entries.keys(), ...dirs].filter((p) => p !== '' && regex.test(p)).sort();
    },
  };
}
