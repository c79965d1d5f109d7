/**
 * The shell reader the command line passes into the core (convertDockerfile's `shell`): tree-sitter's bash grammar
 * (src/shell/tree-sitter/read.ts), with mvdan/sh loaded only when a script is one tree-sitter leaves
 * (src/shell/mvdan/read.ts). Loading is I/O (the grammar's WebAssembly, the 1.6 MB mvdan-sh module) and sets a V8
 * flag, so it happens here, at the edge, once per thread; the tests use the same reader (test/helpers/shell.ts).
 *
 * Nothing is kept between runs. A content-keyed cache of syntax trees (one file per script) was measured with
 * bench-style runs on the corpus: a run with every tree cached was ~12% faster, a first run (writing the files) ~85%
 * slower, and a run with every tree cached still loads the grammar, since a conversion cannot wait for it halfway.
 * It did not pay; the trees read in this process are remembered (remembering, src/shell/reader.ts).
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { mvdanReader, type MvdanSh } from '../shell/mvdan/read.js';
import { readerWithFallback, remembering, type ShellReader } from '../shell/reader.js';
import { treeSitterReader, type TreeSitterReader } from '../shell/tree-sitter/read.js';

const require = createRequire(import.meta.url);

/** mvdan/sh alone: the fallback, and the authority the tests hold tree-sitter to. Compiling it costs ~100 ms. */
export function loadMvdanReader(): ShellReader {
  return mvdanReader(require('mvdan-sh') as MvdanSh);
}

let treeSitter: Promise<TreeSitterReader | null> | null = null;

/** tree-sitter with the bash grammar, once per thread; null when it cannot be loaded (mvdan/sh then reads all). */
export function loadTreeSitterReader(): Promise<TreeSitterReader | null> {
  treeSitter ??= (async () => {
    try {
      // V8 first compiles WebAssembly quickly (Liftoff), then again with its optimising compiler on background
      // threads, and a process waits for those to end before it exits: ~0.8 s of CPU here for the 1.4 MB grammar,
      // more than a whole conversion. Liftoff's code is fast enough for RUN scripts. (A process-wide flag: set by
      // the command line's edge, never by the core.)
      setFlagsFromString('--liftoff-only');
      const { Parser, Language } = await import('web-tree-sitter');
      await Parser.init();
      const grammar = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
      return treeSitterReader(new Parser().setLanguage(grammar));
    } catch {
      return null; // only speed is lost
    }
  })();
  return treeSitter;
}

let production: Promise<ShellReader> | null = null;

/**
 * The production reader, once per thread: tree-sitter first, mvdan/sh for the rest (loaded the first time one needs
 * it), each script read once per thread.
 */
export function loadShellReader(): Promise<ShellReader> {
  production ??= loadTreeSitterReader().then((fast) =>
    remembering(fast ? readerWithFallback((script) => fast.read(script), loadMvdanReader) : loadMvdanReader()),
  );
  return production;
}
