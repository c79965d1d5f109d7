/** Text for people: plain tables that fit 80 columns, bytes in human units, no colour (so NO_COLOR holds trivially). */
import type { FileDifference, ImageReport, InspectReport, LayerReport, ReproducibilityReport } from './types.js';

export const WIDTH = 80;
/** How many file differences the text lists (the JSON has them all). */
export const TEXT_DIFFERENCE_LIMIT = 40;

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const sign = bytes < 0 ? '-' : '';
  return unit === 0 ? `${sign}${value} B` : `${sign}${value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  return `${percent >= 99.95 && percent < 100 ? percent.toFixed(3) : percent.toFixed(1)}%`;
}

function clip(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : width <= 3 ? text.slice(0, width) : `${text.slice(0, width - 3)}...`;
}

type Align = 'left' | 'right';

/** A table whose last column takes whatever width is left, clipped. */
export function table(headers: string[], rows: string[][], align: Align[], indent = '  '): string[] {
  const fixed = headers.length - 1;
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const used = indent.length + widths.slice(0, fixed).reduce((sum, width) => sum + width + 2, 0);
  const last = Math.max(10, WIDTH - used);
  const line = (cells: string[]): string => {
    const parts = cells.map((cell, column) => {
      if (column === fixed) return clip(cell, last);
      return align[column] === 'right' ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!);
    });
    return `${indent}${parts.join('  ')}`.trimEnd();
  };
  return [line(headers), ...rows.map(line)];
}

function field(name: string, value: string): string {
  return clip(`  ${name.padEnd(9)}${value}`, WIDTH);
}

/** `/bin/sh -c #(nop) COPY file:0123…abc in /x` → `COPY file:0123456789ab in /x`. */
export function shortCreatedBy(createdBy: string | null): string {
  if (!createdBy) return '';
  let text = createdBy.trim();
  const nop = /^\/bin\/sh -c #\(nop\)\s*/.exec(text);
  if (nop) text = text.slice(nop[0].length);
  else if (text.startsWith('/bin/sh -c ')) text = `RUN ${text.slice('/bin/sh -c '.length)}`;
  return text.replace(/\b((?:file|dir|multi):)([a-f0-9]{12})[a-f0-9]{52}\b/g, '$1$2').replace(/\s+/g, ' ');
}

function layerOrigin(layer: LayerReport): string {
  const created = shortCreatedBy(layer.createdBy);
  if (created) return created;
  if (layer.storePaths.length > 0) {
    const first = layer.storePaths[0]!.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '');
    return layer.storePaths.length > 1 ? `${first} +${layer.storePaths.length - 1} store paths` : first;
  }
  return '';
}

