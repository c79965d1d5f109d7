/** Command-line argument splitting shared by the command rules: flags (with their values) and operands. */
export interface ParsedArgs {
  flags: Map<string, string[]>;
  operands: string[];
}

/**
 * @param withValue flags that take a value (`-o`, `--output`); `--flag=value` is understood for any flag.
 * Short flags may be combined (`-rf`) when none of them takes a value.
 */
export function parseArgs(words: string[], withValue: ReadonlySet<string> = new Set()): ParsedArgs {
  const flags = new Map<string, string[]>();
  const operands: string[] = [];
  const add = (name: string, value: string) => flags.set(name, [...(flags.get(name) ?? []), value]);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') {
      operands.push(...words.slice(i + 1));
      break;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      if (eq !== -1) add(word.slice(0, eq), word.slice(eq + 1));
      else if (withValue.has(word)) add(word, words[++i] ?? '');
      else add(word, '');
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      const eq = word.indexOf('=');
      if (eq > 1 && withValue.has(word.slice(0, eq))) {
        // Go-style `-ldflags=-s -w`.
        add(word.slice(0, eq), word.slice(eq + 1));
        continue;
      }
      if (withValue.has(word)) {
        add(word, words[++i] ?? '');
        continue;
      }
      const attached = word.slice(0, 2);
      if (withValue.has(attached)) {
        add(attached, word.slice(2).replace(/^=/, ''));
        continue;
      }
      for (const ch of word.slice(1)) add(`-${ch}`, '');
      continue;
    }
    operands.push(word);
  }
  return { flags, operands };
}

export function hasFlag(args: ParsedArgs, ...names: string[]): boolean {
  return names.some((name) => args.flags.has(name));
}

export function flagValue(args: ParsedArgs, ...names: string[]): string | null {
  for (const name of names) {
    const values = args.flags.get(name);
    if (values?.length) return values[values.length - 1]!;
  }
  return null;
}
