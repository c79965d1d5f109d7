/**
 * Reads the mapping tables in `rules/` (one per ecosystem with an installer, src/ecosystems/index.ts, and
 * base-images.json) and validates them. A bad table stops the program at start-up with the file and the key that
 * is wrong. The lookups themselves are pure: src/rules/lookup.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { INSTALLERS } from '../ecosystems/index.js';
import { Dock2nixError } from '../errors.js';
import { packagePath } from '../package-root.js';
import { normaliseName, type Manager, type Naming, type RuleSet } from '../rules/lookup.js';
import { loadNixpkgsIndex } from './nixpkgs-index-files.js';
import type { NixpkgsIndex } from '../rules/nixpkgs-index.js';
import { schemas, type PackageTable } from '../rules/schema.js';

/** The package managers with a table, sorted: the ecosystems with an installer. */
export const managers: readonly Manager[] = INSTALLERS.map((e) => e.id);

function namings(): Record<Manager, Naming> {
  return Object.fromEntries(INSTALLERS.map((e) => [e.id, e.installer.naming]));
}

/**
 * The nixpkgs index beside the tables (rules/nixpkgs-index), or the one DOCK2NIX_NIXPKGS_INDEX names; null when absent.
 */
function indexFor(dir: string): NixpkgsIndex | null {
  // An index made from the user's own nixpkgs (`dock2nix rules index -o DIR`) replaces the shipped one.
  const own = dir === defaultRulesDir ? process.env.DOCK2NIX_NIXPKGS_INDEX : undefined;
  return loadNixpkgsIndex(own ? path.resolve(own) : path.join(dir, 'nixpkgs-index'));
}

export const defaultRulesDir = packagePath('rules');

const cache = new Map<string, RuleSet>();

/** Written by `npm run build` (stamp.ts): the tables it validated, with a hash of each file's text. */
export const stampFile = packagePath('dist/rules-validated.json');
export const tableFiles = [...managers.map((m) => `${m}.json`), 'base-images.json'];

/** The tables' data, as the stamp keeps it (the rest of a RuleSet is made by the loader). */
export type RulesData = Pick<RuleSet, 'packages' | 'baseImages'>;

export interface RulesStamp {
  hashes: Record<string, string>;
  rules: RulesData;
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function loadRules(dir: string = defaultRulesDir): RuleSet {
  const cached = cache.get(dir);
  if (cached) return cached;
  // Tables are looked up by names from Dockerfiles: without a prototype, `constructor` or `__proto__` is just absent.
  const data = withoutPrototypes(dir === defaultRulesDir ? (stamped(dir) ?? validateRules(dir)) : validateRules(dir));
  const rules: RuleSet = { ...data, naming: namings(), dir, index: () => indexFor(dir) };
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
function stamped(dir: string): RulesData | null {
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
  return stamp.rules;
}

/** Read every table and check it against the schema; the first bad entry stops with its file and key. */
export function validateRules(dir: string): RulesData {
  const packages = {} as Record<Manager, PackageTable>;
  const { packageTableSchema, baseImageTableSchema } = schemas();
  for (const manager of managers) {
    const table = readTable(path.join(dir, `${manager}.json`), packageTableSchema);
    if (table.manager !== manager) {
      throw new Dock2nixError('E_RULES', `table says manager "${table.manager}" but its file is for ${manager}`, { file: path.join(dir, `${manager}.json`) });
    }
    checkKeys(table, namings()[manager]!, path.join(dir, `${manager}.json`));
    packages[manager] = table;
  }
  const baseImages = readTable(path.join(dir, 'base-images.json'), baseImageTableSchema);
  for (const [name, image] of Object.entries(baseImages.images)) {
    if (image.packageManager !== undefined && !managers.includes(image.packageManager)) {
      throw new Dock2nixError(
        'E_RULES',
        `bad entry at images.${name}.packageManager: "${image.packageManager}" is not a package manager with a table (${managers.join(', ')})`,
        { file: path.join(dir, 'base-images.json') },
      );
    }
  }
  return { packages, baseImages };
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
function checkKeys(table: PackageTable, naming: Naming, file: string): void {
  for (const key of Object.keys(table.packages)) {
    const normal = normaliseName(naming, key);
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
