/**
 * The audit as GitHub-flavoured Markdown, for a pull-request comment or a CI job summary ($GITHUB_STEP_SUMMARY):
 * the summary table first, details folded in <details>. Every cell is escaped, and lists are capped so the
 * whole stays well under GitHub's 65,536-character comment limit.
 */
import { formatBytes, formatPercent, shortCreatedBy } from '../image/render.js';
import { equivalenceMarkdown } from './render-equivalence.js';
import { groupPaths } from './report.js';
import { formatDifference, formatRatio, formatValue, originLine, SIDE_TITLE, SUMMARY_ROWS, verdictText } from './render-text.js';
import type { AuditImage, AuditReport } from './types.js';

const LIST_LIMIT = 25;

/** Text safe inside a Markdown table cell: no pipes, no HTML, no line breaks, no accidental formatting. */
export function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/[`*_[\]~#]/g, (c) => `\\${c}`)
    .replace(/[\r\n]+/g, ' ');
}

/**
 * Inline code that cannot be broken out of: a fence longer than any backtick run inside. In a table cell a pipe
 * must still be escaped (GFM reads `\|` as a pipe even inside code there); elsewhere it must not be.
 */
export function code(text: string, inTable = true): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const clean = inTable ? flat.replace(/\|/g, '\\|') : flat;
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** Text inside raw HTML (a <summary>), where Markdown escapes would show as they are. */
function html(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\r\n]+/g, ' ');
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function header(cells: string[], align: Array<'l' | 'r'>): string[] {
  return [row(cells), `|${align.map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`];
}

function layerOrigin(layer: AuditImage['layers'][number]): string {
  const created = shortCreatedBy(layer.createdBy);
  if (created) return created.length > 90 ? `${created.slice(0, 87)}...` : created;
  if (layer.storePaths.length > 0) {
    const first = layer.storePaths[0]!.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '');
    return layer.storePaths.length > 1 ? `${first} +${layer.storePaths.length - 1} store paths` : first;
  }
  return '';
}

function imageDetails(image: AuditImage): string[] {
  const lines: string[] = [];
  lines.push(`<details><summary>${SIDE_TITLE[image.role]} image: ${html(image.label)}, ${image.totals.layers} layers</summary>`, '');
  lines.push(`${cell(originLine(image))}`, '');
  lines.push(...header(['#', 'Size', 'Files', 'Content', 'Created by'], ['r', 'r', 'r', 'r', 'l']));
  for (const layer of image.layers.slice(0, 60)) {
    lines.push(
      row([
        String(layer.index),
        formatBytes(layer.uncompressedBytes),
        String(layer.files),
        formatBytes(layer.contentBytes),
        layerOrigin(layer) ? code(layerOrigin(layer)) : '',
      ]),
    );
  }
  if (image.layers.length > 60) lines.push('', `… and ${image.layers.length - 60} more layers`);
  lines.push('');
  lines.push(`**Largest files** (${image.totals.visibleFiles} files, ${formatBytes(image.totals.visibleBytes)} visible)`, '');
  lines.push(...header(['Size', 'Layer', 'Path'], ['r', 'r', 'l']));
  for (const file of image.largestFiles.slice(0, 10)) lines.push(row([formatBytes(file.bytes), String(file.layer), code(file.path)]));
  lines.push('');
  lines.push(
    `**Wasted space**: ${formatBytes(image.totals.wastedBytes)} in ${image.totals.wastedFiles} files (efficiency ${formatPercent(image.totals.efficiency)})`,
    '',
  );
  if (image.wasted.length > 0) {
    lines.push(...header(['Size', 'Layer', 'Hidden by', 'Path'], ['r', 'r', 'l', 'l']));
    for (const file of image.wasted.slice(0, 10))
      lines.push(row([formatBytes(file.bytes), String(file.layer), `${file.hiddenBy} ${file.reason}`, code(file.path)]));
    if (image.totals.wastedFiles > 10) lines.push('', `… and ${image.totals.wastedFiles - 10} more`);
    lines.push('');
  }
  lines.push('</details>', '');
  return lines;
}

export function renderAuditMarkdown(report: AuditReport): string {
  const lines: string[] = [];
  const failed = report.gates.filter((gate) => !gate.passed);
  const status = report.gates.length === 0 ? '' : failed.length === 0 ? ' ✅' : ' ❌';
  if (report.equivalence) lines.push(`**${cell(report.equivalence.verdict.line)}**`, '');
  lines.push(`## dock2nix audit${report.dockerfile ? `: ${code(report.dockerfile, false)}` : ''}${status}`, '');
  if (report.comparison) lines.push(cell(report.comparison.summary), '');

  const docker = report.images.find((image) => image.role === 'docker');
  const nix = report.images.find((image) => image.role === 'nix');
  if (report.comparison && docker && nix) {
    lines.push(...header(['', `Dockerfile`, `Nix`, 'Nix − Docker', 'Ratio'], ['l', 'r', 'r', 'r', 'r']));
    for (const spec of SUMMARY_ROWS) {
      const comparison = report.comparison.metrics[spec.metric];
      lines.push(
        row([
          spec.title,
          formatValue(spec.kind, comparison.docker),
          formatValue(spec.kind, comparison.nix),
          formatDifference(spec.kind, comparison),
          spec.kind === 'ratio' ? '' : formatRatio(comparison),
        ]),
      );
    }
  } else {
    const only = report.images[0]!;
    lines.push(...header(['', SIDE_TITLE[only.role]], ['l', 'r']));
    for (const spec of SUMMARY_ROWS)
      lines.push(row([spec.title, formatValue(spec.kind, spec.metric === 'layers' ? only.totals.layers : only.totals[spec.metric])]));
  }
  lines.push('');
  for (const image of report.images) lines.push(`- **${SIDE_TITLE[image.role]}**: ${cell(image.label)} — ${cell(originLine(image))}`);
  if (report.conversion) {
    const s = report.conversion.summary;
    lines.push(`- **Conversion**: ${s.mapped} mapped, ${s.approximated} approximated, ${s.manual} manual, ${s.ignored} ignored`);
  }
  lines.push('');

  if (report.equivalence) {
    lines.push('### Equivalence', '');
    for (const reason of report.equivalence.verdict.reasons.slice(0, 10)) lines.push(`- ${cell(reason)}`);
    if (report.equivalence.verdict.reasons.length) lines.push('');
    lines.push(...equivalenceMarkdown(report.equivalence, cell, (text) => code(text)));
  }

  if (report.reproducibility) {
    const repro = report.reproducibility;
    lines.push(`### Reproducibility: ${cell(verdictText(report))}`, '');
    lines.push(...header(['Image', 'Method', 'Result', 'Differences'], ['l', 'l', 'l', 'l']));
    for (const check of repro.images) {
      const counts = Object.entries(check.counts)
        .filter(([, count]) => count > 0)
        .map(([kind, count]) => `${kind} ${count}`);
      if (check.configDifferences) counts.push(`config ${check.configDifferences}`);
      const result = check.identical ? 'identical' : check.identicalIgnoringTimestamps ? 'only time stamps differ' : 'differs';
      lines.push(row([SIDE_TITLE[check.image], cell(check.method), result, counts.join(', ') || '—']));
    }
    lines.push('');
    for (const check of repro.images) {
      const paths = repro.differences.filter((d) => d.image === check.image && d.kind !== 'mtime').map((d) => d.path);
      if (paths.length > 0)
        lines.push(
          `- ${SIDE_TITLE[check.image]} still differs in ${groupPaths(paths)
            .map((p) => code(p, false))
            .join(', ')}`,
        );
      for (const hint of check.hints) lines.push(`  - ${cell(hint)}`);
    }
    if (repro.differences.length > 0) {
      lines.push('', `<details><summary>File differences (${repro.differences.length})</summary>`, '');
      lines.push(...header(['Image', 'Layer', 'Kind', 'Path', 'Detail'], ['l', 'r', 'l', 'l', 'l']));
      for (const d of repro.differences.slice(0, LIST_LIMIT * 4)) {
        lines.push(row([d.image, String(d.layer), d.kind, d.path ? code(d.path) : '(whole layer)', cell(d.detail ?? '')]));
      }
      if (repro.differences.length > LIST_LIMIT * 4) lines.push('', `… and ${repro.differences.length - LIST_LIMIT * 4} more (see the JSON report)`);
      lines.push('', '</details>');
    }
    lines.push('');
  }

  if (report.gates.length > 0) {
    lines.push(`### Gates: ${failed.length === 0 ? 'all passed' : `${failed.length} failed`}`, '');
    for (const gate of report.gates) lines.push(`- ${gate.passed ? '✅' : '❌'} ${code(gate.rule, false)}: ${cell(gate.detail)}`);
    lines.push('');
  }

  for (const image of report.images) lines.push(...imageDetails(image));
  lines.push(`<sub>dock2nix ${cell(report.tool.version)}</sub>`);
  return `${lines.join('\n')}\n`;
}
