/**
 * CI gates (`--fail-on`), as dive's CI mode has: rules that make the audit exit non-zero.
 *
 *   nix-not-smaller            the Nix image's layers are not smaller than the Dockerfile image's
 *   not-reproducible           a rebuild differed (needs --repro; --ignore-timestamps lets time stamps pass)
 *   not-equivalent             the equivalence verdict is "not equivalent" (needs both images)
 *   [docker.|nix.]METRIC OP V  e.g. efficiency<0.9, nix.wasted>20MB, docker.size>=1GiB, layers>100
 *
 * METRIC: efficiency (a ratio, or a percentage: 90%), wasted (bytes), size (bytes of layer tars), content
 * (bytes of file content), layers, files. OP: < <= > >=. Bytes take B, KB, MB, GB (powers of 1000) or KiB,
 * MiB, GiB (powers of 1024). Without a side prefix a metric rule applies to every image.
 */
import { Dock2nixError } from '../errors.js';
import { formatBytes, formatPercent } from '../image/render.js';
import type { AuditImage, AuditReport, GateResult, Side } from './types.js';

const METRIC_NAMES = ['efficiency', 'wasted', 'size', 'content', 'layers', 'files'] as const;
type GateMetric = (typeof METRIC_NAMES)[number];
type Operator = '<' | '<=' | '>' | '>=';

export type Gate =
  | { rule: string; kind: 'nix-not-smaller' }
  | { rule: string; kind: 'not-reproducible' }
  | { rule: string; kind: 'not-equivalent' }
  | { rule: string; kind: 'metric'; side: Side | null; metric: GateMetric; operator: Operator; value: number };

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  k: 1e3,
  m: 1e6,
  g: 1e9,
};

function parseValue(metric: GateMetric, text: string, rule: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z%]*)$/i.exec(text.trim());
  if (!match) throw usage(rule, `"${text}" is not a number`);
  const number = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  if (metric === 'efficiency') {
    if (unit === '%') return number / 100;
    if (unit !== '') throw usage(rule, 'efficiency is a ratio (0.9) or a percentage (90%)');
    if (number > 1) throw usage(rule, 'efficiency is between 0 and 1 (or write a percentage: 90%)');
    return number;
  }
  if (metric === 'layers' || metric === 'files') {
    if (unit !== '' || !Number.isInteger(number)) throw usage(rule, `${metric} is a whole number`);
    return number;
  }
  if (unit === '') return number;
  const factor = UNITS[unit];
  if (factor === undefined) throw usage(rule, `unknown unit "${match[2]}" (use B, KB, MB, GB, KiB, MiB or GiB)`);
  return number * factor;
}

function usage(rule: string, why: string): Dock2nixError {
  return new Dock2nixError('E_USAGE', `--fail-on ${JSON.stringify(rule)}: ${why}`);
}

/** Parse every --fail-on value (each may hold several rules separated by commas). */
export function parseGates(values: readonly string[]): Gate[] {
  const gates: Gate[] = [];
  for (const value of values) {
    for (const raw of value.split(',')) {
      const rule = raw.trim();
      if (rule === '') continue;
      if (rule === 'nix-not-smaller' || rule === 'not-reproducible' || rule === 'not-equivalent') {
        gates.push({ rule, kind: rule });
        continue;
      }
      const match = /^(?:(docker|nix)\.)?([a-z-]+)\s*(<=|>=|<|>)\s*(.+)$/.exec(rule);
      if (!match) {
        throw usage(rule, 'expected nix-not-smaller, not-reproducible, not-equivalent, or METRIC<VALUE such as efficiency<0.9 or nix.wasted>20MB');
      }
      const metricName = match[2] === 'wasted-bytes' ? 'wasted' : match[2];
      if (!(METRIC_NAMES as readonly string[]).includes(metricName!)) throw usage(rule, `unknown metric "${match[2]}" (one of ${METRIC_NAMES.join(', ')})`);
      const metric = metricName as GateMetric;
      gates.push({
        rule,
        kind: 'metric',
        side: (match[1] as Side | undefined) ?? null,
        metric,
        operator: match[3] as Operator,
        value: parseValue(metric, match[4]!, rule),
      });
    }
  }
  return gates;
}

