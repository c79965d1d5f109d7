/**
 * Docker's path patterns, read once for both places that use them: COPY sources (Go's filepath.Match, matched
 * here in JavaScript) and .dockerignore lines (the same syntax plus `**`, matched by Nix's builtins.match).
 *
 * Go's syntax: `*` is any run of characters but `/`, `?` one character but `/`, `[…]` a class (negated with a
 * leading `^` only: `[!x]` holds `!` and `x`), and `\` makes the next character literal, inside a class too.
 */

/**
 * Whether a path holds a wildcard (`*`, `?`, `[`) that no backslash escapes: how BuildKit decides whether a COPY
 * source is a pattern to match or a path to take as written (its containsWildcards, on Linux).
 */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

export type GlobToken =
  | { kind: 'star' }
  /** `**`: any run of characters, `/` included; `slash` when written `**​/` at a segment start, which may also be nothing. */
  | { kind: 'globstar'; slash: boolean }
  | { kind: 'any' }
  /** `chars` as written between the brackets, escapes removed; ranges (`a-z`) kept. */
  | { kind: 'class'; negated: boolean; chars: string }
  | { kind: 'literal'; char: string }
  /** A class Go's filepath.Match rejects (`[]…]`): the pattern matches nothing. */
  | { kind: 'bad' };

/**
 * @param options.globstar read `**` (.dockerignore) rather than two `*`
 * @param options.strict Go's filepath.Match, which rejects a class that starts with `]`; moby's .dockerignore
 * matcher (a regular expression) takes that `]` as a character of the class
 */
export function globTokens(pattern: string, options: { globstar: boolean; strict: boolean }): GlobToken[] {
  const tokens: GlobToken[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && options.globstar && pattern[i + 1] === '*') {
      const atStart = i === 0 || pattern[i - 1] === '/';
      const slash = atStart && pattern[i + 2] === '/';
      tokens.push({ kind: 'globstar', slash });
      i += slash ? 2 : 1;
    } else if (ch === '*') tokens.push({ kind: 'star' });
    else if (ch === '?') tokens.push({ kind: 'any' });
    else if (ch === '[') {
      // A class holds at least one character: a `]` right after `[` (or `[^`) does not close it.
      const negated = pattern[i + 1] === '^';
      const first = i + (negated ? 2 : 1);
      let end = -1;
      for (let j = first; j < pattern.length; j++) {
        if (pattern[j] === '\\') j++;
        else if (pattern[j] === ']' && j > first) {
          end = j;
          break;
        }
      }
      if (end === -1) tokens.push({ kind: 'literal', char: '[' });
      else if (options.strict && pattern[first] === ']') {
        tokens.push({ kind: 'bad' });
        i = end;
      } else {
        tokens.push({ kind: 'class', negated, chars: pattern.slice(first, end).replace(/\\(.)/g, '$1') });
        i = end;
      }
    } else if (ch === '\\' && i + 1 < pattern.length) {
      tokens.push({ kind: 'literal', char: pattern[++i]! });
    } else tokens.push({ kind: 'literal', char: ch });
  }
  return tokens;
}

/** A JavaScript RegExp matching a whole path (or path element) as Go's filepath.Match would, by characters. */
export function globRegExp(pattern: string): RegExp {
  let source = '';
  for (const token of globTokens(pattern, { globstar: false, strict: true })) {
    if (token.kind === 'bad') return /(?!)/;
    if (token.kind === 'star') source += '[^/]*';
    else if (token.kind === 'any') source += '[^/]';
    else if (token.kind === 'class')
      source += `[${token.negated ? '^' : ''}${token.chars.replace(/[\\\]^[]/g, (c, at: number) => (c === '^' && at > 0 ? c : `\\${c}`))}]`;
    else if (token.kind === 'literal') source += token.char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

/** What POSIX ERE lets (and needs) a backslash to make literal; `]` and `}` alone are literal, and escaping them is an error. */
const ERE_SPECIAL = /[.[()*+?{|^$\\]/;

/** A POSIX ERE (for Nix's builtins.match) matching a path as a .dockerignore pattern does, `**` included. */
export function globEre(pattern: string): string {
  let out = '';
  for (const token of globTokens(pattern, { globstar: true, strict: false })) {
    if (token.kind === 'globstar') out += token.slash ? '(.*/)?' : '.*';
    else if (token.kind === 'star') out += '[^/]*';
    else if (token.kind === 'any') out += '[^/]';
    // Inside brackets only `]`, `^` and `-` mean something (a backslash is literal): the class is kept as written.
    else if (token.kind === 'class') out += `[${token.negated ? '^' : ''}${token.chars}]`;
    else if (token.kind === 'literal') out += ERE_SPECIAL.test(token.char) ? `\\${token.char}` : token.char;
  }
  return out;
}
