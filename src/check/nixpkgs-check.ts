/**
 * Checks attribute paths against the nixpkgs the user has, with the real `nix-instantiate`: is each attribute
 * there, can nixpkgs build it (not broken, insecure, unfree or for another platform), which version it carries,
 * and whether that version is the one the Dockerfile asked for.
 *
 * All attributes are evaluated in one `nix-instantiate --eval --strict --json` call; each lookup runs under
 * `builtins.tryEval`, so an alias that nixpkgs replaced with `throw` is reported, not fatal. `tryEval` drops
 * the error message, so for each attribute that throws (at most `reasonLookups` of them) one more call reads
 * the message (which usually names the replacement). Without Nix, or without a nixpkgs to check against, the
 * check is skipped with a one-line reason. User data reaches Nix only as a JSON `--argstr`, never as code.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { Dock2nixError } from '../errors.js';
import { chooseRuntime, lookupBaseImage, type RuleSet } from '../rules/lookup.js';
import type { MigrationPlan } from '../convert/types.js';
import { defaultExpression } from '../nix/emit.js';
import { usedAttributes } from '../nix/attrs.js';
import { ATTRIBUTE_PATH } from '../nix/attribute-path.js';
import { versionDrift } from './versions.js';

export interface AttributeRequest {
  /** A nixpkgs attribute path: `curl`, `openssl.dev`, `python312Packages.flask`, `dockerTools.fakeNss`. */
  attr: string;
  /** The version the Dockerfile asked for (a pin, a specifier or a base-image tag's version), or null. */
  requested: string | null;
  /** What uses the attribute, for the report: `apk curl (line 4)`, `rules/apk.json curl`. */
  sources: string[];
}

export type AttributeProblem = 'missing' | 'throws' | 'unavailable';

export interface AttributeCheck {
  attr: string;
  present: boolean;
  /** missing: not defined; throws: evaluating it throws (removed aliases); unavailable: nixpkgs refuses to build it. */
  problem: AttributeProblem | null;
  /** Why it is not usable, in words (with nixpkgs' own message for attributes that throw). */
  reason: string | null;
  /** The attribute's `version` (or the version in its `name`); null when it has none (functions, sets). */
  version: string | null;
  requested: string | null;
  /** true when `version` does not satisfy `requested`; null when there is nothing to compare. */
  drift: boolean | null;
  /** Why `drift` is null although a version was requested. */
  driftNote?: string;
  sources: string[];
}

export interface CheckReport {
  status: 'checked' | 'skipped';
  /** One line saying why the check did not run. */
  skipReason: string | null;
  /** `<nixpkgs>` (from NIX_PATH) or the absolute path given with --nixpkgs. */
  nixpkgs: string;
  attributes: AttributeCheck[];
  summary: { checked: number; present: number; missing: number; drifted: number };
}

export interface CheckOptions {
  /** A nixpkgs folder (or file); default: `<nixpkgs>` from NIX_PATH. */
  nixpkgs?: string;
  /** The nix-instantiate program (tests point it elsewhere to simulate a machine without Nix). */
  command?: string;
  /** Environment overrides for nix-instantiate (e.g. NIX_PATH). */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** How many throwing attributes get a second call to read nixpkgs' message. */
  reasonLookups?: number;
}

/**
 * The attributes a conversion's output uses, checked against the user's nixpkgs.
 *
 * Contract (for `dock2nix convert --check`): `plan` is the plan `convertDockerfile` returned. Every nixpkgs
 * attribute path the generated Nix selects from `pkgs` is checked: package installs (`plan.packages[].nix`,
 * with the version the Dockerfile pinned), the image contents, the Python interpreter and its packages,
 * symlink targets, the build helpers and inputs of each derivation, and the image builder itself. Runtimes
 * chosen from a base-image tag (`python:3.12` → `python312`) carry the tag's version as the requested one.
 * Resolves to `status: 'skipped'` with a one-line `skipReason` when nix-instantiate or nixpkgs is not there;
 * throws Dock2nixError when `options.nixpkgs` does not exist or nixpkgs itself fails to evaluate. Never
 * writes files; runs nix-instantiate once, plus once per attribute that throws (at most 10).
 */
export async function checkPlan(plan: MigrationPlan, rules: RuleSet, options: { nixpkgs?: string } & CheckOptions = {}): Promise<CheckReport> {
  return checkAttributes(planAttributes(plan, rules), options);
}

/**
 * The attribute paths a plan's generated Nix uses, each with what asked for it: exactly those default.nix selects
 * from nixpkgs (read from the emitted syntax tree), with the Dockerfile line that installed a package as its source.
 */
