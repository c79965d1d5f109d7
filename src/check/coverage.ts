/**
 * How much of what real Dockerfiles install the tables resolve: the share of package names passed to
 * `apk add`, `apt-get install`, `apt install` and `pip install` that map to a nixpkgs attribute with confidence
 * `exact` or `high`. Names are read by the converter itself (no second shell parser), with an empty build
 * context, so ARG/ENV values are substituted exactly as a conversion would.
 *
 * Install commands whose names only exist at build time (`apk add $runDeps` where runDeps comes from scanelf,
 * `pip install -r requirements.txt` when the file is not in the context) cannot be counted name by name: they
 * are listed in `unread`, as the converter reports them, and stay out of the ratio.
 */
import { convertDockerfile } from '../convert/convert.js';
import type { ShellReader } from '../shell/reader.js';
import { memoryContext, type BuildContext } from '../convert/context.js';
import type { Confidence } from '../convert/types.js';
import { isDock2nixError } from '../errors.js';
import { INSTALLERS } from '../ecosystems/index.js';
import type { RuleSet } from '../rules/lookup.js';

/** The installers whose names real Dockerfiles install, counted here (src/ecosystems: Installer.coverage). */
export const coveredManagers: readonly string[] = INSTALLERS.filter((e) => e.installer.coverage).map((e) => e.id);
export type CoveredManager = string;

export interface CoverageInput {
  /** A label for messages (the file name). */
  name: string;
  text: string;
  /** The build context (a project's folder); an empty one when absent. */
  context?: BuildContext;
}

export interface ManagerCoverage {
  /** Every occurrence of a name in an install command. */
  total: number;
  /** Occurrences that map with confidence exact or high. */
  resolved: number;
  byConfidence: Record<Confidence, number>;
  /** resolved ÷ total, or null when there is nothing to measure. */
  ratio: number | null;
}

export interface UnresolvedName {
  file: string;
  line: number;
  manager: CoveredManager;
  name: string;
  confidence: Confidence;
  /** What it maps to (null: nothing, or nothing known). */
  nix: string | null;
  /** The converter's explanation; every unresolved name has one. */
  note: string | null;
}

export interface UnreadInstall {
  file: string;
  line: number;
  /** The converter's finding for the command. */
  finding: string;
}

export interface CoverageReport {
  files: number;
  managers: Record<CoveredManager, ManagerCoverage>;
  overall: ManagerCoverage;
  /** Names below high confidence, in file and line order. */
  below: UnresolvedName[];
  /** Names resolved with confidence exact or high, and the attributes they map to. */
  resolvedNames: Array<{ file: string; manager: CoveredManager; name: string; nix: string | null }>;
  unread: UnreadInstall[];
  /** Dockerfiles the converter rejected (with its one-line message). */
  failed: Array<{ file: string; message: string }>;
}

const RESOLVED: ReadonlySet<Confidence> = new Set(['exact', 'high']);

/** An install command whose names the converter could not read, as it words the finding. */
const UNREAD_INSTALL = [
  /^(?:manual: )?(?:apk|apt|pip) install.*only known at build time, so not mapped: /,
  /^(?:manual: )?((?:apk|apt-get|apt|pip\d?(?:\.\d+)?|python\d?(?:\.\d+)? -m pip)\b.*\b(?:add|install)\b.*): some words are only known at build time/,
  /^(?:manual: )?(pip install .*needs manual work: .*-r .*)$/,
];

