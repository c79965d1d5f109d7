/** Pure parts of the audit: comparing the two images, and summing up the rebuilds. */
import { DIFFERENCE_KINDS } from '../image/diff.js';
import { formatBytes, formatPercent } from '../image/render.js';
import type { DifferenceKind, FileDifference, ReproducibilityReport } from '../image/types.js';
import type { AuditComparison, AuditImage, AuditReproducibility, Metric, MetricComparison, ReproducibilityCheck, Side } from './types.js';
import { METRICS } from './types.js';

function metricOf(image: AuditImage, metric: Metric): number | null {
  if (metric === 'layers') return image.totals.layers;
  return image.totals[metric];
}

export function compareMetric(docker: number | null, nix: number | null): MetricComparison {
  const both = docker !== null && nix !== null;
  return {
    docker,
    nix,
    difference: both ? nix - docker : null,
    ratio: both && docker !== 0 ? nix / docker : null,
  };
}

export function compareAudit(docker: AuditImage, nix: AuditImage): AuditComparison {
  const metrics = Object.fromEntries(METRICS.map((metric) => [metric, compareMetric(metricOf(docker, metric), metricOf(nix, metric))])) as Record<
    Metric,
    MetricComparison
  >;
  const size = metrics.uncompressedBytes;
  const nixSmaller = nix.totals.uncompressedBytes < docker.totals.uncompressedBytes;
  return { docker: docker.label, nix: nix.label, metrics, nixSmaller, summary: summarise(metrics, size) };
}

function summarise(metrics: Record<Metric, MetricComparison>, size: MetricComparison): string {
  const docker = size.docker ?? 0;
  const nix = size.nix ?? 0;
  let sizeText: string;
  if (docker === nix) sizeText = `Both images are ${formatBytes(nix)}`;
  else if (docker === 0) sizeText = `The Nix image is ${formatBytes(nix)}; the Dockerfile image is empty`;
  else {
    const change = Math.abs(nix - docker) / docker;
    sizeText = `The Nix image is ${formatPercent(change)} ${nix < docker ? 'smaller' : 'larger'} (${formatBytes(nix)} against ${formatBytes(docker)})`;
  }
  const layers = metrics.layers.difference ?? 0;
  const layerText =
    layers === 0 ? 'the same number of layers' : `${Math.abs(layers)} ${layers < 0 ? 'fewer' : 'more'} layer${Math.abs(layers) === 1 ? '' : 's'}`;
  const wasted = metrics.wastedBytes;
  return `${sizeText}, with ${layerText}; wasted space ${formatBytes(wasted.nix ?? 0)} against ${formatBytes(wasted.docker ?? 0)}.`;
}

/** The two builds of one image, compared (or Nix's word that they are the same or differ). */
export interface SideRepro {
  image: Side;
  label: string;
  method: string;
  report: ReproducibilityReport | null;
  /** When there is no report: what Nix said. */
  sameWithoutReport?: boolean;
}

function zeroCounts(): Record<DifferenceKind, number> {
  return Object.fromEntries(DIFFERENCE_KINDS.map((kind) => [kind, 0])) as Record<DifferenceKind, number>;
}

export function assembleReproducibility(sides: SideRepro[], ignoreTimestamps: boolean): AuditReproducibility {
  const images: ReproducibilityCheck[] = [];
  const differences: AuditReproducibility['differences'] = [];
  const configDifferences: AuditReproducibility['configDifferences'] = [];
  for (const side of sides) {
    const report = side.report;
    if (report) {
      images.push({
        image: side.image,
        label: side.label,
        method: side.method,
        compared: true,
        identical: report.identical,
        identicalIgnoringTimestamps: report.identicalIgnoringTimestamps,
        counts: report.counts,
        configDifferences: report.configDifferences.length,
        hints: reproducibilityHints(report.differences, side.image),
      });
      for (const difference of report.differences) differences.push({ image: side.image, ...difference });
      for (const difference of report.configDifferences) configDifferences.push({ image: side.image, ...difference });
    } else {
      const same = side.sameWithoutReport === true;
      images.push({
        image: side.image,
        label: side.label,
        method: side.method,
        compared: same,
        identical: same,
        identicalIgnoringTimestamps: same,
        counts: zeroCounts(),
        configDifferences: 0,
        hints: same
          ? []
          : ['Nix found the rebuilt output different but kept no copy to compare; rerun as a user allowed to set run-diff-hook (a trusted user)'],
      });
    }
  }
  return {
    identical: images.every((image) => image.identical),
    identicalIgnoringTimestamps: images.every((image) => image.identicalIgnoringTimestamps),
    ignoreTimestamps,
    images,
    differences,
    configDifferences,
  };
}

