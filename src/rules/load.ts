/**
 * Loads and validates the mapping tables in `rules/`. A bad table stops the program at start-up with the file
 * and the key that is wrong. Lookups are case- and separator-insensitive where the source ecosystem is.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { Dock2nixError } from '../errors.js';
import { packagePath } from '../package-root.js';
import { loadNixpkgsIndex, pep503, pythonRefusal, refusal, type NixpkgsIndex, type TopFact } from './nixpkgs-index.js';
import {
  schemas,
  type BaseImage,
  type BaseImageTable,
  type PackageEntry,
  type PackageTable,
  type Runtime,
} from './schema.js';

export type Manager = PackageTable['manager'];
export const managers: readonly Manager[] = ['apk', 'apt', 'pip', 'npm'];

export interface RuleSet {
  packages: Record<Manager, PackageTable>;
  baseImages: BaseImageTable;
  /** Folder the tables were read from. */
  dir: string;
}

export const defaultRulesDir = packagePath('rules');

const cache = new Map<string, RuleSet>();

/** Written by `npm run build` (stamp.ts): the tables it validated, with a hash of each file's text. */
export const stampFile = packagePath('dist/rules-validated.json');
export const tableFiles = [...managers.map((m) => `${m}.json`), 'base-images.json'];

export interface RulesStamp {
  hashes: Record<string, string>;
  rules: Omit<RuleSet, 'dir'>;
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function loadRules(dir: string = defaultRulesDir): RuleSet {
  const cached = cache.get(dir);
  if (cached) return cached;
  // Tables are looked up by names from Dockerfiles: without a prototype, `constructor` or `__proto__` is just absent.
  const rules = withoutPrototypes(dir === defaultRulesDir ? (stamped(dir) ?? validateRules(dir)) : validateRules(dir));
  cache.set(dir, rules);
  return rules;
}

/** The same data with every plain object made prototype-free (arrays stay arrays). */
function withoutPrototypes<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => withoutPrototypes(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) copy[key] = withoutPrototypes(item);
  return copy as T;
}

/** The build's validated tables, when every table file is exactly the text that was validated. */
function stamped(dir: string): RuleSet | null {
  let stamp: RulesStamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as RulesStamp;
  } catch {
    return null;
  }
  for (const file of tableFiles) {
    let text: string;
    try {
      text = readFileSync(path.join(dir, file), 'utf8');
    } catch {
      return null;
    }
    if (stamp.hashes?.[file] !== hashText(text)) return null;
  }
  return { ...stamp.rules, dir };
}

/** Read every table and check it against the schema; the first bad entry stops with its file and key. */
export function validateRules(dir: string): RuleSet {
  const packages = {} as Record<Manager, PackageTable>;
  const { packageTableSchema, baseImageTableSchema } = schemas();
  for (const manager of managers) {
    const table = readTable(path.join(dir, `${manager}.json`), packageTableSchema);
    if (table.manager !== manager) {
      throw new Dock2nixError('E_RULES', `table says manager "${table.manager}" but its file is for ${manager}`, { file: path.join(dir, `${manager}.json`) });
    }
    checkKeys(table, path.join(dir, `${manager}.json`));
    packages[manager] = table;
  }
  const baseImages = readTable(path.join(dir, 'base-images.json'), baseImageTableSchema);
  return { packages, baseImages, dir };
}

function readTable<T extends z.ZodTypeAny>(file: string, schema: T): z.infer<T> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Dock2nixError('E_RULES', 'rule table is missing', { file });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Dock2nixError('E_RULES', `rule table is not valid JSON: ${(error as Error).message}`, { file });
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = issue.path.map(String).join('.');
    throw new Dock2nixError('E_RULES', `bad entry at ${key || '(top level)'}: ${issue.message}`, { file, line: lineOfKey(text, issue.path) });
  }
  return result.data;
}

