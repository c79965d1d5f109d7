/**
 * `dock2nix rules index` through the built CLI: usage errors, and (where Nix 2.18+ and the nixpkgs tree of the
 * facts are on this machine) a real evaluation of a few attributes, compared with the shared facts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNixpkgsIndex, readFactsDir } from '../src/io/nixpkgs-index-files.js';
import { repoRoot } from './helpers/tools.js';

const bin = path.join(repoRoot, 'bin/dock2nix.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-rules-index-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tree = '/tmp/real-eval-cache/nixpkgs-7beb50e7ff79da548c79762c9130477208787e96';
const nix = process.env.NIX_INSTANTIATE ?? '/work/nix226/nix-instantiate';
const factsDir = path.resolve(repoRoot, '../shared/nixpkgs/facts');
const real = existsSync(path.join(tree, 'default.nix')) && existsSync(nix) && existsSync(path.join(factsDir, 'top-level.json'));
if (!real) console.warn(`SKIP: rules index is not run for real (needs ${tree}, a Nix 2.18+ at ${nix} or NIX_INSTANTIATE, and ${factsDir})`);

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('dock2nix rules index', () => {
  it('needs a nixpkgs tree, and its options belong to it', () => {
    expect(run(['rules', 'index']).code).toBe(2);
    const notTree = run(['rules', 'index', '--nixpkgs', work]);
    expect(notTree.code).toBe(2);
    expect(notTree.stderr).toMatch(/not a nixpkgs tree/);
    expect(run(['rules', 'apt', 'curl', '--sets', 'top-level']).code).toBe(2);
    expect(run(['rules', 'index', '--nixpkgs', work, '--sets', 'perl']).code).toBe(2);
  });

  it.skipIf(!real)(
    "evaluates the user's nixpkgs into an index that agrees with the facts",
    () => {
      const out = path.join(work, 'index');
      const names = ['zsh', 'nodejs_20', 'nodejs_22', 'hello', 'django', 'flask', 'requests', 'python311', 'python313', 'python3'];
      const result = run(['rules', 'index', '--nixpkgs', tree, '-o', out, '--sets', 'top-level,python311,python313', '--only', names.join(',')], {
        NIX_INSTANTIATE: nix,
      });
      expect(result.stderr + result.stdout).toMatch(/wrote the nixpkgs index/);
      expect(result.code).toBe(0);
      const index = loadNixpkgsIndex(out)!;
      const facts = readFactsDir(factsDir);
      for (const name of ['zsh', 'nodejs_20', 'nodejs_22', 'hello']) {
        const fact = facts.topLevel[name] as { version: string; insecure: boolean };
        expect(index.attr(name), name).toMatchObject({ version: fact.version, insecure: fact.insecure });
      }
      expect(index.attr('nodejs_20')).toMatchObject({ insecure: true, instantiates: false });
      expect(index.meta).toMatchObject({ python3: 'python313', pythonSets: ['python311', 'python313'] });
      expect(index.python('django')!.status).toEqual({ python311: 'not-instantiating', python313: 'usable' });
      expect(index.python('requests')!.version).toBe((facts.python.python313!.requests as { version: string }).version);
      // Lookups read it when DOCK2NIX_NIXPKGS_INDEX names it.
      const lookup = run(['rules', 'apt', 'zsh'], { DOCK2NIX_NIXPKGS_INDEX: out });
      expect(lookup.stdout).toMatch(/zsh → zsh/);
      expect(readFileSync(path.join(out, 'top-level.tsv'), 'utf8')).not.toMatch(/^curl\t/m);
    },
    300_000,
  );
});
