/**
 * Package installs (apk, apt, dnf, pip, npm -g: the ecosystems with an installer) become nixpkgs attributes through the rule tables. Every name is
 * reported with its confidence; unknown names are reported, never guessed.
 */
import { checkAttribute, choosePython, explainMiss, lookupPackage, type Manager, type PackageMatch, type RuleSet } from '../../rules/lookup.js';
import { confidenceStatus, worst, type CommandScope, type Outcome, type StageState } from '../stage.js';
import type { Confidence, PackageReport } from '../types.js';

export interface PackageRequest {
  name: string;
  version: string | null;
  /** pip extras (`fastapi[standard]`), lower case. */
  extras?: string[];
}

/** Marks a word whose value is only known at build time (the dispatch prefixes it); installers skip such names. */
export const DYNAMIC = '\u0000';

const PYTHON_INTERPRETER = /^python3\d*$/;
const NODE_RUNTIME = /^nodejs(_\d+)?$/;

export function installPackages(scope: CommandScope, manager: Manager, requests: PackageRequest[], options: { virtualGroup?: string } = {}): Outcome {
  const { stage, rules, line } = scope;
  const mapped: string[] = [];
  const unknown: string[] = [];
  const dropped: string[] = [];
  const leftOut: string[] = [];
  const pinned: string[] = [];
  const confidences: Confidence[] = [];
  const added: string[] = [];
  for (const request of requests) {
    // A name only known at build time (`$PKGS` with no value here): the caller reports it.
    if (request.name.startsWith(DYNAMIC)) continue;
    // An empty word (`apk add curl $EXTRA` with EXTRA empty): the shell passes no name at all.
    if (request.name === '') continue;
    if (request.version) pinned.push(`${request.name} ${request.version}`);
    const decided = scope.decisions.package(manager, request.name);
    const python = { python: stage.runtimes.python?.attr ?? 'python3' };
    const match = decided
      ? decidedMatch(manager, request.name, decided.attr, checkChosen(rules, manager, decided.attr, python.python))
      : lookupPackage(rules, manager, request.name, python);
    const report: PackageReport = {
      manager,
      name: request.name,
      version: request.version,
      nix: null,
      confidence: 'none',
      line,
      role: 'runtime',
      stage: stage.index,
    };
    if (!match) {
      const refused = explainMiss(rules, manager, request.name, python);
      report.note = refused
        ? `not mapped: ${refused}; choose another attribute by hand`
        : `no nixpkgs attribute is known for ${manager} package "${request.name}"; add it by hand or to rules/${manager}.json`;
      stage.packageReports.push(report);
      unknown.push(request.name);
      confidences.push('none');
      continue;
    }
    const { entry } = match;
    report.confidence = entry.confidence;
    report.role = entry.role;
    if (entry.note && entry.confidence !== 'exact') report.note = entry.note;
    if (entry.attrs.length === 0) {
      report.note = entry.note ?? 'not needed in a Nix image';
      stage.packageReports.push(report);
      (decided ? leftOut : dropped).push(request.name);
      confidences.push(entry.confidence);
      continue;
    }
    const attrs = match.manager === 'pip' ? entry.attrs.map((attr) => `${pythonSet(scope)}.${attr}`) : entry.attrs;
    report.nix = attrs.join(' ');
    if (match.via === 'rule' && !report.note) report.note = 'derived by a naming rule';
    stage.packageReports.push(report);
    confidences.push(entry.confidence);
    mapped.push(`${request.name} → ${attrs.join(' + ')}${entry.confidence === 'low' ? ` (low confidence: ${report.note})` : ''}`);
    if (match.manager === 'pip' && request.extras?.length) {
      // Not installed yet: say so rather than drop them silently (nixpkgs has many as passthru.optional-dependencies).
      const extras = request.extras.map((extra) => `[${extra}]`).join('');
      const text = `the extras ${request.name}${extras} are not installed: add their packages to the environment (in nixpkgs, ps.<attribute>.optional-dependencies.<extra> where the package declares them)`;
      report.note = report.note ? `${report.note}; ${text}` : text;
      mapped.push(text);
      confidences.push('low');
    }
    for (const attr of entry.attrs) {
      if (match.manager === 'pip') {
        stage.pythonPackages.add(attr);
        continue;
      }
      if (PYTHON_INTERPRETER.test(attr)) {
        usePython(scope, attr);
        continue;
      }
      if (NODE_RUNTIME.test(attr)) {
        stage.runtimes.nodejs ??= { runtime: 'nodejs', version: attr, attr, substitution: null, requested: null };
        continue;
      }
      if (attr === 'cacert' || attr === 'dockerTools.caCertificates') {
        stage.needs.caCertificates = true;
        stage.needReasons.push(`line ${line}: ${request.name} installs CA certificates`);
        continue;
      }
      if (attr === 'tzdata') {
        stage.needs.tzdata = true;
        stage.needReasons.push(`line ${line}: ${request.name} installs time zone data`);
        continue;
      }
      stage.packages.set(attr, entry.role === 'build' ? 'build' : (stage.packages.get(attr) ?? 'runtime'));
      if (attr === 'busybox' && entry.role !== 'build') stage.hasShell = true;
      added.push(attr);
    }
  }
  if (options.virtualGroup) stage.virtualGroups.set(options.virtualGroup, added);
  const setBefore = `${pythonSet(scope)}.`;
  const switched = settlePython(stage, rules);
  if (switched) mapped.forEach((text, i) => (mapped[i] = text.split(setBefore).join(`${pythonSet(scope)}.`)));

  const parts: string[] = [];
  if (mapped.length) parts.push(mapped.join(', '));
  if (dropped.length) parts.push(`not needed in Nix: ${dropped.join(', ')}`);
  if (leftOut.length) parts.push(`left out by your answers: ${leftOut.join(', ')}`);
  if (unknown.length) parts.push(`unmapped: ${unknown.join(', ')}`);
  if (switched) parts.push(switched);
  if (pinned.length) parts.push(`pinned versions are decided by the flake's nixpkgs input, not by the Dockerfile: ${pinned.join(', ')}`);
  // A different Python than the Dockerfile's is an approximation of what it installed.
  const status = worst([
    ...confidences.map((c) => ({ status: confidenceStatus(c), rule: '', message: '' })),
    ...(switched ? [{ status: 'approximated' as const, rule: '', message: '' }] : []),
  ]);
  return {
    status: requests.every((r) => r.name === '') ? 'ignored' : status,
    rule: `run.${manager}.install`,
    message: `${manager} install: ${parts.join('; ') || 'nothing to install'}`,
  };
}