export function measureCoverage(inputs: CoverageInput[], rules: RuleSet, shell: ShellReader): CoverageReport {
  const managers = Object.fromEntries(coveredManagers.map((m) => [m, emptyCoverage()])) as Record<CoveredManager, ManagerCoverage>;
  const overall = emptyCoverage();
  const below: UnresolvedName[] = [];
  const resolvedNames: CoverageReport['resolvedNames'] = [];
  const unread: UnreadInstall[] = [];
  const failed: CoverageReport['failed'] = [];
  for (const input of inputs) {
    let plan;
    try {
      plan = convertDockerfile(input.text, input.context ?? memoryContext({}), rules, {
        dockerfilePath: input.name,
        imageName: 'coverage',
        contextFromOutput: '..',
        outputInContext: 'nix',
        shell,
      }).plan;
    } catch (error) {
      if (!isDock2nixError(error)) throw error;
      failed.push({ file: input.name, message: error.oneLine() });
      continue;
    }
    for (const pkg of plan.packages) {
      if (!isCovered(pkg.manager)) continue;
      for (const tally of [managers[pkg.manager]!, overall]) count(tally, pkg.confidence);
      if (RESOLVED.has(pkg.confidence)) resolvedNames.push({ file: input.name, manager: pkg.manager, name: pkg.name, nix: pkg.nix });
      if (!RESOLVED.has(pkg.confidence)) {
        below.push({
          file: input.name,
          line: pkg.line,
          manager: pkg.manager,
          name: pkg.name,
          confidence: pkg.confidence,
          nix: pkg.nix,
          note: pkg.note ?? null,
        });
      }
    }
    for (const instruction of plan.instructions) {
      for (const text of [instruction.message, ...instruction.details]) {
        if (UNREAD_INSTALL.some((pattern) => pattern.test(text)))
          unread.push({ file: input.name, line: instruction.line, finding: text.replace(/^manual: /, '') });
      }
    }
  }
  for (const tally of [...Object.values(managers), overall]) tally.ratio = tally.total ? tally.resolved / tally.total : null;
  return { files: inputs.length, managers, overall, below, resolvedNames, unread, failed };
}

function isCovered(manager: string): manager is CoveredManager {
  return (coveredManagers as readonly string[]).includes(manager);
}

function emptyCoverage(): ManagerCoverage {
  return { total: 0, resolved: 0, byConfidence: { exact: 0, high: 0, low: 0, none: 0 }, ratio: null };
}

function count(tally: ManagerCoverage, confidence: Confidence): void {
  tally.total++;
  tally.byConfidence[confidence]++;
  if (RESOLVED.has(confidence)) tally.resolved++;
}

/** `apk   136 names  100.0%  (exact 120, high 16, low 0, none 0)`, one line per manager and overall. */
export function renderCoverage(report: CoverageReport): string {
  const lines: string[] = [];
  const row = (label: string, c: ManagerCoverage) => {
    const pct = c.ratio === null ? '   n/a' : `${(c.ratio * 100).toFixed(1).padStart(5)}%`;
    const b = c.byConfidence;
    lines.push(`${label.padEnd(8)} ${String(c.total).padStart(4)} names  ${pct}  (exact ${b.exact}, high ${b.high}, low ${b.low}, none ${b.none})`);
  };
  lines.push(`Package names resolved with confidence exact or high, over ${report.files} Dockerfiles:`);
  for (const manager of coveredManagers) row(manager, report.managers[manager]!);
  row('overall', report.overall);
  if (report.below.length) {
    lines.push('', 'Below high confidence:');
    for (const b of report.below) lines.push(`  ${b.file}:${b.line}  ${b.manager} ${b.name} → ${b.nix ?? 'nothing'} (${b.confidence}): ${b.note ?? 'no note'}`);
  }
  if (report.unread.length) {
    lines.push('', 'Install commands whose names are only known at build time (reported by the converter, not counted):');
    for (const u of report.unread) lines.push(`  ${u.file}:${u.line}  ${u.finding.length > 160 ? `${u.finding.slice(0, 157)}...` : u.finding}`);
  }
  if (report.failed.length) {
    lines.push('', 'Dockerfiles the converter rejected:');
    for (const f of report.failed) lines.push(`  ${f.file}: ${f.message}`);
  }
  return `${lines.join('\n')}\n`;
}
