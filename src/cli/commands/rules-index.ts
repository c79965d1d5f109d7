/**
 * `dock2nix rules index --nixpkgs PATH [-o DIR] [--sets LIST] [--only NAMES]`: evaluates the user's nixpkgs with
 * nix-instantiate and writes the nixpkgs index lookups fall back on (src/rules/nixpkgs-index.ts), so that they
 * follow the user's channel. Every attribute is evaluated, and each derivation instantiated (its drvPath forced),
 * in chunks; a chunk that fails hard is split until the attribute that fails is found and recorded as an error.
 * Slow on a whole nixpkgs (tens of minutes); `--sets` and `--only` restrict it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Dock2nixError } from '../../errors.js';
import { packagePath } from '../../package-root.js';
import { compactIndex, indexFileNames, type Fact } from '../../rules/nixpkgs-index.js';
import type { CliIo } from '../io.js';

export interface RulesIndexOptions {
  nixpkgs?: string;
  output?: string;
  /** Comma-separated: `top-level` and interpreters (`python313`); default: top level and every python3XX set. */
  sets?: string;
  /** Comma-separated attribute names: evaluate only these (in every set). */
  only?: string;
  /** The nix-instantiate program (NIX_INSTANTIATE, else nix-instantiate on PATH). */
  command?: string;
}

/** Facts about attributes of one set; written for dock2nix (the fields are those of the shared facts). */
const FACTS_NIX = `{ nixpkgs, set, names, drv ? true }:
let
  pkgs = import nixpkgs { system = "x86_64-linux"; config = { allowAliases = false; allowUnfree = true; }; overlays = [ ]; };
  lib = pkgs.lib;
  scope = if set == "" then pkgs else pkgs.\${set};
  text = x: if builtins.isString x then x else null;
  describe = v:
    if builtins.isAttrs v && (v.type or null) == "derivation" then
      let
        meta = v.meta or { };
        parsed = builtins.parseDrvName (v.name or "");
        licences = lib.toList (meta.license or [ ]);
        description = text (meta.description or null);
      in {
        pname = v.pname or parsed.name;
        version = v.version or parsed.version;
        outputs = v.outputs or [ "out" ];
        mainProgram = text (meta.mainProgram or null);
        broken = meta.broken or false;
        insecure = (meta.knownVulnerabilities or [ ]) != [ ];
        unfree = builtins.any (l: builtins.isAttrs l && !(l.free or true)) licences;
        linux = lib.meta.availableOn pkgs.stdenv.hostPlatform v;
        description = if description == null then null else builtins.substring 0 100 description;
      } // (if drv then { instantiates = (builtins.tryEval (builtins.seq v.drvPath true)).success; } else { })
    else if builtins.isAttrs v && (v.recurseForDerivations or false) then "set"
    else if builtins.isFunction v || (builtins.isAttrs v && v ? __functor) then "function"
    else null;
  one = name:
    let result = builtins.tryEval (let value = describe scope.\${name}; in builtins.deepSeq value value);
    in if result.success then result.value else "error";
in
if names == null then builtins.attrNames scope
else builtins.listToAttrs (map (name: { name = name; value = one name; }) (builtins.filter (n: scope ? \${n}) names))
`;

/** The Python package sets this nixpkgs has (python311Packages, ...), found by name. */
const SETS_NIX = `{ nixpkgs }:
let pkgs = import nixpkgs { system = "x86_64-linux"; config = { allowAliases = false; allowUnfree = true; }; overlays = [ ]; };
in builtins.filter (n: builtins.match "python3[0-9]+Packages" n != null && (builtins.tryEval (builtins.isAttrs pkgs.\${n} && pkgs.\${n} ? setuptools)).success) (builtins.attrNames pkgs)
`;

const CHUNK = 400;

/** nix-instantiate exited non-zero: a chunk is split; anywhere else it is an E_ENGINE error. */
class EvalFailure extends Error {}