/** Why a chosen attribute is not known to exist (or is refused) in the nixpkgs index, or null. */
function checkChosen(rules: RuleSet, manager: Manager, attr: string | null, python: string): string | null {
  return attr === null ? null : checkAttribute(rules, manager, attr, python);
}

/** A person's choice stands in for the table: an attribute, or nothing at all; `high` only when nixpkgs has it. */
function decidedMatch(manager: Manager, name: string, attr: string | null, problem: string | null = null): PackageMatch {
  return {
    key: name,
    via: 'table',
    manager,
    entry: {
      attrs: attr === null ? [] : [attr],
      confidence: problem ? 'low' : 'high',
      role: 'runtime',
      note: attr === null ? 'left out by your answers file' : `${attr} chosen in your answers file${problem ? `, but ${problem}` : ''}`,
      // A person's choice, not a table entry: there is no nixpkgs source to cite.
      evidence: [],
    },
  };
}

/**
 * Moves the stage to the nearest Python whose package set has every requested package usable, when the
 * current one's does not (python311's Django does not instantiate any more). Returns the finding, or null.
 */
export function settlePython(stage: StageState, rules: RuleSet): string | null {
  if (!stage.pythonPackages.size) return null;
  const current = stage.runtimes.python ?? { runtime: 'python', version: '3', attr: 'python3', substitution: null, requested: null };
  const better = choosePython(rules, current, [...stage.pythonPackages]);
  if (!better) return null;
  const from = `${current.attr}Packages.`;
  const to = `${better.choice.attr}Packages.`;
  for (const report of stage.packageReports) {
    if (report.manager === 'pip' && report.nix)
      report.nix = report.nix
        .split(' ')
        .map((a) => (a.startsWith(from) ? to + a.slice(from.length) : a))
        .join(' ');
  }
  stage.runtimes.python = better.choice;
  return better.reason;
}

/** The interpreter's package set, e.g. `python312Packages`. */
export function pythonSet(scope: CommandScope): string {
  const attr = scope.stage.runtimes.python?.attr ?? 'python3';
  return `${attr}Packages`;
}

export function usePython(scope: CommandScope, attr: string): void {
  if (scope.stage.runtimes.python) return;
  const table = scope.rules.baseImages.runtimes.python!;
  const version = Object.entries(table.versions).find(([, v]) => v.attr === attr)?.[0] ?? table.default;
  scope.stage.runtimes.python = { runtime: 'python', version, attr, substitution: null, requested: null };
}