export function planAttributes(plan: MigrationPlan, rules: RuleSet): AttributeRequest[] {
  const requests = new RequestList();
  // Read from the emitted tree (src/nix/attrs.ts): what the Nix selects is what is checked, nothing listed here.
  const used = usedAttributes(defaultExpression(plan));
  for (const pkg of plan.packages) {
    if (!pkg.nix) continue;
    const source = `${pkg.manager} ${pkg.name}${pkg.version ? ` ${pkg.version}` : ''} (line ${pkg.line})`;
    for (const attr of pkg.nix.split(/\s+/).filter(Boolean)) if (used.has(attr)) requests.add(attr, pkg.version, source);
  }
  for (const attr of [...used].sort()) requests.add(attr, null, null);
  // A runtime picked from a base-image tag asks for the tag's version (`python:3.12-slim` → python312 at 3.12).
  for (const stage of plan.stages) {
    const match = lookupBaseImage(rules, stage.from);
    if (!match.image?.runtime || !rules.baseImages.runtimes[match.image.runtime]) continue;
    const choice = chooseRuntime(rules, match.image.runtime, match.tag);
    if (choice.requested && /^\d/.test(choice.requested)) requests.request(choice.attr, choice.requested, `FROM ${stage.from}`);
  }
  return requests.list();
}

/** Requests merged by attribute: the first requested version wins, sources accumulate. */
class RequestList {
  private readonly byAttr = new Map<string, AttributeRequest>();
  add(attr: string, requested: string | null, source: string | null): void {
    const existing = this.byAttr.get(attr);
    if (!existing) {
      this.byAttr.set(attr, { attr, requested, sources: source === null ? [] : [source] });
      return;
    }
    existing.requested ??= requested;
    if (source !== null && !existing.sources.includes(source)) existing.sources.push(source);
  }
  /** Only for attributes already used: a version without a use is not checked. */
  request(attr: string, requested: string, source: string): void {
    const existing = this.byAttr.get(attr);
    if (!existing) return;
    existing.requested ??= requested;
    if (!existing.sources.includes(source)) existing.sources.push(source);
  }
  list(): AttributeRequest[] {
    return [...this.byAttr.values()];
  }
}

/** Shape of one answer from EVAL_EXPRESSION. */
interface RawResult {
  status: 'ok' | 'missing' | 'throws';
  /** How many path segments were resolved before it stopped. */
  depth: number;
  notSet: boolean;
  version: string | null;
  available: boolean | null;
  broken: boolean;
  insecure: string[];
  unfree: boolean;
}

/**
 * One evaluation for every path. `requestsJson` is a JSON list of paths (lists of attribute names). Nothing
 * the user wrote is spliced into this text. `import <nixpkgs> {}` is forced outside tryEval, so a missing
 * nixpkgs fails the call instead of making every attribute look missing.
 */
const EVAL_EXPRESSION = `
{ requestsJson }:
let
  pkgs = import <nixpkgs> { };
  paths = builtins.fromJSON requestsJson;
  shallow = e: builtins.tryEval e;
  deep = e: builtins.tryEval (builtins.deepSeq e e);
  orElse = r: d: if r.success then r.value else d;
  step = acc: name:
    if acc.status != "ok" then acc
    else
      let has = shallow (builtins.isAttrs acc.value && builtins.hasAttr name acc.value);
      in
      if !has.success then acc // { status = "throws"; value = null; }
      else if !has.value then acc // { status = "missing"; notSet = !(builtins.isAttrs acc.value); value = null; }
      else
        let v = shallow acc.value.\${name};
        in
        if v.success then acc // { depth = acc.depth + 1; value = v.value; }
        else acc // { status = "throws"; value = null; };
  describe = v:
    let
      isSet = builtins.isAttrs v;
      version = orElse (deep (
        if !isSet then null
        else if v ? version && (builtins.isString v.version || builtins.isInt v.version) then toString v.version
        else if v ? name && builtins.isString v.name then
          (let parsed = (builtins.parseDrvName v.name).version; in if parsed == "" then null else parsed)
        else null)) null;
      meta = orElse (shallow (if isSet && v ? meta && builtins.isAttrs v.meta then v.meta else { })) { };
      available = orElse (deep (if meta ? available then meta.available == true else true)) null;
      broken = orElse (deep ((meta.broken or false) == true)) false;
      insecure = orElse (deep (builtins.filter builtins.isString (meta.knownVulnerabilities or [ ]))) [ ];
      unfree = orElse (deep (
        let l = meta.license or [ ]; ls = if builtins.isList l then l else [ l ];
        in builtins.any (x: builtins.isAttrs x && (x.free or true) == false) ls)) false;
    in { inherit version available broken insecure unfree; };
  check = path:
    let
      r = builtins.foldl' step { status = "ok"; depth = 0; notSet = false; value = pkgs; } path;
      none = { version = null; available = null; broken = false; insecure = [ ]; unfree = false; };
    in
    { inherit (r) status depth notSet; } // (if r.status == "ok" then describe r.value else none);
in
builtins.seq pkgs (map check paths)
`;

