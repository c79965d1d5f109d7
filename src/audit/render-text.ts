/** The audit as terminal text: a side-by-side summary table, then each image as `dock2nix inspect` shows it. */
import { formatBytes, formatPercent, renderImageReport, table, TEXT_DIFFERENCE_LIMIT, WIDTH } from '../image/render.js';
import { equivalenceText } from './render-equivalence.js';
import { groupPaths } from './report.js';
import type { AuditImage, AuditReport, Metric, MetricComparison, Side } from './types.js';
import { visibleLength } from '../visible-text.js';

export const SIDE_TITLE: Record<Side, string> = { docker: 'Dockerfile', nix: 'Nix' };

interface Row {
  title: string;
  metric: Metric;
  kind: 'count' | 'bytes' | 'ratio';
}

export const SUMMARY_ROWS: Row[] = [
  { title: 'Layers', metric: 'layers', kind: 'count' },
  { title: 'Size (layer tars)', metric: 'uncompressedBytes', kind: 'bytes' },
  { title: 'Stored compressed', metric: 'compressedBytes', kind: 'bytes' },
  { title: 'File content', metric: 'contentBytes', kind: 'bytes' },
  { title: 'Files', metric: 'files', kind: 'count' },
  { title: 'Visible content', metric: 'visibleBytes', kind: 'bytes' },
  { title: 'Wasted', metric: 'wastedBytes', kind: 'bytes' },
  { title: 'Wasted files', metric: 'wastedFiles', kind: 'count' },
  { title: 'Efficiency', metric: 'efficiency', kind: 'ratio' },
];

export function formatValue(kind: Row['kind'], value: number | null): string {
  if (value === null) return '-';
  if (kind === 'bytes') return formatBytes(value);
  if (kind === 'ratio') return formatPercent(value);
  return String(value);
}

export function formatDifference(kind: Row['kind'], comparison: MetricComparison): string {
  const difference = comparison.difference;
  if (difference === null) return '-';
  if (difference === 0) return '0';
  const sign = difference > 0 ? '+' : '-';
  if (kind === 'bytes') return `${sign}${formatBytes(Math.abs(difference))}`;
  if (kind === 'ratio') return `${sign}${(Math.abs(difference) * 100).toFixed(1)} pt`;
  return `${sign}${Math.abs(difference)}`;
}

export function formatRatio(comparison: MetricComparison): string {
  if (comparison.ratio === null) return '-';
  const ratio = comparison.ratio;
  return `${ratio >= 100 ? ratio.toFixed(0) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}x`;
}

function metricValue(image: AuditImage, metric: Metric): number | null {
  return metric === 'layers' ? image.totals.layers : image.totals[metric];
}

/** How each image was made, one line each. */
export function originLine(image: AuditImage): string {
  const build = image.build;
  if (!build) return `read from ${image.source}`;
  const flags = [
    build.noCache ? 'no cache' : '',
    build.timestamp !== null ? `timestamp ${build.timestamp}` : '',
    build.platform ? `platform ${build.platform}` : '',
    build.buildArgs.length ? `build args ${build.buildArgs.join(', ')}` : '',
    build.remote.length ? `remote via ${build.remote.join(', ')}` : '',
  ].filter(Boolean);
  return `built from ${build.input} with ${build.tool} in ${build.seconds.toFixed(1)} s${flags.length ? ` (${flags.join('; ')})` : ''}${build.archive ? `; archive ${build.archive}` : ''}`;
}

export function verdictText(report: AuditReport): string {
  const repro = report.reproducibility;
  if (!repro) return '';
  if (repro.images.length === 0) return 'not checked (no image was built here)';
  if (repro.identical) return 'IDENTICAL: every rebuild matched bit for bit';
  if (repro.identicalIgnoringTimestamps) return 'DIFFERENT only in time stamps';
  return 'DIFFERENT';
}

