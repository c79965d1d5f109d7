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
  /** How the match was made: a table entry, or a naming rule (which lowers confidence). */
  via: 'table' | 'rule';
  manager: Manager;
}

/** Look a name up in its table, then through the naming rules for names not listed. */
export function lookupPackage(rules: RuleSet, manager: Manager, name: string): PackageMatch | null {
  const key = normaliseName(manager, name);
  const direct = rules.packages[manager].packages[key];
  if (direct) return { entry: direct, key, via: 'table', manager };
  return derivePackage(rules, manager, key);
}

function derivePackage(rules: RuleSet, manager: Manager, key: string): PackageMatch | null {
  const low = (entry: PackageEntry, note: string, sourceKey: string, via: Manager): PackageMatch => ({
    entry: { ...entry, confidence: 'low', note: `${note}${entry.note ? `; ${entry.note}` : ''}` },
    key: sourceKey,
    via: 'rule',
    manager: via,
  });
  if (manager === 'pip') {
    const binary = /^(.+)-binary$/.exec(key);
    if (binary) {
      const base = rules.packages.pip.packages[binary[1]!];
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
    }
    const dev = /^(.+?)(?:-dev|-devel)$/.exec(key);
    if (dev) {
      for (const candidate of [dev[1]!, dev[1]!.replace(/^lib/, ''), dev[1]!.replace(/\d+$/, '')]) {
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
    }
    const library = /^lib(.+?)\d*$/.exec(key);
    if (library) {
      const entry = rules.packages[manager].packages[library[1]!];
      if (entry) return low(entry, `library "${key}" taken to be provided by "${library[1]}"`, library[1]!, manager);
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

/** Pick the versioned attribute a tag asks for (`3.12-slim` → python312, `lts` → nodejs_26). */
export function chooseRuntime(rules: RuleSet, runtimeName: string, tag: string | null): RuntimeChoice {
  const runtime: Runtime = rules.baseImages.runtimes[runtimeName]!;
  const pick = (version: string, substitution: string | null, requested: string | null): RuntimeChoice => {
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
  const available = Object.keys(runtime.versions).sort(compareVersions);
  if (parts.length < runtime.components) {
    // `python:3` means the newest 3.x.
    const prefix = available.filter((v) => v.split('.')[0] === parts[0]);
    const newest = prefix.includes(runtime.default) ? runtime.default : prefix[prefix.length - 1];
    if (newest) return pick(newest, null, numeric[1]!);
  }
  const nearest = nearestVersion(available, wanted);
  return pick(nearest, `${runtimeName} ${wanted} is not in nixpkgs; using ${nearest}, the nearest version it carries`, numeric[1]!);
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
