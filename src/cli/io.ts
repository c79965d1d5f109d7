/** Where a command writes: the terminal, or a test's capture. */
import { terminalSafe } from './terminal.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The real streams; control characters from input are escaped on the way (terminal.ts). */
export const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(terminalSafe(text)),
  stderr: (text) => process.stderr.write(terminalSafe(text)),
};