/** Keys must already be in their normalised form, so a lookup can never miss an entry that exists. */
function checkKeys(table: PackageTable, file: string): void {
  for (const key of Object.keys(table.packages)) {
    const normal = normaliseName(table.manager, key);
    if (normal !== key) {
      throw new Dock2nixError('E_RULES', `key "${key}" is not normalised (expected "${normal}")`, { file });
    }
  }
}

function lineOfKey(text: string, keyPath: PropertyKey[]): number | undefined {
  const last = [...keyPath].reverse().find((part) => typeof part === 'string');
  if (typeof last !== 'string') return undefined;
  const index = text.indexOf(`"${last}"`);
  return index === -1 ? undefined : text.slice(0, index).split('\n').length;
}

/** PEP 503 for PyPI names; lowercase for distribution packages and npm. */
export function normaliseName(manager: Manager, name: string): string {
  const lower = name.toLowerCase();
  return manager === 'pip' ? lower.replace(/[-_.]+/g, '-') : lower;
}

export interface PackageMatch {
  entry: PackageEntry;
  /** The table key that matched, or the rule that derived the entry. */
  key: string;
  /** How the match was made: a table entry, a naming rule (which lowers confidence), or the nixpkgs index. */
  via: 'table' | 'rule' | 'index';
  manager: Manager;
}

export interface LookupOptions {
  /** The interpreter whose package set pip names resolve in (`python312`; `python3` is the default one). */
  python?: string;
}

/**
 * The nixpkgs index beside the tables (rules/nixpkgs-index), or the one DOCK2NIX_NIXPKGS_INDEX names, read on
 * first use; null when absent.
 */
export function rulesIndex(rules: RuleSet): NixpkgsIndex | null {
  // An index made from the user's own nixpkgs (`dock2nix rules index -o DIR`) replaces the shipped one.
  const own = rules.dir === defaultRulesDir ? process.env.DOCK2NIX_NIXPKGS_INDEX : undefined;
  return loadNixpkgsIndex(own ? path.resolve(own) : path.join(rules.dir, 'nixpkgs-index'));
}

/**
 * Look a name up in its table, then in the nixpkgs index (a name that is an attribute or a pname there), then
 * through the naming rules. The index is only read when the table misses.
 */
export function lookupPackage(rules: RuleSet, manager: Manager, name: string, options: LookupOptions = {}): PackageMatch | null {
  const key = normaliseName(manager, name);
  const direct = rules.packages[manager].packages[key];
  if (direct) return { entry: direct, key, via: 'table', manager };
  const index = rulesIndex(rules);
  const found = index ? indexLookup(index, manager, key, options) : null;
  if (found?.match) return found.match;
  return derivePackage(rules, manager, key, options);
}

/** Why a name found nowhere usable is not mapped (e.g. nixpkgs has it but refuses it), or null. */
export function explainMiss(rules: RuleSet, manager: Manager, name: string, options: LookupOptions = {}): string | null {
  const index = rulesIndex(rules);
  if (!index) return null;
  return indexLookup(index, manager, normaliseName(manager, name), options)?.refused ?? null;
}

function indexEvidence(index: NixpkgsIndex): string {
  return `found in ${index.label}`;
}

function indexMatch(index: NixpkgsIndex, manager: Manager, key: string, attrs: string[], note: string, role: PackageEntry['role'] = 'runtime'): PackageMatch {
  return {
    entry: { attrs, confidence: 'high', role, note: `${note}; ${indexEvidence(index)}`, evidence: [] },
    key,
    via: 'index',
    manager,
  };
}

/** The top-level attribute a distribution or npm name stands for: the attribute itself, or a unique pname. */
function topLevelCandidates(index: NixpkgsIndex, name: string): { usable: TopFact[]; refused: TopFact[]; how: string } {
  for (const [how, facts] of [
    ['is the nixpkgs attribute of that name', exactFirst(index.attrsIgnoringCase(name), name)],
    ['is the pname of', index.byPname(name)],
  ] as const) {
    const list = facts.filter((f) => f.kind !== 'set' && f.kind !== 'function' && f.kind !== 'value');
    if (list.length) return { usable: list.filter((f) => refusal(f) === null), refused: list.filter((f) => refusal(f) !== null), how };
  }
  return { usable: [], refused: [], how: '' };
}

