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
