/**
 * What a traced run of the command line loaded (test/helpers/trace-loads.mjs), as module paths: the command line
 * runs the bundle in dist/bundle/ (scripts/bundle.mjs), whose meta.json says which of dist/'s modules each loaded
 * chunk holds. Anything outside the bundle (node_modules, node:) is kept as its URL.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './tools.js';

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

export function loadedModules(trace: string): string[] {
  const meta = JSON.parse(readFileSync(path.join(repoRoot, 'dist/bundle/meta.json'), 'utf8')) as Metafile;
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((url) => {
      const relative = url.startsWith('file:') ? path.relative(repoRoot, fileURLToPath(url)).split(path.sep).join('/') : null;
      const chunk = relative === null ? undefined : meta.outputs[relative];
      return chunk ? Object.keys(chunk.inputs) : [url];
    });
}