function exactFirst(facts: TopFact[], name: string): TopFact[] {
  const exact = facts.filter((f) => f.attr === name);
  return exact.length ? exact : facts;
}

function indexLookup(index: NixpkgsIndex, manager: Manager, key: string, options: LookupOptions): { match?: PackageMatch; refused?: string } | null {
  if (manager === 'pip') return pythonLookup(index, key, options);
  const { usable, refused, how } = topLevelCandidates(index, key);
  if (usable.length === 1) {
    const fact = usable[0]!;
    return { match: indexMatch(index, manager, key, [fact.attr], how === 'is the pname of' ? `"${key}" is the pname of ${fact.attr} ${fact.version}` : `${fact.attr} ${fact.version}`) };
  }
  if (usable.length > 1) {
    // Several attributes share the pname (versioned variants): the one nixpkgs names after it, else the shortest.
    const sorted = [...usable].sort((a, b) => a.attr.length - b.attr.length || (a.attr < b.attr ? -1 : 1));
    const fact = sorted[0]!;
    const entry: PackageEntry = {
      attrs: [fact.attr],
      confidence: 'low',
      role: 'runtime',
      note: `"${key}" is the pname of ${usable.length} attributes (${sorted.map((f) => f.attr).join(', ')}); ${fact.attr} chosen; ${indexEvidence(index)}`,
      evidence: [],
    };
    return { match: { entry, key, via: 'index', manager } };
  }
  if (refused.length) {
    const fact = refused[0]!;
    return { refused: `nixpkgs has ${fact.attr}${fact.version ? ` ${fact.version}` : ''}, but ${refusal(fact)} (${index.label})` };
  }
  return null;
}

function pythonLookup(index: NixpkgsIndex, key: string, options: LookupOptions): { match?: PackageMatch; refused?: string } | null {
  const normal = pep503(key);
  const exact = index.python(normal);
  const viaPname = exact ? [] : index.pythonByPname(normal);
  const fact = exact ?? (viaPname.length === 1 ? viaPname[0] : undefined);
  if (!fact) return null;
  const interpreter = index.interpreter(options.python ?? 'python3');
  const status = fact.status[interpreter];
  const how = exact ? `"${key}" is ${fact.name} ${fact.version}` : `"${key}" is the pname of ${fact.name} ${fact.version}`;
  if (status === undefined) {
    // An interpreter the index does not cover: the name exists in nixpkgs' Python sets, no more is known.
    const entry: PackageEntry = { attrs: [fact.name], confidence: 'low', role: 'runtime', note: `${how} in nixpkgs' Python sets, but ${interpreter}Packages is not in the index; ${indexEvidence(index)}`, evidence: [] };
    return { match: { entry, key: normal, via: 'index', manager: 'pip' } };
  }
  const why = pythonRefusal(status);
  if (why === null) return { match: indexMatch(index, 'pip', normal, [fact.name], `${how} in ${interpreter}Packages`) };
  const elsewhere = Object.entries(fact.status).filter(([, s]) => s === 'usable').map(([p]) => p);
  if (status === 'not-instantiating' || status === 'broken' || status === 'insecure') {
    // The package is there: it maps, and the interpreter is chosen to suit it (see choosePython).
    const entry: PackageEntry = {
      attrs: [fact.name],
      confidence: elsewhere.length ? 'high' : 'low',
      role: 'runtime',
      note: `${how}; in ${interpreter}Packages ${why}${elsewhere.length ? ` (usable with ${elsewhere.join(', ')})` : ''}; ${indexEvidence(index)}`,
      evidence: [],
    };
    return { match: { entry, key: normal, via: 'index', manager: 'pip' } };
  }
  return { refused: `nixpkgs has ${interpreter}Packages.${fact.name}, but ${why}${elsewhere.length ? ` (usable with ${elsewhere.join(', ')})` : ''} (${index.label})` };
}

