/**
 * An answers file may come with someone else's repository: the build context it saves must stay inside that
 * repository (the nearest folder with .git above it, else the folder holding the answers file and the
 * Dockerfile), unless --context names the folder on the command line.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/tools.js';

const bin = path.join(repoRoot, 'bin/dock2nix.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-answers-context-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function convert(cwd: string, args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'convert', ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A project folder with a Dockerfile and nix/answers.json saving `context`; `git` makes it a repository. */
function project(name: string, context: string, git = false): string {
  const dir = path.join(work, name, 'project');
  mkdirSync(path.join(dir, 'nix'), { recursive: true });
  if (git) mkdirSync(path.join(dir, '.git'));
  writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine:3.19\nCOPY . /app\n');
  writeFileSync(path.join(dir, 'nix/answers.json'), JSON.stringify({ version: 1, dockerfile: '../Dockerfile', context }));
  mkdirSync(path.join(work, name, 'neighbour'), { recursive: true });
  writeFileSync(path.join(work, name, 'neighbour/private.txt'), 'not for this image\n');
  return dir;
}

describe('a build context saved in an answers file', () => {
  it('is used when it stays in the project (no repository: the folder of the answers file and the Dockerfile)', () => {
    const dir = project('plain', '..');
    const result = convert(dir, ['Dockerfile', '--answers', 'nix/answers.json', '-o', 'nix', '--force']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('is refused, with one line naming the answers file, when it leaves the project', () => {
    const dir = project('outside', '../../neighbour');
    const result = convert(dir, ['Dockerfile', '--answers', 'nix/answers.json', '-o', 'nix', '--force']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `dock2nix: nix/answers.json: the saved build context "../../neighbour" is outside ${dir}, the repository this answers file belongs to (pass --context with the folder to use it anyway)`,
    );
  });

  it('is refused when it is an ancestor of the repository', () => {
    const dir = project('ancestor', '../..', true);
    const result = convert(dir, ['Dockerfile', '--answers', 'nix/answers.json', '-o', 'nix', '--force']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the saved build context "\.\.\/\.\." is outside .*ancestor\/project, the repository/);
  });

  it('inside a git repository may be any folder of it', () => {
    const dir = project('in-git', '..', true);
    mkdirSync(path.join(dir, 'nix/deeper'));
    writeFileSync(path.join(dir, 'nix/deeper/answers.json'), JSON.stringify({ version: 1, dockerfile: '../../Dockerfile', context: '../..' }));
    const result = convert(dir, ['Dockerfile', '--answers', 'nix/deeper/answers.json', '-o', 'nix', '--force']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it("gives way to --context, which is the user's own choice", () => {
    const dir = project('explicit', '../../neighbour');
    const result = convert(dir, ['Dockerfile', '--answers', 'nix/answers.json', '--context', '../neighbour', '-o', 'nix', '--force']);
    expect(result.code).toBe(0);
  });
});
