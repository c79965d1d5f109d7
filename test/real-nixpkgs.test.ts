/**
 * Where a real nixpkgs tree is at hand, every fixture's output and every real project's conversion instantiates
 * against it with ../shared/tools/real-eval.sh (nothing is built). CI has no nixpkgs tree: there the tests rest on
 * the facts in ../shared/nixpkgs (test/nix/stub-nixpkgs.nix), and this file skips with a message.
 *
 * Point it at a tree with DOCK2NIX_REAL_NIXPKGS (a nixpkgs checkout, or a bare git folder with NIXPKGS_REV); the
 * tree the facts were made from (neg-serg/nixpkgs-slim at 7beb50e7, extracted by real-eval.sh) is found by itself.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertProject, projectNames } from './helpers/projects.js';
import { currentNix, repoRoot } from './helpers/tools.js';

const realEval = path.resolve(repoRoot, '../shared/tools/real-eval.sh');
const extracted = '/tmp/real-eval-cache/nixpkgs-7beb50e7ff79da548c79762c9130477208787e96';
const nixpkgs = process.env.DOCK2NIX_REAL_NIXPKGS ?? (existsSync(extracted) ? extracted : null);
const problem = !existsSync(realEval)
  ? `${realEval} is not there`
  : !nixpkgs
    ? 'no nixpkgs tree (set DOCK2NIX_REAL_NIXPKGS, or let real-eval.sh extract neg-serg/nixpkgs-slim at 7beb50e7)'
    : !existsSync(currentNix)
      ? `no current Nix at ${currentNix}`
      : null;
if (problem) console.warn(`SKIP: real-nixpkgs evaluation: ${problem}`);

const out = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-real-eval-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** real-eval.sh runs for a minute or more: asynchronously, so the test worker keeps answering vitest meanwhile. */
async function evaluate(target: string): Promise<{ ok: string[]; errors: string[]; output: string }> {
  const result = await execa('bash', [realEval, target], {
    reject: false,
    stdin: 'ignore',
    env: { NIXPKGS: nixpkgs!, NIX_INSTANTIATE: currentNix },
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = result.stdout.split('\n');
  // The trimmed tree lacks Haskell's package list: what reaches it (buildComposerProject2's hooks are checked with
  // shellcheck) is unknown here, not wrong; it is reported, and everything else must instantiate.
  const unknownHere = (l: string) => /^ERROR .*\[ENV\].*hackage-packages\.nix/.test(l);
  const skipped = lines.filter(unknownHere);
  if (skipped.length) console.warn(`real-nixpkgs: unknown in the trimmed tree (Haskell):\n${skipped.join('\n')}`);
  return {
    ok: lines.filter((l) => l.startsWith('OK')),
    errors: lines.filter((l) => l.startsWith('ERROR') && !unknownHere(l)),
    output: `${result.stdout}\n${result.stderr}`,
  };
}

describe.skipIf(problem !== null)('real nixpkgs (../shared/tools/real-eval.sh)', () => {
  it('instantiates every fixture output', async () => {
    const result = await evaluate(path.join(repoRoot, 'fixtures'));
    expect(result.errors, result.output).toEqual([]);
    expect(result.ok.length).toBeGreaterThan(10);
  }, 600_000);

  it('instantiates the conversion of every real project', async () => {
    for (const name of projectNames()) convertProject(name, path.join(out, name));
    const result = await evaluate(out);
    expect(result.errors, result.output).toEqual([]);
  }, 900_000);
});