/**
 * Whether an attribute (one a person typed or chose) exists in the nixpkgs index and nixpkgs would accept it (null), or why not.
 * Null as well when there is no index to ask.
 */
export function checkAttribute(rules: RuleSet, manager: Manager, attr: string, pythonAttr = 'python3'): string | null {
  const index = rulesIndex(rules);
  if (!index) return null;
  const parts = attr.split('.');
  const set = manager === 'pip' ? pythonAttr : /^python3\d*Packages$/.test(parts[0]!) ? parts[0]!.replace(/Packages$/, '') : null;
  if (set !== null) {
    const name = manager === 'pip' ? attr : parts.slice(1).join('.');
    const interpreter = index.interpreter(set);
    const fact = index.python(name);
    if (!fact || fact.status[interpreter] === undefined || fact.status[interpreter] === 'absent') return `${interpreter}Packages.${name} is not in ${index.label}`;
    return fact.status[interpreter] === 'usable' ? null : `${interpreter}Packages.${name} is not usable in ${index.label} (${fact.status[interpreter]})`;
  }
  const fact = index.attr(parts[0]!);
  if (!fact) return `${parts[0]} is not in ${index.label}`;
  if (fact.kind !== 'derivation') return null; // a set or helper: its members are not in the index
  if (parts.length === 2 && !fact.outputs.includes(parts[1]!)) return `${parts[0]} has no output ${parts[1]} in ${index.label}`;
  const why = refusal(fact);
  return why ? `${parts[0]}: ${why} (${index.label})` : null;
}

function derivePackage(rules: RuleSet, manager: Manager, key: string, options: LookupOptions): PackageMatch | null {
  const low = (entry: PackageEntry, note: string, sourceKey: string, via: Manager): PackageMatch => ({
    entry: { ...entry, confidence: 'low', note: `${note}${entry.note ? `; ${entry.note}` : ''}` },
    key: sourceKey,
    via: 'rule',
    manager: via,
  });
  const index = rulesIndex(rules);
  if (manager === 'pip') {
    const binary = /^(.+)-binary$/.exec(key);
    if (binary) {
      const base = rules.packages.pip.packages[binary[1]!] ?? (index ? pythonLookup(index, binary[1]!, options)?.match?.entry : undefined);
      if (base) return low(base, `"${key}" is a prebuilt wheel of ${binary[1]}; Nix builds ${binary[1]} from source`, binary[1]!, 'pip');
    }
    return null;
  }
  if (manager === 'apk' || manager === 'apt') {
    const python = /^(?:py3|python3|py)-(.+)$/.exec(key);
    if (python) {
      const pipName = normaliseName('pip', python[1]!);
      const entry = rules.packages.pip.packages[pipName];
      if (entry) return low(entry, `Python module "${pipName}" from the interpreter's package set (derived from the ${manager} name)`, pipName, 'pip');
      const found = index ? pythonLookup(index, pipName, options)?.match : undefined;
      if (found) {
        return { ...found, entry: { ...found.entry, note: `Python module "${pipName}" (the ${manager} package's name minus its prefix): ${found.entry.note}` } };
      }
    }
    const dev = /^(.+?)(?:-dev|-devel)$/.exec(key);
    if (dev) {
      const candidates = [dev[1]!, dev[1]!.replace(/^lib/, ''), dev[1]!.replace(/\d+$/, ''), dev[1]!.replace(/^lib/, '').replace(/[\d.-]+$/, '')];
      for (const candidate of candidates) {
        const entry = rules.packages[manager].packages[candidate];
        if (entry && entry.attrs.length) {
          return low(
            { ...entry, attrs: entry.attrs.map((attr) => (attr.endsWith('.dev') ? attr : `${attr}.dev`)), role: 'build' },
            `headers of "${candidate}" (derived from the -dev name; the dev output is only needed to build)`,
            candidate,
            manager,
          );
        }
      }
      for (const candidate of index ? candidates : []) {
        const fact = index!.attrsIgnoringCase(candidate).find((f) => refusal(f) === null);
        if (fact) {
          const attr = fact.outputs.includes('dev') ? `${fact.attr}.dev` : fact.attr;
          return indexMatch(index!, manager, key, [attr], `headers of ${fact.attr} ${fact.version} (the -dev name minus its suffix${fact.outputs.includes('dev') ? '; its dev output' : '; it has no separate dev output'}), only needed to build`, 'build');
        }
      }
    }
    const library = /^lib(.+?)[\d.-]*$/.exec(key);
    if (library) {
      const entry = rules.packages[manager].packages[library[1]!];
      if (entry) return low(entry, `library "${key}" taken to be provided by "${library[1]}"`, library[1]!, manager);
      const bare = key.replace(/[\d.-]+$/, '');
      for (const candidate of index && bare !== key ? [bare, library[1]!] : []) {
        const fact = index!.attrsIgnoringCase(candidate).find((f) => refusal(f) === null);
        if (fact) return indexMatch(index!, manager, key, [fact.attr], `library "${key}" is ${fact.attr} ${fact.version} (its soname version dropped)`);
      }
    }
  }
  return null;
}

