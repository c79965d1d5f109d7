/** .dockerignore rules as Docker reads them, and their regular expressions (checked end to end against Buildah in test/audit/dockerignore.test.ts). */
import { describe, expect, it } from 'vitest';
import { exceptionFolders, ignoreRegex, parseDockerignore, plainExclusions } from '../src/convert/dockerignore.js';

/** Docker's decision for a path: the last rule matching it (or a folder above it). */
function excluded(text: string, path: string): boolean {
  let result = false;
  for (const rule of parseDockerignore(text)) if (new RegExp(`^${ignoreRegex(rule.pattern)}$`).test(path)) result = rule.exclude;
  return result;
}

describe('.dockerignore', () => {
  it('reads patterns as Docker does: comments, blank lines, exceptions, cleaned paths', () => {
    expect(parseDockerignore('# c\n\n  /node_modules/  \n!./keep//me/\n./a/../b\n.\n')).toEqual([
      { pattern: 'node_modules', exclude: true },
      { pattern: 'keep/me', exclude: false },
      { pattern: 'b', exclude: true },
    ]);
  });

  it.each([
    ['*.md', 'README.md', true],
    ['*.md', 'docs/README.md', false],
    ['**/*.md', 'docs/deep/README.md', true],
    ['**/*.md', 'README.md', true],
    ['**/__pycache__', 'src/pkg/__pycache__/x.pyc', true],
    ['secret?.txt', 'secret1.txt', true],
    ['secret?.txt', 'secret12.txt', false],
    ['docs', 'docs/a/b.txt', true],
    ['docs', 'docsx', false],
    ['[a-c]*.log', 'b.log', true],
    ['[!a-c]*.log', 'b.log', false],
    ['[^a-c]*.log', 'x.log', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['data (1).csv', 'data (1).csv', true],
    ['x.{1}', 'x.{1}', true],
    ['src/**/test', 'src/test', true],
    ['src/**/test', 'src/a/b/test/c', true],
    ['a/**', 'a/b', true],
  ])('%s excludes %s: %s', (pattern, path, expected) => {
    expect(excluded(pattern, path)).toBe(expected);
  });

  it('lets the last matching rule decide, exceptions included', () => {
    const text = 'logs\n!logs/keep.log\nlogs/keep.log.*\n';
    expect(excluded(text, 'logs/app.log')).toBe(true);
    expect(excluded(text, 'logs/keep.log')).toBe(false);
    expect(excluded(text, 'logs/keep.log.1')).toBe(true);
  });

  it('keeps plain paths plain, and knows which folders exceptions reach into', () => {
    expect(plainExclusions(parseDockerignore('a\nb/c\n'))).toEqual(['a', 'b/c']);
    expect(plainExclusions(parseDockerignore('a\n*.md\n'))).toBeNull();
    expect(plainExclusions(parseDockerignore('a\n!a/b\n'))).toBeNull();
    expect(exceptionFolders(parseDockerignore('x\n!node_modules/keep\n!README.md\n!src/*/keep\n'))).toEqual(['node_modules/', 'src/']);
    expect(exceptionFolders(parseDockerignore('x\n!**/keep\n'))).toEqual(['']);
  });
});
