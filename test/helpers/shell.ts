/**
 * The shell reader the command line runs (src/io/shell-reader.ts: tree-sitter, mvdan/sh for what it leaves), for
 * tests that call the core directly; and mvdan/sh alone, the authority the tree-sitter reader is held to.
 */
import { loadMvdanReader, loadShellReader } from '../../src/io/shell-reader.js';

export const shell = await loadShellReader();

export const mvdan = loadMvdanReader();