/** Forces a path without tryEval, so the error (and its message) reaches stderr. */
const REASON_EXPRESSION = `
{ pathJson }:
let pkgs = import <nixpkgs> { };
in builtins.seq (builtins.foldl' (acc: name: acc.\${name}) pkgs (builtins.fromJSON pathJson)) null
`;

const NIXPKGS_NOT_FOUND = /file 'nixpkgs' was not found in the Nix search path|cannot look up '<nixpkgs>'/;

export async function checkAttributes(requests: AttributeRequest[], options: CheckOptions = {}): Promise<CheckReport> {
  const nixpkgs = options.nixpkgs ? resolveNixpkgs(options.nixpkgs) : null;
  const label = nixpkgs ?? '<nixpkgs>';
  const merged = mergeRequests(requests);
  if (!merged.length) return report('checked', null, label, []);
  const command = options.command ?? 'nix-instantiate';
  const include = nixpkgs ? ['-I', `nixpkgs=${nixpkgs}`] : [];
  const paths = merged.map((r) => splitAttrPath(r.attr));
  const result = await execa(command, ['--eval', '--strict', '--json', ...include, '--argstr', 'requestsJson', JSON.stringify(paths), '-E', EVAL_EXPRESSION], {
    reject: false,
    timeout: options.timeoutMs ?? 600_000,
    env: options.env,
    extendEnv: true,
    stdin: 'ignore',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.failed) {
    if (result.code === 'ENOENT') {
      return report('skipped', `nixpkgs check skipped: ${command} is not installed (install Nix to check attributes against your nixpkgs)`, label, []);
    }
    if (result.timedOut)
      throw new Dock2nixError('E_ENGINE', `nix-instantiate did not finish evaluating ${label} within ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s`);
    const stderr = String(result.stderr ?? '');
    if (NIXPKGS_NOT_FOUND.test(stderr)) {
      return report('skipped', 'nixpkgs check skipped: <nixpkgs> is not on NIX_PATH (set NIX_PATH, or pass --nixpkgs PATH)', label, []);
    }
    throw new Dock2nixError(
      'E_ENGINE',
      `nix-instantiate could not evaluate ${label}: ${errorMessage(stderr) ?? `exit status ${result.exitCode ?? 'unknown'}`}`,
    );
  }
  let raw: RawResult[];
  try {
    raw = JSON.parse(String(result.stdout)) as RawResult[];
  } catch {
    throw new Dock2nixError('E_ENGINE', `nix-instantiate printed something that is not JSON while evaluating ${label}`);
  }
  if (!Array.isArray(raw) || raw.length !== merged.length)
    throw new Dock2nixError('E_ENGINE', `nix-instantiate returned ${Array.isArray(raw) ? raw.length : 'no'} results for ${merged.length} attributes`);

  // Read nixpkgs' message for attributes that throw, once per throwing prefix (`python27Packages` for all of its packages).
  const messages = new Map<string, string | null>();
  const budget = options.reasonLookups ?? 10;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]!.status !== 'throws') continue;
    const prefix = paths[i]!.slice(0, raw[i]!.depth + 1);
    const key = prefix.join('.');
    if (messages.has(key) || messages.size >= budget) continue;
    const lookup = await execa(command, ['--eval', ...include, '--argstr', 'pathJson', JSON.stringify(prefix), '-E', REASON_EXPRESSION], {
      reject: false,
      timeout: options.timeoutMs ?? 600_000,
      env: options.env,
      extendEnv: true,
      stdin: 'ignore',
    });
    messages.set(key, lookup.failed ? errorMessage(String(lookup.stderr ?? '')) : null);
  }

  const attributes = merged.map((request, i): AttributeCheck => {
    const r = raw[i]!;
    const segments = paths[i]!;
    const base = { attr: request.attr, requested: request.requested, sources: request.sources };
    if (r.status === 'missing') {
      const parent = segments.slice(0, r.depth).join('.');
      const name = segments[r.depth]!;
      const reason =
        r.depth === 0
          ? `nixpkgs has no attribute "${name}"`
          : r.notSet
            ? `"${parent}" is not an attribute set, so it has no "${name}"`
            : `"${parent}" has no attribute "${name}"`;
      return { ...base, present: false, problem: 'missing', reason, version: null, drift: null };
    }
    if (r.status === 'throws') {
      const prefix = segments.slice(0, r.depth + 1).join('.');
      const message = messages.get(prefix);
      const reason = `evaluating "${prefix}" throws${message ? `: ${message}` : ' (an alias nixpkgs removed, or an error in its definition)'}`;
      return { ...base, present: false, problem: 'throws', reason, version: null, drift: null };
    }
    if (r.available === false || r.broken) {
      return { ...base, present: false, problem: 'unavailable', reason: unavailableReason(r), version: r.version, drift: null };
    }
    const drift = versionDrift(request.requested, r.version);
    const check: AttributeCheck = { ...base, present: true, problem: null, reason: null, version: r.version, drift: drift.drift };
    if (request.requested !== null && drift.drift === null && drift.reason) check.driftNote = drift.reason;
    return check;
  });
  return report('checked', null, label, attributes);
}

