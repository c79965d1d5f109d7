/**
 * Loads mvdan-sh (mvdan/sh compiled to JavaScript, 1.6 MB) with V8's code cache: compiling it costs more than
 * most conversions, so the compiled code is kept next to the dependency (node_modules/.cache/dock2nix, where
 * tools keep their caches), keyed by the file and the Node.js version, and reused when V8 accepts it. Nothing
 * is written in the user's project or elsewhere; a read-only install, or DOCK2NIX_CACHE=0 (or DOCK2NIX_CODE_CACHE=0), simply loads
 * without the cache.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { makeFolders, temporaryName } from '../io/write.js';

const require = createRequire(import.meta.url);

/**
 * dock2nix's cache folder: DOCK2NIX_CACHE_DIR when set, else node_modules/.cache/dock2nix, next to the
 * dependencies the cached data is derived from (where tools keep their caches); null when there is none.
 */
export function dock2nixCacheDir(): string | null {
  if (process.env.DOCK2NIX_CACHE_DIR) return path.resolve(process.env.DOCK2NIX_CACHE_DIR);
  try {
    // <...>/node_modules/mvdan-sh/package.json → <...>/node_modules/.cache/dock2nix
    return path.join(path.dirname(path.dirname(require.resolve('mvdan-sh/package.json'))), '.cache', 'dock2nix');
  } catch {
    return null;
  }
}

/**
 * Put one cache file in place whole (temporary name, then rename), or not at all: a read-only or full disk only
 * costs speed, so failures are ignored (the answer says whether the file is in place).
 */
export function writeCacheFile(file: string, data: string | Uint8Array, mode?: number): boolean {
  const tmp = temporaryName(file);
  try {
    makeFolders(path.dirname(file));
    writeFileSync(tmp, data, mode === undefined ? {} : { mode });
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // a read-only folder: nothing was made
    }
    return false; // only speed is lost
  }
}

export function loadMvdanSh<T>(): T {
  const file = require.resolve('mvdan-sh');
  let source: string;
  let cacheFile: string;
  try {
    const stat = statSync(file);
    const key = createHash('sha256').update(`${file}\0${stat.size}\0${stat.mtimeMs}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 16);
    if (process.env.DOCK2NIX_CODE_CACHE === '0' || process.env.DOCK2NIX_CACHE === '0') return require('mvdan-sh') as T;
    const folder = dock2nixCacheDir();
    if (!folder) return require('mvdan-sh') as T;
    cacheFile = path.join(folder, `mvdan-sh-${key}.bin`);
    source = readFileSync(file, 'utf8');
  } catch {
    return require('mvdan-sh') as T;
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (e: unknown, r: NodeRequire, m: { exports: unknown }, f: string, d: string) => void)(module.exports, createRequire(file), module, file, path.dirname(file));
  if (!cachedData || script.cachedDataRejected) {
    // Made when the run ends, so the cache also holds the parser functions this run compiled (V8 compiles a
    // function when it first runs): the next first parse starts with less to compile.
    process.once('exit', () => writeCacheFile(cacheFile, script.createCachedData()));
  }
  return module.exports as T;
}
