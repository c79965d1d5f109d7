/**
 * What dock2nix prints comes partly from its input: instruction text, file names, labels, image metadata.
 * A Dockerfile or an image can hold terminal control sequences (colours, cursor moves, window titles,
 * hyperlinks) and bidirectional overrides that make text display as something else. Everything the CLI
 * writes to stdout or stderr passes through `terminalSafe`, which prints such characters as `\uXXXX`
 * instead — the same spelling JSON uses, so JSON output stays valid and means the same. Tabs and line
 * feeds pass; dock2nix itself prints no control sequences.
 */

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
