/**
 * The tables and the index against the facts evaluated from a real nixpkgs (../shared/nixpkgs/facts): the
 * committed index is what the generator makes of them; every attribute a table names exists there and is not
 * refused (broken, insecure, not instantiating) unless the entry says so; names the corpus resolves map to
 * attributes that exist. Skipped, with a message, where ../shared is absent (the index itself is committed).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsContext } from '../src/io/fs-context.js';
import { measureCoverage } from '../src/check/coverage.js';
import { chooseRuntime, lookupPackage, rulesIndex } from '../src/rules/lookup.js';
import { loadRules, managers } from '../src/io/rules-files.js';
import { compactIndex, indexFileNames, type Fact } from '../src/rules/nixpkgs-index.js';
import { readFactsDir } from '../src/io/nixpkgs-index-files.js';
import { corpusDir, nixEvalJson, nixString, repoRoot, requireTool, stubNixpkgs } from './helpers/tools.js';
import { shell } from './helpers/shell.js';

const factsDir = path.resolve(repoRoot, '../shared/nixpkgs/facts');
const present = existsSync(path.join(factsDir, 'top-level.json'));
if (!present) console.warn(`SKIP: no nixpkgs facts at ${factsDir}; the tables are not checked against them`);

type Drv = Exclude<Fact, string | null>;
const isDrv = (fact: Fact | undefined): fact is Drv => typeof fact === 'object' && fact !== null;

describe.skipIf(!present)('the nixpkgs facts', () => {
  const facts = present ? readFactsDir(factsDir) : { topLevel: {}, python: {}, revision: '' };
  const rules = loadRules();

  it('rules/nixpkgs-index is what scripts/gen-nixpkgs-index.mjs makes of them', () => {
    const files = compactIndex(facts.topLevel, facts.python, {
      revision: facts.revision,
      source: 'facts evaluated from nixpkgs (../shared/nixpkgs/facts), by scripts/gen-nixpkgs-index.mjs',
    });
    for (const name of indexFileNames) {
      expect(
        readFileSync(path.join(repoRoot, 'rules/nixpkgs-index', name), 'utf8') === files[name],
        `rules/nixpkgs-index/${name} is stale: npm run build && node scripts/gen-nixpkgs-index.mjs`,
      ).toBe(true);
    }
    expect(JSON.parse(files['meta.json'])).toMatchObject({ revision: '7beb50e7ff79da548c79762c9130477208787e96', python3: 'python313' });
  });

  /** Why a top-level attribute path (`openssl.dev`, `dockerTools.binSh`) is not usable, or null. */
  function topProblem(attrPath: string): string | null {
    const [head, ...rest] = attrPath.split('.');
    if (!(head! in facts.topLevel)) return 'absent';
    const fact = facts.topLevel[head!];
    if (!isDrv(fact)) return fact === 'error' ? null : null; // sets, functions, helpers: their members are not in the facts
    if (rest.length === 1 && !(fact.outputs ?? ['out']).includes(rest[0]!)) return `no output ${rest[0]}`;
    if (fact.broken) return 'broken';
    if (fact.insecure) return 'insecure';
    if (fact.instantiates === false) return 'does not instantiate';
    return null;
  }

  function pythonProblem(set: string, name: string): string | null {
    const fact = facts.python[set]?.[name];
    if (fact === undefined) return `absent from ${set}Packages`;
    if (!isDrv(fact)) return null;
    if (fact.broken) return `broken in ${set}Packages`;
    if (fact.insecure) return `insecure in ${set}Packages`;
    if (fact.instantiates === false) return `does not instantiate in ${set}Packages`;
    return null;
  }

  it('every attribute of the package tables exists and is not refused, unless the entry says so', () => {
    const problems: string[] = [];
    for (const manager of managers) {
      for (const [key, entry] of Object.entries(rules.packages[manager]!.packages)) {
        for (const attr of entry.attrs) {
          // pip attributes live in the Python sets: checked in the default one (python3 = python313).
          const problem = manager === 'pip' ? pythonProblem('python313', attr) : topProblem(attr);
          if (problem === null) continue;
          const said = /broken|insecure|vulnerab|does not (instantiate|evaluate)|refus/i.test(entry.note ?? '');
          if (problem.startsWith('absent') || problem.startsWith('no output') || !said) problems.push(`rules/${manager}.json ${key}: ${attr} ${problem}`);
        }
      }
    }
    for (const [name, image] of Object.entries(rules.baseImages.images)) {
      for (const attr of image.attrs) {
        const problem = topProblem(attr);
        if (problem) problems.push(`rules/base-images.json ${name}: ${attr} ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every runtime version exists; a refused one says so, and the chooser never picks it', () => {
    for (const [name, runtime] of Object.entries(rules.baseImages.runtimes)) {
      for (const [version, choice] of Object.entries(runtime.versions)) {
        const problem = topProblem(choice.attr);
        expect(problem === 'absent', `${name} ${version}: ${choice.attr} is not in nixpkgs`).toBe(false);
        if (choice.builder) expect(choice.builder in facts.topLevel, `${choice.builder}`).toBe(true);
        if (problem) expect(choice.refused, `${name} ${version}: ${choice.attr} ${problem}, and the table does not say so`).toMatch(/\S/);
        const picked = chooseRuntime(rules, name, version);
        expect(topProblem(picked.attr), `${name}:${version} picks ${picked.attr}`).toBeNull();
      }
      expect(topProblem(chooseRuntime(rules, name, null).attr)).toBeNull();
    }
    const node20 = chooseRuntime(rules, 'nodejs', '20-alpine');
    expect(node20.attr).toBe('nodejs_22');
    expect(node20.substitution).toMatch(/nodejs_20.*insecure.*nodejs_22/);
  });

  it('index lookups agree with the facts: present and usable is high, refused is explained', () => {
    const zsh = lookupPackage(rules, 'apt', 'zsh')!;
    expect(zsh.entry).toMatchObject({ attrs: ['zsh'], confidence: 'high' });
    expect(isDrv(facts.topLevel.zsh)).toBe(true);
    for (const [name, attr] of [
      ['typing_extensions', 'typing-extensions'],
      ['Flask', 'flask'],
    ] as const) {
      const match = lookupPackage(rules, 'pip', name, { python: 'python313' })!;
      expect(match.entry.attrs).toEqual([attr]);
      expect(['exact', 'high']).toContain(match.entry.confidence);
      expect(pythonProblem('python313', attr)).toBeNull();
    }
    const index = rulesIndex(rules)!;
    expect(index.python('django')!.status.python311).toBe('not-instantiating');
    expect(index.attr('nodejs_20')).toMatchObject({ insecure: true, instantiates: false });
  });

  it('names the corpus resolves with confidence exact or high map to attributes that exist and are usable', () => {
    const inputs = existsSync(path.join(corpusDir, 'projects'))
      ? ['KristiansKokars__CampaignManager', 'ProjectBARO__BARO-AI', 'mjaliz__photojoo', 'ramoswilly__projectfox', 'MenshikovDmitry__OutlineVPN_Admin']
          .filter((p) => existsSync(path.join(corpusDir, 'projects', p, 'Dockerfile')))
          .map((p) => ({
            name: p,
            text: readFileSync(path.join(corpusDir, 'projects', p, 'Dockerfile'), 'utf8'),
            context: fsContext(path.join(corpusDir, 'projects', p)),
          }))
      : [];
    const report = measureCoverage(inputs, rules, shell);
    const problems: string[] = [];
    for (const resolved of report.resolvedNames) {
      for (const attr of resolved.nix?.split(' ') ?? []) {
        const py = /^(python3\d+)Packages\.(.+)$/.exec(attr);
        const problem = py ? pythonProblem(py[1]!, py[2]!) : topProblem(attr);
        if (problem) problems.push(`${resolved.file} ${resolved.manager} ${resolved.name} → ${attr}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('the Nix test stub follows the facts', () => {
  it('test/nix/nixpkgs-facts.json is what scripts/gen-stub-facts.mjs makes of rules/nixpkgs-index', async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { stubFacts, stubFactsFile } = (await import('../scripts/gen-stub-facts.mjs')) as { stubFacts: () => string; stubFactsFile: string };
    expect(readFileSync(stubFactsFile, 'utf8') === stubFacts(), 'stale: run node scripts/gen-stub-facts.mjs').toBe(true);
  });

  const nix = requireTool('nix-instantiate', 'evaluating the Nix test stub');
  it.skipIf(!nix)('has exactly the attributes nixpkgs has, with their versions, and refuses what nixpkgs refuses', () => {
    const probe = (expression: string) => `(builtins.tryEval (builtins.deepSeq (${expression}) (${expression}))).value or false`;
    const result = nixEvalJson(`let p = import ${nixString(stubNixpkgs)} { }; in {
      zsh = p.zsh.version; hasNoSuch = p ? no-such-package-xyz; opensslDev = p.openssl.dev.outputName;
      node20 = ${probe('p.nodejs_20.outPath')}; node22 = p.nodejs_22.version;
      django311 = ${probe('p.python311Packages.django.outPath')}; django312 = p.python312Packages.django.version;
      python3 = p.python3Packages.flask.pname; inSet = p.python313Packages ? requests; notInSet = p.python313Packages ? no-such-module-xyz;
    }`) as Record<string, unknown>;
    const index = rulesIndex(loadRules())!;
    expect(result).toEqual({
      zsh: index.attr('zsh')!.version,
      hasNoSuch: false,
      opensslDev: 'dev',
      node20: false,
      node22: index.attr('nodejs_22')!.version,
      django311: false,
      django312: index.python('django')!.version,
      python3: 'flask',
      inSet: true,
      notInSet: false,
    });
  });

  it.skipIf(!nix)('importCargoLock wants outputHashes for git sources, and a lock file that exists', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dock2nix-cargo-'));
    try {
      writeFileSync(path.join(dir, 'Cargo.lock'), '[[package]]\nname = "a"\nversion = "0.1.0"\nsource = "git+https://example.org/a?rev=1#abc"\n');
      const build = (cargoLock: string) =>
        `(import ${nixString(stubNixpkgs)} { }).rustPlatform.buildRustPackage { pname = "x"; version = "1"; src = ${nixString(dir)}; cargoLock = ${cargoLock}; }`;
      const lock = `/. + ${nixString(path.join(dir, 'Cargo.lock'))}`;
      expect(() => nixEvalJson(`(${build(`{ lockFile = ${lock}; }`)}).name`)).toThrow(/No hash was found while vendoring the git dependency a-0.1.0/);
      expect(nixEvalJson(`(${build(`{ lockFile = ${lock}; outputHashes = { "a-0.1.0" = "sha256-AAAA"; }; }`)}).name`)).toBe('x');
      expect(() => nixEvalJson(`(${build(`{ lockFile = /. + ${nixString(path.join(dir, 'missing.lock'))}; }`)}).name`)).toThrow(/lockFile .* does not exist/);
      // As nixpkgs' import-cargo-lock.nix: one hash covers a commit, so a workspace's second crate needs none, and a
      // key no git package has is an error.
      writeFileSync(
        path.join(dir, 'Cargo.lock'),
        '[[package]]\nname = "a"\nversion = "0.1.0"\nsource = "git+https://example.org/a?rev=1#abc"\n\n[[package]]\nname = "a-macros"\nversion = "0.1.0"\nsource = "git+https://example.org/a?rev=1#abc"\n',
      );
      expect(nixEvalJson(`(${build(`{ lockFile = ${lock}; outputHashes = { "a-0.1.0" = "sha256-AAAA"; }; }`)}).name`)).toBe('x');
      expect(() => nixEvalJson(`(${build(`{ lockFile = ${lock}; outputHashes = { "a-0.1.0" = "sha256-AAAA"; "b-1.0.0" = "sha256-AAAA"; }; }`)}).name`)).toThrow(
        /A hash was specified for b-1.0.0/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
