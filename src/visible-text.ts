/**
 * What dock2nix prints comes partly from its input: instruction text, file names, labels, image metadata.
 * A Dockerfile or an image can hold terminal control sequences (colours, cursor moves, window titles,
 * hyperlinks) and bidirectional overrides that make text display as something else. Everything the CLI
 * writes to stdout or stderr, and every text or Markdown report written to a file, passes through
 * `visibleText`, which prints such characters as `\uXXXX` instead — the same spelling JSON uses, so JSON
 * output stays valid and means the same. Tabs and line feeds pass; dock2nix itself prints no control
 * sequences. (HTML reports escape their own way; JSON escapes control characters itself.)
 */

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** The escape each unsafe character is shown as: `\u` and four hex digits. */
const ESCAPE_LENGTH = 6;

export function visibleText(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The width of `text` once printed through visibleText (for wrapping text before it is escaped). */
export function visibleLength(text: string): number {
  return text.length + (ESCAPE_LENGTH - 1) * (text.match(UNSAFE)?.length ?? 0);
}