export async function runRulesIndex(options: RulesIndexOptions, io: CliIo): Promise<number> {
  if (!options.nixpkgs) throw new Dock2nixError('E_USAGE', '"rules index" needs --nixpkgs PATH (a nixpkgs source tree)');
  const nixpkgs = path.resolve(options.nixpkgs);
  if (!existsSync(path.join(nixpkgs, 'default.nix'))) throw new Dock2nixError('E_USAGE', `--nixpkgs ${options.nixpkgs}: not a nixpkgs tree (no default.nix)`);
  const command = options.command ?? process.env.NIX_INSTANTIATE ?? 'nix-instantiate';
  const out = path.resolve(options.output ?? packagePath('rules/nixpkgs-index'));
  const only = options.only
    ? options.only
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
    : null;
  const work = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-index-'));
  try {
    const factsNix = path.join(work, 'facts.nix');
    const setsNix = path.join(work, 'sets.nix');
    writeFileSync(factsNix, FACTS_NIX);
    writeFileSync(setsNix, SETS_NIX);
    const raw = (file: string, args: string[]) => nixEval(command, ['--eval', '--strict', '--json', file, '--arg', 'nixpkgs', nixpkgs, ...args]);
    const evaluate = (file: string, args: string[]) =>
      raw(file, args).catch((error: unknown) => {
        throw error instanceof EvalFailure ? new Dock2nixError('E_ENGINE', error.message) : error;
      });
    let sets: string[];
    if (options.sets) {
      sets = options.sets
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const set of sets)
        if (set !== 'top-level' && !/^python3\d+$/.test(set))
          throw new Dock2nixError('E_USAGE', `--sets: "${set}" is neither top-level nor a Python interpreter such as python313`);
    } else {
      const found = (await evaluate(setsNix, [])) as string[];
      sets = ['top-level', ...found.map((s) => s.replace(/Packages$/, ''))];
    }
    const facts: Record<string, Record<string, Fact>> = {};
    for (const set of sets) {
      const setArg = set === 'top-level' ? '' : `${set}Packages`;
      const names = only ?? ((await evaluate(factsNix, ['--argstr', 'set', setArg, '--arg', 'names', 'null'])) as string[]);
      const result: Record<string, Fact> = {};
      const chunk = async (list: string[]): Promise<void> => {
        try {
          Object.assign(result, await raw(factsNix, ['--argstr', 'set', setArg, '--arg', 'names', `[ ${list.map((n) => JSON.stringify(n)).join(' ')} ]`]));
        } catch (error) {
          if (list.length === 1) {
            result[list[0]!] = 'error';
            return;
          }
          if (!(error instanceof EvalFailure)) throw error;
          const half = Math.ceil(list.length / 2);
          await chunk(list.slice(0, half));
          await chunk(list.slice(half));
        }
      };
      for (let i = 0; i < names.length; i += CHUNK) {
        await chunk(names.slice(i, i + CHUNK));
        io.stderr(`${set}: ${Math.min(i + CHUNK, names.length)}/${names.length}\n`);
      }
      facts[set] = result;
    }
    const revision = await nixpkgsRevision(command, nixpkgs);
    const python = Object.fromEntries(sets.filter((s) => s !== 'top-level').map((s) => [s, facts[s]!]));
    const files = compactIndex(facts['top-level'] ?? {}, python, { revision, source: `evaluated from ${nixpkgs} by dock2nix rules index` });
    mkdirSync(out, { recursive: true });
    for (const name of indexFileNames) writeFileSync(path.join(out, name), files[name]);
    io.stdout(`wrote the nixpkgs index of ${revision} (${sets.join(', ')}) to ${out}\n`);
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The git commit of the tree when it is a checkout, else nixpkgs' own version string. */
async function nixpkgsRevision(command: string, nixpkgs: string): Promise<string> {
  const git = await new Promise<string | null>((resolve) => {
    execFile('git', ['-C', nixpkgs, 'rev-parse', 'HEAD'], (error, stdout) => resolve(error ? null : stdout.trim()));
  });
  if (git && /^[0-9a-f]{40}$/.test(git)) return git;
  // Channel tarballs carry their commit in .git-revision.
  try {
    const file = readFileSync(path.join(nixpkgs, '.git-revision'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(file)) return file;
  } catch {
    // not a channel tarball
  }
  const version = await nixEval(command, ['--eval', '--json', '-E', `(import ${JSON.stringify(path.join(nixpkgs, 'lib'))}).version`]).catch(() => null);
  return typeof version === 'string' ? version : 'unknown';
}

function nixEval(command: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 1 << 30, env: { ...process.env, NIX_PATH: process.env.NIX_PATH ?? '' } }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Dock2nixError('E_ENGINE', `${command} not found: "rules index" needs Nix (set NIX_INSTANTIATE or put nix-instantiate on PATH)`));
        return;
      }
      if (error) {
        const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit status ${String(error.code)}`;
        reject(new EvalFailure(`nix-instantiate failed: ${last}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new Dock2nixError('E_ENGINE', 'nix-instantiate printed something that is not JSON'));
      }
    });
  });
}