/** Refuse, before building anything, gates that this run could never evaluate. */
export function checkGatesApplicable(gates: readonly Gate[], sides: readonly Side[], repro: boolean): void {
  for (const gate of gates) {
    if ((gate.kind === 'nix-not-smaller' || gate.kind === 'not-equivalent') && !(sides.includes('docker') && sides.includes('nix')))
      throw usage(gate.rule, 'needs both a Dockerfile image and a Nix image');
    if (gate.kind === 'not-reproducible' && !repro) throw usage(gate.rule, 'needs --repro (and images that dock2nix builds)');
    if (gate.kind === 'metric' && gate.side && !sides.includes(gate.side)) throw usage(gate.rule, `there is no ${gate.side} image in this audit`);
  }
}

function measure(image: AuditImage, metric: GateMetric): number {
  switch (metric) {
    case 'efficiency':
      return image.totals.efficiency;
    case 'wasted':
      return image.totals.wastedBytes;
    case 'size':
      return image.totals.uncompressedBytes;
    case 'content':
      return image.totals.contentBytes;
    case 'layers':
      return image.totals.layers;
    case 'files':
      return image.totals.files;
  }
}

function shown(metric: GateMetric, value: number): string {
  if (metric === 'efficiency') return formatPercent(value);
  if (metric === 'layers' || metric === 'files') return String(value);
  return formatBytes(value);
}

function holds(actual: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
  }
}

/** Evaluate the gates against a finished report. A gate fails when its condition holds. */
export function evaluateGates(gates: readonly Gate[], report: AuditReport): GateResult[] {
  const results: GateResult[] = [];
  for (const gate of gates) {
    if (gate.kind === 'nix-not-smaller') {
      const docker = report.images.find((image) => image.role === 'docker');
      const nix = report.images.find((image) => image.role === 'nix');
      if (!docker || !nix) {
        results.push({ rule: gate.rule, passed: false, detail: 'there are not two images to compare' });
        continue;
      }
      const smaller = nix.totals.uncompressedBytes < docker.totals.uncompressedBytes;
      results.push({
        rule: gate.rule,
        passed: smaller,
        detail: `Nix ${formatBytes(nix.totals.uncompressedBytes)} ${smaller ? '<' : '>='} Dockerfile ${formatBytes(docker.totals.uncompressedBytes)}`,
      });
    } else if (gate.kind === 'not-equivalent') {
      const verdict = report.equivalence?.verdict;
      if (!verdict) results.push({ rule: gate.rule, passed: false, detail: 'there are not two images to compare' });
      else results.push({ rule: gate.rule, passed: verdict.status !== 'not-equivalent', detail: verdict.line.replace(/^Verdict: /, '') });
    } else if (gate.kind === 'not-reproducible') {
      const repro = report.reproducibility;
      if (!repro || repro.images.length === 0) {
        results.push({ rule: gate.rule, passed: false, detail: 'no image was rebuilt to check' });
        continue;
      }
      const ok = (check: (typeof repro.images)[number]): boolean => (repro.ignoreTimestamps ? check.identicalIgnoringTimestamps : check.identical);
      const bad = repro.images.filter((check) => !ok(check));
      results.push({
        rule: gate.rule,
        passed: bad.length === 0,
        detail:
          bad.length === 0
            ? `every rebuild was identical${repro.ignoreTimestamps ? ' (time stamps ignored)' : ''}`
            : `${bad.map((check) => check.image).join(' and ')} rebuilt differently`,
      });
    } else {
      const images = report.images.filter((image) => gate.side === null || image.role === gate.side);
      const failing = images.filter((image) => holds(measure(image, gate.metric), gate.operator, gate.value));
      const values = images.map((image) => `${image.role} ${shown(gate.metric, measure(image, gate.metric))}`).join(', ');
      results.push({ rule: gate.rule, passed: failing.length === 0, detail: `${gate.metric}: ${values || 'no image'}` });
    }
  }
  return results;
}
