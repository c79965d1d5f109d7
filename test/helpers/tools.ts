/**
 * Real tools for tests (nix-instantiate, buildah): a test that needs one skips with a printed reason when it is
 * missing, except under CI, where a missing tool is a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const corpusDir = path.resolve(repoRoot, '../shared/corpus');
export const stubNixpkgs = path.join(repoRoot, 'test/nix/stub-nixpkgs.nix');

/** The stand-in for a format's flake input `name` (test/nix/stub-<name>.nix), which checks its arguments. */
export const flakeInputStub = (name: string): string => path.join(repoRoot, `test/nix/stub-${name}.nix`);

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

/**
 * A current Nix besides the system's (Debian bookworm's 2.8 is older than any user's): Nix 2.26 from
 * `../shared/tools/real-eval.sh --get-nix DIR`, which .ci/run puts here. It keeps its own store, so it never
 * touches the database of the system's older Nix.
 */
export const currentNix = process.env.DOCK2NIX_CURRENT_NIX ?? '/var/tmp/dock2nix-nix/nix-instantiate';
const currentNixStore = '/var/tmp/dock2nix-nix/store';
let warnedCurrent = false;

/** The nix-instantiate commands to parse and evaluate with: the system's, and the current one when it is there. */
function nixInstantiates(): Array<{ label: string; command: string; args: string[] }> {
  const found = [{ label: 'system Nix', command: 'nix-instantiate', args: [] as string[] }];
  if (existsSync(currentNix)) found.push({ label: 'current Nix', command: currentNix, args: ['--store', currentNixStore] });
  else if (process.env.CI)
    throw new Error(`${currentNix} is missing — but CI must also check with a current Nix (.ci/run gets it with ../shared/tools/real-eval.sh --get-nix)`);
  else if (!warnedCurrent) {
    warnedCurrent = true;
    console.warn(
      `SKIP: no current Nix at ${currentNix} (../shared/tools/real-eval.sh --get-nix ${path.dirname(currentNix)}); parsing and evaluating with the system's Nix only`,
    );
  }
  return found;
}

/** Parse with every Nix there is: generated files must be valid for old and current Nix alike. */
export function nixParse(file: string): void {
  for (const nix of nixInstantiates()) {
    try {
      execFileSync(nix.command, [...nix.args, '--parse', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      throw new Error(`${nix.label} cannot parse ${file}: ${String((error as { stderr?: unknown }).stderr ?? error)}`, { cause: error });
    }
  }
}

/** Evaluate an expression strictly with every Nix there is, and return it as JSON (they must agree). */
export function nixEvalJson(expression: string, cwd?: string): unknown {
  const results = nixInstantiates().map((nix) => {
    try {
      return execFileSync(nix.command, [...nix.args, '--eval', '--strict', '--json', '-E', expression], {
        cwd,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const failure = error as Error & { stderr?: string };
      failure.message = `${nix.label}: ${failure.message}`;
      throw failure;
    }
  });
  const values = results.map((out) => JSON.parse(out) as unknown);
  for (let i = 1; i < values.length; i++) {
    if (JSON.stringify(values[i]) !== JSON.stringify(values[0]))
      throw new Error(`the system Nix and the current Nix evaluate ${expression.slice(0, 200)} differently`);
  }
  return values[0];
}

/** A Nix string literal for a path or text chosen by the test. */
export function nixString(text: string): string {
  return JSON.stringify(text).replace(/\$\{/g, '\\${');
}
