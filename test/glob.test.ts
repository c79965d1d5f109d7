/**
 * Docker's path patterns (src/convert/glob.ts), read once for COPY sources (Go's filepath.Match, in JavaScript) and
 * for .dockerignore (POSIX ERE for Nix). test/audit/copy-globs.test.ts and test/audit/dockerignore.test.ts check
 * the same rules against Buildah; these are the cases one by one.
 */
import { describe, expect, it } from 'vitest';
import { globRegExp, globTokens, hasWildcard } from '../src/convert/glob.js';
import { ignoreRegex, plainExclusions, parseDockerignore } from '../src/convert/dockerignore.js';

const matches = (pattern: string, names: string[]) => names.filter((name) => globRegExp(pattern).test(name));

describe('whether a COPY source is a pattern (BuildKit: an unescaped *, ? or [)', () => {
  it.each([
    ['src/*.json', true],
    ['a?', true],
    ['a[bc]', true],
    ['a\\*b', false],
    ['a\\\\*b', true],
    ['a\\[', false],
    ['plain/path.txt', false],
    ['a\\b', false],
  ])('%s: %s', (pattern, expected) => {
    expect(hasWildcard(pattern)).toBe(expected);
  });

  it('an escape alone makes a .dockerignore line one to match, not a plain path', () => {
    expect(plainExclusions(parseDockerignore('node_modules\n.git\n'))).toEqual(['node_modules', '.git']);
    expect(plainExclusions(parseDockerignore('node_modules\na\\b\n'))).toBeNull();
  });
});

describe('COPY patterns (Go filepath.Match)', () => {
  it.each([
    ['a[!x]', ['a!', 'ax', 'ab'], ['a!', 'ax']],
    ['a[^x]', ['a!', 'ax', 'ab'], ['a!', 'ab']],
    ['a\\*b', ['a*b', 'acb'], ['a*b']],
    ['*.json', ['pkg.json', 'lib/x.json', '.json'], ['pkg.json', '.json']],
    ['?.txt', ['é.txt', '😀.txt', 'ab.txt'], ['é.txt', '😀.txt']],
    ['[a-c]x', ['ax', 'bx', 'dx', '-x'], ['ax', 'bx']],
    ['x[', ['x[', 'x'], ['x[']],
    ['[]a]', [']', 'a'], []],
    ['a.b', ['a.b', 'axb'], ['a.b']],
    ['[\\]]x', [']x', '\\x'], [']x']],
  ])('%s', (pattern, names, expected) => {
    expect(matches(pattern, names)).toEqual(expected);
  });

  it('stays within one path element', () => {
    expect(matches('*', ['a', 'a/b'])).toEqual(['a']);
    expect(matches('a?b', ['a/b', 'axb'])).toEqual(['axb']);
  });
});

describe('.dockerignore patterns (POSIX ERE)', () => {
  it('reads the pattern as COPY does, plus **, and keeps a leading ] in a class as moby does', () => {
    expect(ignoreRegex('a[!x]')).toBe('a[!x](/.*)?');
    expect(ignoreRegex('**/x')).toBe('(.*/)?x(/.*)?');
    expect(ignoreRegex('a\\*b')).toBe('a\\*b(/.*)?');
    expect(ignoreRegex('[]a]')).toBe('[]a](/.*)?');
    expect(globTokens('[]a]', { globstar: false, strict: true })).toEqual([{ kind: 'bad' }]);
  });
});
