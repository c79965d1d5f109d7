/**
 * `dock2nix rules [manager] [name] [--json]`: what a package name maps to (confidence, note, evidence), or a
 * whole table. `dock2nix rules check [--nixpkgs PATH] [--json]`: every attribute the tables use, evaluated
 * against the user's nixpkgs.
 */
import { checkAttributes, renderCheckJson, renderCheckText, type AttributeRequest } from '../../check/nixpkgs-check.js';
import { Dock2nixError } from '../../errors.js';
import {
  explainMiss,
  lookupPackage,
  namingOf,
  packageTable,
  rulesIndex,
  normaliseName,
  type Manager,
  type PackageMatch,
  type RuleSet,
} from '../../rules/lookup.js';
import { loadRules, managers } from '../../io/rules-files.js';
import type { PackageEntry } from '../../rules/schema.js';
import type { CliIo } from '../io.js';

export interface RulesOptions {
  manager?: string;
  name?: string;
  json?: boolean;
  nixpkgs?: string;
}

const NIXPKGS_BLOB = 'https://github.com/NixOS/nixpkgs/blob/master/';
/** The package set pip attributes are shown in (and checked in) when no interpreter is chosen. */
const DEFAULT_PYTHON_SET = 'python3Packages';

export async function runRules(options: RulesOptions, io: CliIo): Promise<number> {
  const rules = loadRules();
  if (options.manager === 'check') {
    if (options.name !== undefined) throw new Dock2nixError('E_USAGE', `"rules check" takes no name (got "${options.name}")`);
    return runCheck(rules, options, io);
  }
  if (options.nixpkgs !== undefined) throw new Dock2nixError('E_USAGE', '--nixpkgs only applies to "dock2nix rules check"');
  if (options.manager === undefined) {
    if (options.json) io.stdout(`${JSON.stringify(Object.fromEntries(managers.map((m) => [m, rules.packages[m]])), null, 2)}\n`);
    else io.stdout(managers.map((m) => renderTable(rules, m)).join('\n'));
    return 0;
  }
  const manager = parseManager(options.manager);
  if (options.name === undefined) {
    io.stdout(options.json ? `${JSON.stringify(rules.packages[manager], null, 2)}\n` : renderTable(rules, manager));
    return 0;
  }
  const match = lookupPackage(rules, manager, options.name);
  if (options.json) {
    io.stdout(`${JSON.stringify(lookupJson(rules, manager, options.name, match), null, 2)}\n`);
  } else {
    const why = match ? null : explainMiss(rules, manager, options.name);
    io.stdout(
      match
        ? renderMatch(manager, options.name, match, rulesIndex(rules)?.label ?? 'the nixpkgs index')
        : `${manager} ${options.name}: ${why ? `not mapped: ${why}` : `no nixpkgs attribute is known (add it to rules/${manager}.json; see docs/rules.md)`}\n`,
    );
  }
  return match ? 0 : 1;
}

function parseManager(value: string): Manager {
  if ((managers as readonly string[]).includes(value)) return value as Manager;
  throw new Dock2nixError('E_USAGE', `unknown package manager "${value}" (expected ${managers.join(', ')}, or "check")`);
}

/** pip attributes live in the interpreter's package set. */
function nixAttrs(match: PackageMatch): string[] {
  return match.entry.attrs.map((a) => (match.manager === 'pip' ? `${DEFAULT_PYTHON_SET}.${a}` : a));
}

function evidenceOf(entry: Pick<PackageEntry, 'evidence'>): string[] {
  return Array.isArray(entry.evidence) ? entry.evidence : [entry.evidence];
}

function lookupJson(rules: RuleSet, manager: Manager, name: string, match: PackageMatch | null): object {
  if (!match) return { manager, name, key: normaliseName(namingOf(rules, manager), name), found: false, confidence: 'none', nix: [] };
  const { entry } = match;
  return {
    manager,
    name,
    key: match.key,
    found: true,
    via: match.via,
    table: match.manager,
    attrs: entry.attrs,
    nix: nixAttrs(match),
    confidence: entry.confidence,
    role: entry.role,
    ...(entry.note ? { note: entry.note } : {}),
    evidence: evidenceOf(entry),
    evidenceUrls: evidenceOf(entry).map((e) => `${NIXPKGS_BLOB}${e}`),
    ...(match.via === 'index' ? { index: true } : {}),
  };
}