export function renderImageReport(report: ImageReport): string {
  const lines: string[] = [];
  const config = report.config;
  lines.push(clip(report.label, WIDTH));
  const compression = report.archiveCompression === 'none' ? '' : `, ${report.archiveCompression}`;
  lines.push(field('source', `${report.source} (${report.format}${compression})`));
  const platform = [config.os, config.architecture].filter(Boolean).join('/');
  lines.push(field('created', `${config.created ?? '-'}${platform ? `   platform ${platform}` : ''}`));
  if (config.entrypoint) lines.push(field('entry', config.entrypoint.join(' ')));
  if (config.cmd) lines.push(field('cmd', config.cmd.join(' ')));
  lines.push(field('user', `${config.user ?? '(default)'}   workdir ${config.workingDir ?? '(default)'}   ports ${config.exposedPorts.join(' ') || '-'}`));
  for (const variable of config.env) lines.push(field('env', variable));
  lines.push('');

  lines.push('Layers');
  lines.push(
    ...table(
      ['#', 'Tar', 'Stored', 'Files', 'Content', 'Created by'],
      report.layers.map((layer) => [
        String(layer.index),
        formatBytes(layer.uncompressedBytes),
        layer.compressedBytes === null ? '-' : formatBytes(layer.compressedBytes),
        String(layer.files),
        formatBytes(layer.contentBytes),
        layerOrigin(layer),
      ]),
      ['right', 'right', 'right', 'right', 'right', 'left'],
    ),
  );
  const totals = report.totals;
  const stored = totals.compressedBytes === null ? '' : ` (${formatBytes(totals.compressedBytes)} compressed)`;
  lines.push(
    `  ${totals.layers} layers, ${formatBytes(totals.uncompressedBytes)} of tar${stored}; ${totals.files} files, ${formatBytes(totals.contentBytes)} of content`,
  );
  if (!report.digestsChecked) lines.push('  layer digests not checked against the bytes (inspect --verify checks them)');
  lines.push('');

  lines.push(`Wasted space: ${formatBytes(totals.wastedBytes)} in ${totals.wastedFiles} files; efficiency ${formatPercent(totals.efficiency)}`);
  if (report.wasted.length > 0) {
    lines.push(
      ...table(
        ['Size', 'Layer', 'Hidden by', 'Path'],
        report.wasted.slice(0, 10).map((file) => [formatBytes(file.bytes), String(file.layer), `${file.hiddenBy} ${file.reason}`, file.path]),
        ['right', 'right', 'left', 'left'],
      ),
    );
    if (totals.wastedFiles > 10) lines.push(`  ... and ${totals.wastedFiles - 10} more (see --json)`);
  }
  lines.push('');

  lines.push(`Largest files (${totals.visibleFiles} files, ${formatBytes(totals.visibleBytes)} visible)`);
  lines.push(
    ...table(
      ['Size', 'Layer', 'Path'],
      report.largestFiles.slice(0, 10).map((file) => [formatBytes(file.bytes), String(file.layer), file.path]),
      ['right', 'right', 'left'],
    ),
  );
  const directories = report.largestDirectories.filter((dir) => dir.bytes > 0);
  if (directories.length > 0) {
    lines.push('');
    lines.push('Largest directories');
    lines.push(
      ...table(
        ['Size', 'Files', 'Path'],
        directories.map((dir) => [formatBytes(dir.bytes), String(dir.files), `${dir.path}/`]),
        ['right', 'right', 'left'],
      ),
    );
  }
  if (report.findings.length > 0) {
    lines.push('');
    lines.push(`Findings (${report.findings.length})`);
    for (const finding of report.findings.slice(0, 20)) {
      const where = [finding.layer !== undefined ? `layer ${finding.layer}` : '', finding.path ?? ''].filter(Boolean).join(' ');
      lines.push(clip(`  ${where ? `${where}: ` : ''}${finding.message}`, WIDTH));
    }
    if (report.findings.length > 20) lines.push(`  ... and ${report.findings.length - 20} more (see --json)`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderInspectReport(report: InspectReport): string {
  return report.images.map(renderImageReport).join('\n');
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

function shown(value: string | undefined): string {
  return value === undefined ? '(absent)' : value === '' ? '""' : value;
}

const ISO_TIME = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/;

function arrow(difference: { a?: string; b?: string }): string {
  if (difference.a === undefined && difference.b === undefined) return '';
  const timeA = ISO_TIME.exec(difference.a ?? '');
  const timeB = ISO_TIME.exec(difference.b ?? '');
  // Two time stamps: seconds are enough to read, and a shared date is said once.
  if (timeA && timeB) {
    if (timeA[0] !== timeB[0] && timeA[1] === timeB[1] && timeA[2] !== timeB[2]) return `${timeA[1]} ${timeA[2]} -> ${timeB[2]}`;
    if (timeA[1] !== timeB[1] || timeA[2] !== timeB[2]) return `${timeA[1]} ${timeA[2]} -> ${timeB[1]} ${timeB[2]}`;
  }
  return `${shown(difference.a)} -> ${shown(difference.b)}`;
}

function differenceNote(difference: FileDifference): string {
  const values = arrow(difference);
  if (difference.detail) return values ? `${difference.detail}: ${values}` : difference.detail;
  return values;
}

/** A line of a file as a terminal may show it: control characters (escape sequences, carriage returns) as \\xNN. */
function visible(line: string): string {
  return line.replace(/[\x00-\x08\x0a-\x1f\x7f\x9b]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function renderReproducibilityReport(report: ReproducibilityReport): string {
  const lines: string[] = [];
  lines.push(clip(`A  ${report.a.source} (${report.a.label}, ${report.a.layers} layers)`, WIDTH));
  lines.push(clip(`B  ${report.b.source} (${report.b.label}, ${report.b.layers} layers)`, WIDTH));
  const verdict = report.identical ? 'IDENTICAL' : report.identicalIgnoringTimestamps ? 'DIFFERENT only in time stamps' : 'DIFFERENT';
  lines.push(`Result: ${verdict}`);
  lines.push(`  identical: ${yesNo(report.identical)}; identical ignoring time stamps: ${yesNo(report.identicalIgnoringTimestamps)}`);
  const counts = Object.entries(report.counts)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`);
  if (counts.length > 0) lines.push(`  file differences by kind: ${counts.join(', ')}`);
  if (report.ignoreTimestamps) lines.push('  (time-stamp differences hidden: --ignore-timestamps)');

  if (report.differences.length > 0) {
    lines.push('');
    lines.push(`File differences (${report.differences.length})`);
    lines.push(
      ...table(
        ['Layer', 'Kind', 'Path', 'A -> B'],
        report.differences
          .slice(0, TEXT_DIFFERENCE_LIMIT)
          .map((difference) => [String(difference.layer), difference.kind, clip(difference.path || '(layer)', 32), differenceNote(difference)]),
        ['right', 'left', 'left', 'left'],
      ),
    );
    if (report.differences.length > TEXT_DIFFERENCE_LIMIT) lines.push(`  ... and ${report.differences.length - TEXT_DIFFERENCE_LIMIT} more (see --json)`);
  }
  const texts = report.differences.filter((difference) => difference.text);
  if (texts.length > 0) {
    lines.push('');
    lines.push(`Inside the files (${texts.length})`);
    for (const difference of texts) {
      const text = difference.text!;
      if (text.kind !== 'diff') {
        lines.push(clip(`  layer ${difference.layer} ${difference.path}: ${text.note ?? text.kind}`, WIDTH));
        continue;
      }
      lines.push(clip(`  layer ${difference.layer} ${difference.path}: +${text.added} -${text.removed}${text.truncated ? ` (${text.note})` : ''}`, WIDTH));
      for (const line of (text.unified ?? '').split('\n')) lines.push(clip(`    ${visible(line)}`, WIDTH)); // whole lines: --json
    }
  }
  if (report.configDifferences.length > 0) {
    lines.push('');
    lines.push(`Config differences (${report.configDifferences.length})`);
    lines.push(
      ...table(
        ['Kind', 'Key', 'A -> B'],
        report.configDifferences.map((difference) => [difference.kind, clip(difference.key, 28), arrow(difference)]),
        ['left', 'left', 'left'],
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