function unavailableReason(r: RawResult): string {
  if (r.broken) return 'marked broken in nixpkgs (meta.broken); it does not build unless allowBroken is set';
  if (r.insecure.length) return `marked insecure in nixpkgs: ${r.insecure[0]}`;
  if (r.unfree) return 'unfree; nixpkgs builds it only with allowUnfree';
  return 'not available for this platform or configuration (meta.available is false)';
}

function report(status: CheckReport['status'], skipReason: string | null, nixpkgs: string, attributes: AttributeCheck[]): CheckReport {
  return {
    status,
    skipReason,
    nixpkgs,
    attributes,
    summary: {
      checked: attributes.length,
      present: attributes.filter((a) => a.present).length,
      missing: attributes.filter((a) => !a.present).length,
      drifted: attributes.filter((a) => a.drift === true).length,
    },
  };
}

function resolveNixpkgs(given: string): string {
  const absolute = path.resolve(given);
  if (!existsSync(absolute))
    throw new Dock2nixError('E_NOT_FOUND', 'nixpkgs not found (--nixpkgs expects a nixpkgs checkout or a folder with a default.nix)', { file: given });
  return absolute;
}

function mergeRequests(requests: AttributeRequest[]): AttributeRequest[] {
  const list = new RequestList();
  for (const request of requests) {
    splitAttrPath(request.attr);
    if (!request.sources.length) list.add(request.attr, request.requested, null);
    for (const source of request.sources) list.add(request.attr, request.requested, source);
  }
  return list.list();
}

/** `python312Packages.flask` → ["python312Packages", "flask"]; quoted segments are not supported. */
function splitAttrPath(attr: string): string[] {
  if (!ATTRIBUTE_PATH.test(attr)) {
    throw new Dock2nixError('E_INPUT', `"${attr}" is not a nixpkgs attribute path`);
  }
  return attr.split('.');
}

/** The message of the innermost `error:` line Nix printed (Nix 2.8 prints one; newer versions add traces). */
function errorMessage(stderr: string): string | null {
  const lines = stderr
    .split('\n')
    .map((l) => /^\s*error:\s*(.*\S)\s*$/.exec(l)?.[1])
    .filter((l): l is string => !!l);
  const last = lines[lines.length - 1];
  if (!last) return null;
  return last.length > 240 ? `${last.slice(0, 237)}...` : last;
}

/** Text for a terminal: the one-line skip reason, or what is missing, what drifted and a summary. */
export function renderCheckText(report: CheckReport, options: { all?: boolean } = {}): string {
  if (report.status === 'skipped') return `${report.skipReason}\n`;
  const lines: string[] = [];
  const width = Math.min(40, Math.max(0, ...report.attributes.map((a) => a.attr.length)));
  const pad = (text: string) => text.padEnd(width);
  const from = (a: AttributeCheck) =>
    a.sources.length ? `  [${a.sources.slice(0, 3).join('; ')}${a.sources.length > 3 ? `; +${a.sources.length - 3} more` : ''}]` : '';
  const missing = report.attributes.filter((a) => !a.present);
  if (missing.length) {
    lines.push(`Missing from ${report.nixpkgs}:`);
    for (const a of missing) lines.push(`  ${pad(a.attr)}  ${a.reason}${from(a)}`);
  }
  const versioned = report.attributes.filter((a) => a.present && a.requested !== null);
  if (versioned.length) {
    lines.push('Versions (nixpkgs vs requested):');
    for (const a of versioned) {
      const verdict = a.drift === true ? 'DRIFT' : a.drift === false ? 'ok' : `not compared: ${a.driftNote ?? 'no version'}`;
      lines.push(`  ${pad(a.attr)}  ${a.version ?? '(no version)'} vs ${a.requested}  ${verdict}${from(a)}`);
    }
  }
  if (options.all) {
    const rest = report.attributes.filter((a) => a.present && a.requested === null);
    if (rest.length) {
      lines.push('Present:');
      for (const a of rest) lines.push(`  ${pad(a.attr)}  ${a.version ?? '(no version)'}`);
    }
  }
  const s = report.summary;
  lines.push(
    `Checked ${s.checked} attribute${s.checked === 1 ? '' : 's'} against ${report.nixpkgs}: ${s.present} present, ${s.missing} missing, ${s.drifted} with version drift.`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderCheckJson(report: CheckReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