function renderMatch(manager: Manager, name: string, match: PackageMatch, indexLabel: string): string {
  const { entry } = match;
  const attrs = nixAttrs(match);
  const lines = [`${manager} ${name} → ${attrs.length ? attrs.join(' + ') : 'nothing (not needed in a Nix image)'}`];
  lines.push(`  confidence: ${entry.confidence}`, `  role:       ${entry.role}`);
  if (match.via === 'rule') lines.push(`  matched:    by a naming rule, from the ${match.manager} entry "${match.key}"`);
  else if (match.key !== name && match.via !== 'index') lines.push(`  matched:    the ${match.manager} entry "${match.key}"`);
  if (match.manager === 'pip') lines.push(`  python:     shown in ${DEFAULT_PYTHON_SET}; a conversion uses the image's interpreter (e.g. python312Packages)`);
  if (entry.note) lines.push(`  note:       ${entry.note}`);
  const evidence = evidenceOf(entry);
  if (match.via === 'index') lines.push(`  matched:    in ${indexLabel}`);
  else lines.push(`  evidence:   ${NIXPKGS_BLOB}${evidence[0]}`, ...evidence.slice(1).map((e) => `              ${NIXPKGS_BLOB}${e}`));
  return `${lines.join('\n')}\n`;
}

function renderTable(rules: RuleSet, manager: Manager): string {
  const table = packageTable(rules, manager);
  const entries = Object.entries(table.packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const width = Math.min(32, Math.max(...entries.map(([k]) => k.length)));
  const lines = [`${manager}: ${entries.length} entries (rules/${manager}.json)`];
  for (const [key, entry] of entries) {
    const target = entry.attrs.length ? entry.attrs.map((a) => (manager === 'pip' ? `${DEFAULT_PYTHON_SET}.${a}` : a)).join(' + ') : '(nothing)';
    lines.push(`  ${key.padEnd(width)}  ${target}  [${entry.confidence}${entry.role !== 'runtime' ? `, ${entry.role}` : ''}]`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every attribute the tables name: packages, base images and the versioned runtimes (with their version). */
export function tableAttributes(rules: RuleSet): AttributeRequest[] {
  const requests: AttributeRequest[] = [];
  for (const manager of managers) {
    for (const [key, entry] of Object.entries(packageTable(rules, manager).packages)) {
      for (const attr of entry.attrs) {
        requests.push({ attr: manager === 'pip' ? `${DEFAULT_PYTHON_SET}.${attr}` : attr, requested: null, sources: [`rules/${manager}.json ${key}`] });
      }
    }
  }
  for (const [name, image] of Object.entries(rules.baseImages.images)) {
    for (const attr of image.attrs) requests.push({ attr, requested: null, sources: [`rules/base-images.json ${name}`] });
  }
  for (const [name, runtime] of Object.entries(rules.baseImages.runtimes)) {
    for (const [version, choice] of Object.entries(runtime.versions)) {
      requests.push({ attr: choice.attr, requested: version, sources: [`rules/base-images.json runtimes.${name} ${version}`] });
      if (choice.builder) requests.push({ attr: choice.builder, requested: null, sources: [`rules/base-images.json runtimes.${name} ${version}`] });
    }
  }
  return requests;
}

/** Exit status of `rules check` when nix-instantiate or nixpkgs is not there, so nothing was checked. */
export const NOTHING_CHECKED = 4;

async function runCheck(rules: RuleSet, options: RulesOptions, io: CliIo): Promise<number> {
  const report = await checkAttributes(tableAttributes(rules), { nixpkgs: options.nixpkgs });
  if (options.json) {
    io.stdout(renderCheckJson(report));
  } else if (report.status === 'skipped') {
    // One line on stderr: nothing was checked.
    io.stderr(renderCheckText(report));
  } else {
    io.stdout(renderCheckText(report));
  }
  // Asked to check and nothing was: not a pass (CI must not read it as one).
  if (report.status === 'skipped') return NOTHING_CHECKED;
  return report.summary.missing > 0 || report.summary.drifted > 0 ? 1 : 0;
}