/** Paths known to differ from one build to the next, and what to do about them. */
const KNOWN_CAUSES: Array<{ test: RegExp; hint: string }> = [
  {
    test: /^var\/log\/(apt\/|dpkg\.log|alternatives\.log)/,
    hint: 'var/log/apt/*, var/log/dpkg.log: apt and dpkg log every install with its time; delete them in the same RUN (rm -rf /var/log/apt /var/log/dpkg.log)',
  },
  {
    test: /^var\/cache\/apt\/.*\.bin$/,
    hint: "var/cache/apt/*.bin: apt's package caches are rebuilt on every run; apt-get clean or rm /var/cache/apt/*.bin in the same RUN",
  },
  { test: /^var\/cache\/ldconfig\/aux-cache$/, hint: 'var/cache/ldconfig/aux-cache: ldconfig records inode numbers and times; delete it in the same RUN' },
  { test: /^var\/lib\/apt\/lists\//, hint: 'var/lib/apt/lists/*: package indexes change as the mirror does; rm -rf /var/lib/apt/lists/* in the same RUN' },
  { test: /^var\/lib\/dpkg\/.*-old$|^var\/cache\/debconf\/.*-old$/, hint: 'dpkg and debconf keep *-old backups written at build time' },
  { test: /(^|\/)__pycache__\/|\.pyc$/, hint: '*.pyc: Python bytecode records source time stamps; set SOURCE_DATE_EPOCH or PYTHONDONTWRITEBYTECODE=1' },
  { test: /^etc\/(hostname|hosts|resolv\.conf)$/, hint: 'etc/hostname, etc/hosts, etc/resolv.conf: written by the engine for RUN steps' },
  { test: /^lib\/apk\/db\/|^var\/cache\/apk\//, hint: 'lib/apk/db, var/cache/apk: apk records install times; use apk add --no-cache' },
  { test: /^root\/\.(npm|cache)\/|^tmp\//, hint: 'caches and temporary files left by the build (root/.npm, root/.cache, tmp); clean them in the same RUN' },
];

export function reproducibilityHints(differences: readonly FileDifference[], side: Side = 'docker'): string[] {
  const hints = new Set<string>();
  let onlyTimes = differences.length > 0;
  for (const difference of differences) {
    if (difference.kind !== 'mtime') onlyTimes = false;
    for (const cause of KNOWN_CAUSES) if (cause.test.test(difference.path)) hints.add(cause.hint);
  }
  if (differences.some((difference) => difference.kind === 'mtime')) {
    const fix =
      side === 'nix'
        ? 'give every file a fixed time in the derivation (touch -d @1, or tar --mtime=@1), as dockerTools does'
        : 'build with --timestamp 0 (buildah, podman) or SOURCE_DATE_EPOCH (BuildKit) to clamp them';
    hints.add(`${onlyTimes ? 'only modification times differ' : 'modification times differ'}: ${fix}`);
  }
  return [...hints];
}

/** Group paths for a short "what still differs" line: `var/log/apt/* (2)`, single paths as they are. */
export function groupPaths(paths: readonly string[], limit = 8): string[] {
  const groups = new Map<string, string[]>();
  for (const path of new Set(paths)) {
    const slash = path.lastIndexOf('/');
    const key = path === '' ? '(whole layer)' : slash > 0 ? `${path.slice(0, slash)}/*` : path;
    groups.set(key, [...(groups.get(key) ?? []), path]);
  }
  const entries = [...groups.entries()].map(([key, members]) => (members.length === 1 ? members[0] || key : `${key} (${members.length})`));
  return entries.length > limit ? [...entries.slice(0, limit), `${entries.length - limit} more`] : entries;
}
