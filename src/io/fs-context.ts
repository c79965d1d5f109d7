/**
 * The build context on disk. Every path is checked to stay inside the context, symbolic links included, so a
 * Dockerfile can never make dock2nix read outside it.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BuildContext } from '../convert/context.js';
import { globRegExp } from '../convert/glob.js';
import { parseDockerignore, type IgnoreRule } from '../convert/dockerignore.js';

const MAX_TEXT_BYTES = 4 * 1024 * 1024;

export function fsContext(root: string): BuildContext {
  const realRoot = realpathSync(root);
  const inside = (relative: string): string | null => {
    const joined = path.resolve(realRoot, relative.replace(/^\/+/, ''));
    if (joined !== realRoot && !joined.startsWith(realRoot + path.sep)) return null;
    let real: string;
    try {
      real = realpathSync(joined);
    } catch {
      return null;
    }
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return null;
    return real;
  };
  return {
    kind(relative) {
      const real = inside(relative);
      if (!real) return null;
      try {
        const stat = statSync(real);
        return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : null;
      } catch {
        return null;
      }
    },
    readText(relative) {
      const real = inside(relative);
      if (!real) return null;
      try {
        const stat = statSync(real);
        if (!stat.isFile() || stat.size > MAX_TEXT_BYTES) return null;
        const text = readFileSync(real, 'utf8');
        return text.includes('\u0000') ? null : text;
      } catch {
        return null;
      }
    },
    glob(pattern) {
      const segments = pattern.split('/').filter((s) => s && s !== '.');
      let current = [''];
      for (const segment of segments) {
        const regex = globRegExp(segment);
        const next: string[] = [];
        for (const dir of current) {
          const real = inside(dir || '.');
          if (!real) continue;
          let entries: string[] = [];
          try {
            if (!lstatSync(real).isDirectory()) continue;
            entries = readdirSync(real);
          } catch {
            continue;
          }
          for (const entry of entries) if (regex.test(entry)) next.push(dir ? `${dir}/${entry}` : entry);
        }
        current = next;
      }
      return current.filter((p) => p !== '' && inside(p) !== null).sort();
    },
  };
}

/** The context's .dockerignore rules, in order (none without the file). */
export function readDockerignore(context: BuildContext): IgnoreRule[] {
  return parseDockerignore(context.readText('.dockerignore') ?? '');
}
