/**
 * Pure lookups in the mapping tables of `rules/` (read and validated by src/io/rules-files.ts): a package name to
 * nixpkgs attributes, an image reference to its base image entry, an image tag to a runtime version. Lookups are
 * case- and separator-insensitive where the source ecosystem is.
 */
import { pep503, pythonRefusal, refusal, type NixpkgsIndex, type TopFact } from './nixpkgs-index.js';
import type { BaseImage, BaseImageTable, PackageEntry, PackageTable, Runtime } from './schema.js';

/**
 * A package manager with a rules table (rules/<manager>.json): the id of an ecosystem with an installer. The list
 * is src/ecosystems/index.ts (MANAGERS); the loader gives each its naming in the RuleSet.
 */
export type Manager = string;

/** How a manager's package names are written and looked up (see Installer.naming in src/ecosystems/define.ts). */
export type Naming = 'distribution' | 'python' | 'npm';

export interface RuleSet {
  packages: Record<Manager, PackageTable>;
  /** Each manager's naming, from the ecosystem registry. */
  naming: Record<Manager, Naming>;
  baseImages: BaseImageTable;
  /** Folder the tables were read from. */
  dir: string;
  /** The nixpkgs index beside the tables (or the one the user chose), read on first use; null when absent. */
  index(): NixpkgsIndex | null;
}

/** A manager's table; a manager without one is a programming error (the loader reads one per installer). */
export function packageTable(rules: RuleSet, manager: Manager): PackageTable {
  const table = rules.packages[manager];
  if (!table) throw new Error(`no rules table for package manager "${manager}"`);
  return table;
}

/** How a manager's names are written (distribution names when the manager is unknown). */
export function namingOf(rules: RuleSet, manager: Manager): Naming {
  return rules.naming[manager] ?? 'distribution';
}

/** PEP 503 for PyPI names; lowercase for distribution packages and npm. */
export function normaliseName(naming: Naming, name: string): string {
  const lower = name.toLowerCase();
  return naming === 'python' ? lower.replace(/[-_.]+/g, '-') : lower;
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

/** The nixpkgs index the tables come with (see RuleSet.index), or null. */
export function rulesIndex(rules: RuleSet): NixpkgsIndex | null {
  return rules.index();
}

/**
 * Look a name up in its table, then in the nixpkgs index (a name that is an attribute or a pname there), then
 * through the naming rules. The index is only read when the table misses.
 */
export function lookupPackage(rules: RuleSet, manager: Manager, name: string, options: LookupOptions = {}): PackageMatch | null {
  const key = normaliseName(namingOf(rules, manager), name);
  const direct = packageTable(rules, manager).packages[key];
  if (direct) return { entry: direct, key, via: 'table', manager };
  const index = rulesIndex(rules);
  const found = index ? indexLookup(index, manager, namingOf(rules, manager), key, options) : null;
  if (found?.match) return found.match;
  return derivePackage(rules, manager, key, options);
}

/** Why a name found nowhere usable is not mapped (e.g. nixpkgs has it but refuses it), or null. */
export function explainMiss(rules: RuleSet, manager: Manager, name: string, options: LookupOptions = {}): string | null {
  const index = rulesIndex(rules);
  if (!index) return null;
  const naming = namingOf(rules, manager);
  return indexLookup(index, manager, naming, normaliseName(naming, name), options)?.refused ?? null;
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

function indexLookup(index: NixpkgsIndex, manager: Manager, naming: Naming, key: string, options: LookupOptions): { match?: PackageMatch; refused?: string } | null {
  if (naming === 'python') return pythonLookup(index, key, options);
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
  const python = rules.naming[manager] === 'python';
  const set = python ? pythonAttr : /^python3\d*Packages$/.test(parts[0]!) ? parts[0]!.replace(/Packages$/, '') : null;
  if (set !== null) {
    const name = python ? attr : parts.slice(1).join('.');
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
  const naming = rules.naming[manager];
  if (naming === 'python') {
    const binary = /^(.+)-binary$/.exec(key);
    if (binary) {
      const base = packageTable(rules, manager).packages[binary[1]!] ?? (index ? pythonLookup(index, binary[1]!, options)?.match?.entry : undefined);
      if (base) return low(base, `"${key}" is a prebuilt wheel of ${binary[1]}; Nix builds ${binary[1]} from source`, binary[1]!, manager);
    }
    return null;
  }
  if (naming === 'distribution') {
    const python = /^(?:py3|python3|py)-(.+)$/.exec(key);
    if (python) {
      const pipName = normaliseName('python', python[1]!);
      const entry = packageTable(rules, 'pip').packages[pipName];
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
        const entry = packageTable(rules, manager).packages[candidate];
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
      const entry = packageTable(rules, manager).packages[library[1]!];
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
  /** Why a known repository's tag is not mapped (an `oldestVersion` of the table), when that is why `image` is null. */
  unmapped?: string;
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
  const oldest = image?.oldestVersion;
  const asked = /^(\d+(?:\.\d+)?)/.exec(tag ?? '')?.[1];
  if (oldest && asked && compareReleaseNumbers(asked, oldest.version) < 0) {
    return { name: short, tag, digest, image: null, unmapped: `${short}:${tag}: ${oldest.why}` };
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
  const all = Object.keys(runtime.versions).sort(compareReleaseNumbers);
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
    .sort(compareReleaseNumbers)
    .filter((v) => runtimeRefusal(rules, runtime, v) === null && failing(runtime.versions[v]!.attr).length === 0);
  if (candidates.length === 0) return null;
  const currentVersion = Object.entries(runtime.versions).find(([, v]) => v.attr === interpreter)?.[0] ?? current.version;
  const nearest = nearestVersion(candidates, currentVersion);
  const found = runtime.versions[nearest]!;
  const why = bad.map((name) => `${name} (${pythonRefusal(index.python(name)!.status[interpreter]!)})`).join(', ');
  const reason = `python ${currentVersion} (${interpreter}) cannot build every requested package: in ${interpreter}Packages ${why}; using python ${nearest} (${found.attr}), the nearest Python whose package set has them all (${index.label})`;
  return { choice: { runtime: 'python', version: nearest, attr: found.attr, builder: found.builder, substitution: reason, requested: current.requested }, reason };
}

/**
 * Order dotted release numbers of the runtime tables (`3.9` < `3.12`), numerically; not nixpkgs' version strings
 * (src/check/versions.ts compares those).
 */
export function compareReleaseNumbers(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function nearestVersion(available: string[], wanted: string): string {
  const older = available.filter((v) => compareReleaseNumbers(v, wanted) < 0);
  const newer = available.filter((v) => compareReleaseNumbers(v, wanted) > 0);
  // Prefer the oldest newer version (what an upgrade would pick); otherwise the newest older one.
  return newer[0] ?? older[older.length - 1] ?? available[available.length - 1]!;
}
