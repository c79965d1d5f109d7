/** .dockerignore rules as Docker reads them, and their regular expressions (checked end to end against Buildah in test/audit/dockerignore.test.ts). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exceptionFolders, ignoreRegex, parseDockerignore, plainExclusions } from '../src/convert/dockerignore.js';
import { repoRoot, requireTool, stubNixpkgs } from './helpers/tools.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-dockerignore-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Convert `COPY . /ctx/` of a context, let the real Nix copy the source through the generated filter, list it. */
function filesNixTakes(name: string, files: string[], dockerignore: string): string[] {
  const context = path.join(work, name);
  for (const file of files) {
    mkdirSync(path.dirname(path.join(context, file)), { recursive: true });
    writeFileSync(path.join(context, file), `${file}\n`);
  }
  writeFileSync(path.join(context, '.dockerignore'), dockerignore);
  writeFileSync(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY . /ctx/\n');
  const converted = spawnSync(process.execPath, [path.join(repoRoot, 'bin/dock2nix.js'), 'convert', 'Dockerfile'], { cwd: context, encoding: 'utf8' });
  expect(converted.status, converted.stderr).toBe(0);
  // --read-write-mode: builtins.path really copies the filtered source into the store.
  const expression = `(import ${path.join(context, 'nix/default.nix')} { pkgs = import ${stubNixpkgs} { }; }).imageArgs.extraCommands`;
  const evaluated = spawnSync('nix-instantiate', ['--eval', '--read-write-mode', '-E', expression], { encoding: 'utf8' });
  expect(evaluated.status, evaluated.stderr).toBe(0);
  const source = /(\/nix\/store\/[a-z0-9]{32}-[^\s'"]*source)/.exec(evaluated.stdout)![1]!;
  const listed: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${entry}/`);
      else listed.push(`${prefix}${entry}`);
    }
  };
  walk(source, '');
  return listed.sort();
}

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
    // Go's filepath.Match: only `^` negates; `[!a-c]` is a class of `!` and a to c.
    ['[!a-c]*.log', 'b.log', true],
    ['[!a-c]*.log', 'x.log', false],
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
    expect(exceptionFolders(parseDockerignore('x\n!node_modules/keep\n!README.md\n!src/*/keep\n!docs/*.md\n'))).toEqual({
      above: ['docs/', 'node_modules/', 'src/'],
      within: ['src/'],
    });
    expect(exceptionFolders(parseDockerignore('x\n!**/keep\n!a/**/b\n'))).toEqual({ above: ['', 'a/'], within: ['a/'] });
  });

  it('enters a folder it leaves out when an exception reaches inside it, at the depth the wildcard allows (real Nix)', () => {
    if (!requireTool('nix-instantiate', 'the .dockerignore filter in the real Nix')) return;
    const files = ['vendor/x/keep', 'vendor/x/drop', 'vendor/x/y/keep', 'vendor/p/q/deep.txt', 'vendor/p/other.txt', 'a/b/c/deep.txt', 'a/b/other', 'app.js'];
    // Docker's rules: `*` stays within one folder, `**` spans any; the last matching rule decides.
    expect(filesNixTakes('exceptions', files, 'vendor\n!vendor/*/keep\n!vendor/**/deep.txt\n')).toEqual([
      '.dockerignore',
      'Dockerfile',
      'a/b/c/deep.txt',
      'a/b/other',
      'app.js',
      'vendor/p/q/deep.txt',
      'vendor/x/keep',
    ]);
    // An exception that may be anywhere: every folder is entered (empty folders stay, files do not).
    expect(filesNixTakes('anywhere', files, 'a\nvendor\n!**/deep.txt\n')).toEqual([
      '.dockerignore',
      'Dockerfile',
      'a/b/c/deep.txt',
      'app.js',
      'vendor/p/q/deep.txt',
    ]);
  });
});
