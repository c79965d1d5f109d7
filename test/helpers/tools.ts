/**
 * Real tools for tests (nix-instantiate, buildah): a test that needs one skips with a printed reason when it is
 * missing, except under CI, where a missing tool is a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const corpusDir = path.resolve(repoRoot, '../shared/corpus');
export const stubNixpkgs = path.join(repoRoot, 'test/nix/stub-nixpkgs.nix');
export const stubNix2container = path.join(repoRoot, 'test/nix/stub-nix2container.nix');

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** True when the tool is there; false (after printing why) when the test should skip. Throws under CI. */
export function requireTool(name: string, purpose: string): boolean {
  if (hasTool(name)) return true;
  const message = `${name} is not installed: skipping ${purpose}`;
  if (process.env.CI) throw new Error(`${message} — but CI must run it (.ci/run installs ${name})`);
  console.warn(`SKIP: ${message}`);
  return false;
}

export function nixParse(file: string): void {
  execFileSync('nix-instantiate', ['--parse', file], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Evaluate an expression strictly and return it as JSON. */
export function nixEvalJson(expression: string, cwd?: string): unknown {
  const out = execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', expression], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out);
}

/** A Nix string literal for a path or text chosen by the test. */
export function nixString(text: string): string {
  return JSON.stringify(text).replace(/\$\{/g, '\\${');
}