export function renderAuditText(report: AuditReport): string {
  const lines: string[] = [];
  if (report.equivalence) lines.push(...wrap(report.equivalence.verdict.line, '  ').map((line, index) => (index === 0 ? line.slice(2) : line)));
  lines.push(`dock2nix audit${report.dockerfile ? `: ${report.dockerfile}` : ''}`);
  for (const image of report.images) {
    lines.push(clip(`  ${SIDE_TITLE[image.role].padEnd(10)} ${image.label}`));
    lines.push(...wrap(originLine(image), `  ${''.padEnd(10)} `));
  }
  if (report.conversion) {
    const s = report.conversion.summary;
    lines.push(
      clip(
        `  converted  ${s.mapped} mapped, ${s.approximated} approximated, ${s.manual} manual, ${s.ignored} ignored${report.conversion.savedTo ? `; Nix in ${report.conversion.savedTo}` : ''}`,
      ),
    );
  }
  lines.push('');

  const docker = report.images.find((image) => image.role === 'docker');
  const nix = report.images.find((image) => image.role === 'nix');
  if (report.comparison && docker && nix) {
    const rows = SUMMARY_ROWS.map((row) => {
      const comparison = report.comparison!.metrics[row.metric];
      return [
        row.title,
        formatValue(row.kind, comparison.docker),
        formatValue(row.kind, comparison.nix),
        formatDifference(row.kind, comparison),
        row.kind === 'ratio' ? '' : formatRatio(comparison),
      ];
    });
    lines.push(...table(['', 'Dockerfile', 'Nix', 'Nix - Docker', 'Ratio'], rows, ['left', 'right', 'right', 'right', 'left']));
    lines.push('');
    lines.push(...wrap(report.comparison.summary, '  '));
  } else {
    const only = report.images[0]!;
    const rows = SUMMARY_ROWS.map((row) => [row.title, formatValue(row.kind, metricValue(only, row.metric))]);
    lines.push(...table(['', SIDE_TITLE[only.role]], rows, ['left', 'right']));
  }

  if (report.equivalence) {
    lines.push('');
    lines.push(...equivalenceText(report.equivalence));
  }
  if (report.sboms?.length) lines.push('', ...report.sboms.map((file) => clip(`SBOM written: ${file}`)));

  if (report.reproducibility) {
    const repro = report.reproducibility;
    lines.push('');
    lines.push(`Reproducibility: ${verdictText(report)}`);
    for (const check of repro.images) {
      const counts = Object.entries(check.counts)
        .filter(([, count]) => count > 0)
        .map(([kind, count]) => `${kind} ${count}`);
      const state = check.identical
        ? 'identical'
        : check.identicalIgnoringTimestamps
          ? 'differs only in time stamps'
          : check.compared
            ? 'differs'
            : 'differs (not compared file by file)';
      lines.push(clip(`  ${SIDE_TITLE[check.image].padEnd(10)} ${state}; ${check.method}`));
      if (counts.length > 0 || check.configDifferences > 0) {
        lines.push(clip(`  ${''.padEnd(10)} ${[...counts, check.configDifferences ? `config ${check.configDifferences}` : ''].filter(Boolean).join(', ')}`));
      }
      const paths = repro.differences.filter((d) => d.image === check.image && d.kind !== 'mtime').map((d) => d.path);
      if (paths.length > 0) lines.push(...wrap(`still differs: ${groupPaths(paths).join(', ')}`, `  ${''.padEnd(10)} `));
      for (const hint of check.hints) lines.push(...wrap(`- ${hint}`, `  ${''.padEnd(10)} `));
    }
    if (repro.differences.length > 0) {
      lines.push('');
      lines.push(`File differences (${repro.differences.length})${repro.ignoreTimestamps ? ', time stamps left out' : ''}`);
      lines.push(
        ...table(
          ['Image', 'Layer', 'Kind', 'Path'],
          repro.differences.slice(0, TEXT_DIFFERENCE_LIMIT).map((d) => [d.image, String(d.layer), d.kind, d.path || `(whole layer) ${d.detail ?? ''}`]),
          ['left', 'right', 'left', 'left'],
        ),
      );
      if (repro.differences.length > TEXT_DIFFERENCE_LIMIT)
        lines.push(`  ... and ${repro.differences.length - TEXT_DIFFERENCE_LIMIT} more (see --report json)`);
    }
    if (repro.configDifferences.length > 0) {
      lines.push('');
      lines.push(`Config differences (${repro.configDifferences.length})`);
      lines.push(
        ...table(
          ['Image', 'Kind', 'Key'],
          repro.configDifferences.slice(0, 20).map((d) => [d.image, d.kind, d.key]),
          ['left', 'left', 'left'],
        ),
      );
      if (repro.configDifferences.length > 20) lines.push(`  ... and ${repro.configDifferences.length - 20} more (see --report json)`);
    }
  }

  if (report.gates.length > 0) {
    lines.push('');
    const failed = report.gates.filter((gate) => !gate.passed).length;
    lines.push(`Gates (--fail-on): ${failed === 0 ? 'all passed' : `${failed} failed`}`);
    for (const gate of report.gates) lines.push(clip(`  ${gate.passed ? 'pass' : 'FAIL'}  ${gate.rule}: ${gate.detail}`));
  }

  for (const image of report.images) {
    lines.push('');
    lines.push('='.repeat(WIDTH));
    lines.push(`${SIDE_TITLE[image.role]} image`);
    lines.push(renderImageReport(image).trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function clip(text: string): string {
  return text.length <= WIDTH ? text : `${text.slice(0, WIDTH - 3)}...`;
}

function wrap(text: string, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  // Split at spaces only: a tab or carriage return inside a file name is part of the name.
  for (const word of text.split(/ +/)) {
    if (line && indent.length + visibleLength(line) + 1 + visibleLength(word) > WIDTH) {
      out.push(`${indent}${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(clip(`${indent}${line}`));
  return out;
}