/** Resolve an image reference (`docker.io/library/python:3.12-slim@sha256:…`) to a table entry. */
export interface BaseImageMatch {
  name: string;
  tag: string | null;
  digest: string | null;
  image: BaseImage | null;
}

export function parseImageReference(reference: string): { repository: string; tag: string | null; digest: string | null } {
  let rest = reference;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { repository: rest.toLowerCase(), tag, digest };
}

export function lookupBaseImage(rules: RuleSet, reference: string): BaseImageMatch {
  const { repository, tag, digest } = parseImageReference(reference);
  const short = repository.replace(/^(docker\.io\/|index\.docker\.io\/|registry-1\.docker\.io\/)/, '').replace(/^library\//, '');
  const images = rules.baseImages.images;
  let image: BaseImage | null = images[short] ?? null;
  if (!image) {
    for (const candidate of Object.values(images)) {
      if (candidate.aliases?.includes(short) || candidate.aliases?.includes(repository)) image = candidate;
    }
  }
  return { name: short, tag, digest, image };
}

export interface RuntimeChoice {
  runtime: string;
  version: string;
  attr: string;
  builder?: string;
  /** Set when the tag asked for something the table does not carry. */
  substitution: string | null;
  /** The version the tag asked for, when it named one. */
  requested: string | null;
}

/**
 * Why a runtime version cannot be used: the table says nixpkgs refuses it, or the nixpkgs index (when there is
 * one) says it is absent, broken, insecure or does not instantiate. Null: usable.
 */
export function runtimeRefusal(rules: RuleSet, runtime: Runtime, version: string): string | null {
  const found = runtime.versions[version];
  if (!found) return 'it is not in the table';
  if (found.refused) return found.refused;
  const index = rulesIndex(rules);
  if (!index) return null;
  const fact = index.attr(found.attr);
  if (!fact) return `${found.attr} is not in nixpkgs (${index.label})`;
  const why = refusal(fact);
  return why ? `${found.attr} ${fact.version}: ${why} (${index.label})` : null;
}

/** Pick the versioned attribute a tag asks for (`3.12-slim` → python312, `lts` → nodejs_26), among usable versions. */
export function chooseRuntime(rules: RuleSet, runtimeName: string, tag: string | null): RuntimeChoice {
  const runtime: Runtime = rules.baseImages.runtimes[runtimeName]!;
  const all = Object.keys(runtime.versions).sort(compareVersions);
  const usable = all.filter((v) => runtimeRefusal(rules, runtime, v) === null);
  const available = usable.length ? usable : all;
  const pick = (version: string, substitution: string | null, requested: string | null): RuntimeChoice => {
    if (!available.includes(version)) {
      // The version asked for exists, but nixpkgs refuses it: the nearest one it accepts, saying why.
      const nearest = nearestVersion(available, version);
      const why = runtimeRefusal(rules, runtime, version);
      return pick(nearest, `${runtimeName} ${version} (${runtime.versions[version]!.attr}) cannot be used: ${why}; using ${runtimeName} ${nearest} (${runtime.versions[nearest]!.attr}), the nearest version nixpkgs accepts`, requested);
    }
    const found = runtime.versions[version]!;
    return { runtime: runtimeName, version, attr: found.attr, builder: found.builder, substitution, requested };
  };
  const cleanTag = (tag ?? 'latest').toLowerCase();
  for (const part of cleanTag.split('-')) {
    const named = runtime.tags[part];
    if (named) return pick(named, null, part);
  }
  const numeric = /^(\d+(?:\.\d+)*)/.exec(cleanTag);
  if (!numeric) return pick(runtime.default, null, null);
  const parts = numeric[1]!.split('.');
  const wanted = parts.slice(0, runtime.components).join('.');
  if (runtime.versions[wanted]) return pick(wanted, null, numeric[1]!);
  if (parts.length < runtime.components) {
    // `python:3` means the newest 3.x.
    const prefix = available.filter((v) => v.split('.')[0] === parts[0]);
    const newest = prefix.includes(runtime.default) ? runtime.default : prefix[prefix.length - 1];
    if (newest) return pick(newest, null, numeric[1]!);
  }
  const nearest = nearestVersion(available, wanted);
  return pick(nearest, `${runtimeName} ${wanted} is not in nixpkgs; using ${nearest}, the nearest version it carries`, numeric[1]!);
}

/**
 * The Python for a set of pip packages: the current interpreter when its package set has every one usable,
 * else the nearest interpreter (newer first) whose set has them all, with why. Null when nothing needs to change
 * (or no interpreter would do better, or no index is present).
 */
export function choosePython(rules: RuleSet, current: RuntimeChoice, packages: string[]): { choice: RuntimeChoice; reason: string } | null {
  const index = rulesIndex(rules);
  const runtime = rules.baseImages.runtimes.python;
  if (!index || !runtime || packages.length === 0) return null;
  const interpreter = index.interpreter(current.attr);
  const failing = (attr: string) =>
    packages.filter((name) => {
      const status = index.python(name)?.status[index.interpreter(attr)];
      return status !== undefined && status !== 'usable';
    });
  const bad = failing(interpreter);
  if (bad.length === 0) return null;
  const candidates = Object.keys(runtime.versions)
    .sort(compareVersions)
    .filter((v) => runtimeRefusal(rules, runtime, v) === null && failing(runtime.versions[v]!.attr).length === 0);
  if (candidates.length === 0) return null;
  const currentVersion = Object.entries(runtime.versions).find(([, v]) => v.attr === interpreter)?.[0] ?? current.version;
  const nearest = nearestVersion(candidates, currentVersion);
  const found = runtime.versions[nearest]!;
  const why = bad.map((name) => `${name} (${pythonRefusal(index.python(name)!.status[interpreter]!)})`).join(', ');
  const reason = `python ${currentVersion} (${interpreter}) cannot build every requested package: in ${interpreter}Packages ${why}; using python ${nearest} (${found.attr}), the nearest Python whose package set has them all (${index.label})`;
  return { choice: { runtime: 'python', version: nearest, attr: found.attr, builder: found.builder, substitution: reason, requested: current.requested }, reason };
}

/** Compare dotted version numbers (`3.9` < `3.12`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function nearestVersion(available: string[], wanted: string): string {
  const older = available.filter((v) => compareVersions(v, wanted) < 0);
  const newer = available.filter((v) => compareVersions(v, wanted) > 0);
  // Prefer the oldest newer version (what an upgrade would pick); otherwise the newest older one.
  return newer[0] ?? older[older.length - 1] ?? available[available.length - 1]!;
}
