/**
 * A word as a POSIX shell reads it back: as it is when it is plainly safe (letters, digits and `_./:=@%+,-`),
 * otherwise single-quoted. For command lines people read and copy (the wizard's "to repeat" line) and for exec-form
 * arguments the RUN analysis reads as a script. Generated Nix builder scripts use src/nix/shell.ts instead, which
 * always quotes and writes control characters as `$'\xHH'`.
 */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
