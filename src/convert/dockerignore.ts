/**
 * .dockerignore as Docker reads it (moby/patternmatcher): one pattern a line, `#` comments, `!` for an exception,
 * paths cleaned and made relative; a pattern matches a path or any folder above it, and the last matching
 * pattern decides. Patterns become POSIX extended regular expressions for Nix's builtins.match, which matches
 * whole strings.
 */
import { globEre, hasWildcard } from './glob.js';

export interface IgnoreRule {
  /** The pattern, cleaned (no leading `/` or `./`, no trailing `/`, no `.` segments). */
  pattern: string;
  /** false for an exception (`!pattern`): matching paths are sent after all. */
  exclude: boolean;
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    let exclude = true;
    if (line.startsWith('!')) {
      exclude = false;
      line = line.slice(1).trim();
    }
    const pattern = cleanPattern(line);
    if (pattern) rules.push({ pattern, exclude });
  }
  return rules;
}

/** filepath.Clean, then relative to the context root. */
function cleanPattern(pattern: string): string {
  const parts: string[] = [];
  for (const part of pattern.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/**
 * Whether the rules are plain paths to leave out (no wildcard, no escape, no exception): Nix can compare paths
 * directly. A backslash makes a pattern one to match even without a wildcard (`a\b` leaves out `ab`).
 */
export function plainExclusions(rules: readonly IgnoreRule[]): string[] | null {
  return rules.every((rule) => rule.exclude && !hasWildcard(rule.pattern) && !rule.pattern.includes('\\')) ? rules.map((rule) => rule.pattern) : null;
}

/** The pattern as a POSIX ERE matching a context path (relative, `/`-separated) or anything under it. */
export function ignoreRegex(pattern: string): string {
  return `${globEre(pattern)}(/.*)?`;
}

/**
 * Folders an exception may reach into, since a folder that a rule leaves out is still entered when an exception
 * names something inside it (Nix's path filter never looks inside a folder it refused):
 * `above`: the folders on the way to the exception's literal folder (`''` means anywhere, for an exception that
 * starts with a wildcard); `within`: literal folders under which the exception's wildcards may reach any depth.
 */
export function exceptionFolders(rules: readonly IgnoreRule[]): { above: string[]; within: string[] } {
  const above = new Set<string>();
  const within = new Set<string>();
  for (const rule of rules) {
    if (rule.exclude) continue;
    const literal = /^[^*?[\\]*/.exec(rule.pattern)![0];
    const slash = literal.lastIndexOf('/');
    const wildcard = literal !== rule.pattern;
    if (slash !== -1) {
      const folder = literal.slice(0, slash + 1);
      above.add(folder);
      // `a/*/keep`, `a/**/keep`: folders below a/ may hold it.
      if (wildcard && rule.pattern.slice(slash + 1).includes('/')) within.add(folder);
      else if (wildcard && rule.pattern.includes('**')) within.add(folder);
    }
    // A wildcard before any `/` may stand for folders: the exception may be anywhere.
    else if (rule.pattern.includes('/') || rule.pattern.includes('**')) above.add('');
    // Otherwise it names something at the root, inside no folder.
  }
  return { above: [...above].sort(), within: [...within].sort() };
}
