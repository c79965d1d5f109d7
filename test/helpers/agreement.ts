/**
 * Holding a fast reader of RUN scripts to mvdan/sh, the authority: when the reader gives a tree it must be
 * mvdan/sh's, spans included; when mvdan/sh rejects the script the reader must give none.
 */
import { expect } from 'vitest';
import type { ShellFile } from '../../src/shell/tree.js';
import { mvdan } from './shell.js';

/** A function saying, for a script, null when `read` agrees with mvdan/sh or gives no tree; else what differs. */
export function disagreementWithMvdan(read: (script: string) => ShellFile | null, reader: string): (script: string) => string | null {
  return (script) => {
    const fast = read(script);
    if (fast === null) return null;
    const parse = mvdan.read(script);
    if (!parse.ok) return `${reader} read a script mvdan/sh rejects (${parse.error})`;
    try {
      expect(fast).toStrictEqual(parse.file);
      return null;
    } catch (error) {
      return (error as Error).message.slice(0, 2000);
    }
  };
}
