/**
 * Ordering of text in everything dock2nix writes: by UTF-16 code units, the same on every machine.
 * `localeCompare` orders by the machine's locale (and loads ICU collation, ~10 ms), so generated files could
 * differ between two users' machines; Nix itself orders attribute names by their bytes.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
