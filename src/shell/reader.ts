/**
 * The one way the core reads a RUN script: a ShellReader, passed in by the caller as the build context is
 * (convertDockerfile's `shell` option). The command line builds it (src/io/shell-reader.ts: tree-sitter's bash
 * grammar, with mvdan/sh loaded only for the scripts tree-sitter leaves); the core never loads a parser itself.
 */
import type { ShellFile } from './tree.js';

/** The script's syntax tree. */
export interface SyntaxTree {
  ok: true;
  file: ShellFile;
}

/** A script the shell would reject: the parser's message and the script's line (1-based). */
export interface NotReadable {
  ok: false;
  error: string;
  line: number;
}

export type ShellReading = SyntaxTree | NotReadable;

export interface ShellReader {
  read(script: string): ShellReading;
}

/**
 * A reader that tries `first` (which gives a tree, or null when it is not sure) and asks the reader `fallback`
 * makes, made the first time it is needed, for the rest.
 */
export function readerWithFallback(first: (script: string) => ShellFile | null, fallback: () => ShellReader): ShellReader {
  let second: ShellReader | null = null;
  return {
    read(script) {
      const file = first(script);
      if (file) return { ok: true, file };
      second ??= fallback();
      return second.read(script);
    },
  };
}

/**
 * `reader`, remembering what it read in this process: one RUN line often recurs (Dockerfiles of one repository share
 * their `apt-get install` lines; a stage may be read for two targets): on the corpus, 155 readings are of 97
 * scripts. Bounded, since a batch may be a whole monorepo; the trees are never changed by their readers.
 */
export function remembering(reader: ShellReader, limit = 2_000): ShellReader {
  const seen = new Map<string, ShellReading>();
  return {
    read(script) {
      let reading = seen.get(script);
      if (reading === undefined) {
        if (seen.size >= limit) seen.clear();
        reading = reader.read(script);
        seen.set(script, reading);
      }
      return reading;
    },
  };
}
