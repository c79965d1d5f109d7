/** Where a command writes: the terminal, or a test's capture. */
import { visibleText } from '../visible-text.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The real streams; control characters from input are escaped on the way (src/visible-text.ts). */
export const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(visibleText(text)),
  stderr: (text) => process.stderr.write(visibleText(text)),
};
