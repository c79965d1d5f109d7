/**
 * Loads mvdan-sh (mvdan/sh compiled to JavaScript, 1.6 MB) with V8's code cache: compiling it costs more than
 * most conversions, so the compiled code is kept next to the dependency (node_modules/.cache/dock2nix, where
 * tools keep their caches), keyed by the file and the Node.js version, and reused when V8 accepts it. Nothing
 * is written in the user's project or elsewhere; a read-only install, or DOCK2NIX_CODE_CACHE=0, simply loads
 * without the cache.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const require = createRequire(import.meta.url);

export function loadMvdanSh<T>(): T {
  const file = require.resolve('mvdan-sh');
  let source: string;
  let cacheFile: string;
  try {
    const stat = statSync(file);
    const key = createHash('sha256').update(`${file}\0${stat.size}\0${stat.mtimeMs}\0${process.version}\0${process.arch}`).digest('hex').slice(0, 16);
    if (process.env.DOCK2NIX_CODE_CACHE === '0') return require('mvdan-sh') as T;
    // <...>/node_modules/mvdan-sh/index.js → <...>/node_modules/.cache/dock2nix
    cacheFile = path.join(path.dirname(path.dirname(file)), '.cache', 'dock2nix', `mvdan-sh-${key}.bin`);
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
    try {
      mkdirSync(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    } catch {
      // A read-only or full temporary folder only costs speed.
    }
  }
  return module.exports as T;
}
