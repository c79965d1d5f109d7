/**
 * What dock2nix understood, shown before the first question: stages and their base images, packages with
 * their confidence, and the instructions that need manual work with their line and Dockerfile text.
 * Fits `width` columns; colour only where node:util's styleText allows it (a terminal, no NO_COLOR).
 */
import { styleText } from 'node:util';
import type { MigrationPlan } from '../convert/types.js';

const roleText: Record<string, string> = {
  image: 'the image',
  build: 'build stage (a derivation)',
  base: 'a base for a later stage',
  merged: 'dependencies only, installed by the stage that copies them',
  unused: 'not needed for the image',
};

export function summarize(plan: MigrationPlan, source: string, width: number): string {
  const out: string[] = [];
  const lines = source.split(/\r?\n/);
  const manual = plan.instructions.filter((i) => i.status === 'manual');
  const stages = plan.stages.length;
  out.push(
    styleText(
      'bold',
      `${plan.dockerfile}: ${stages} stage${stages === 1 ? '' : 's'}, ${plan.packages.length} package${plan.packages.length === 1 ? '' : 's'}, ${manual.length} instruction${manual.length === 1 ? '' : 's'} for manual work`,
    ),
  );
  out.push('');
  out.push(styleText('bold', 'Stages'));
  for (const stage of plan.stages) {
    const from = plan.instructions.find((i) => i.keyword === 'FROM' && i.stage === stage.index);
    const role = `${roleText[stage.role] ?? stage.role}${stage.builder ? ` → ${stage.builder}` : ''}`;
    out.push(...wrap(`${stage.index}${stage.name ? ` "${stage.name}"` : ''} FROM ${stage.from}: ${role}`, width, '  ', '      '));
    if (from && stage.role !== 'unused') out.push(...wrap(firstClause(from.message), width, '      ', '        '));
  }
  if (plan.packages.length) {
    out.push('');
    out.push(styleText('bold', 'Packages'));
    const rows = plan.packages.map((p) => ({
      cells: [
        `line ${p.line}`,
        p.manager,
        p.name,
        `→ ${p.nix ?? 'nothing'}`,
        `${p.confidence === 'none' ? 'not mapped' : p.confidence}${p.confidence === 'low' || p.confidence === 'none' ? ' (asked below)' : ''}`,
      ],
      colour: p.confidence === 'none' ? ('red' as const) : p.confidence === 'low' ? ('yellow' as const) : null,
    }));
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r.cells[i]!.length)));
    for (const row of rows) {
      const line = `  ${row.cells.map((cell, i) => (i < 4 ? cell.padEnd(widths[i]!) : cell)).join('  ')}`;
      const text = line.length <= width ? [line] : wrap(row.cells.join(' '), width, '  ', '      ');
      out.push(...(row.colour ? text.map((l) => styleText(row.colour!, l)) : text));
    }
  }
  if (manual.length) {
    out.push('');
    out.push(styleText('bold', 'Needs manual work'));
    for (const item of manual) {
      const text = lines.slice(item.line - 1, item.endLine).map((l) => l.trimEnd());
      const shown = text.length > 3 ? [...text.slice(0, 3), '…'] : text;
      out.push(...shown.map((l, i) => clip(`${i === 0 ? `line ${String(item.line).padEnd(4)}` : ' '.repeat(9)} ${l}`, width - 2)).map((l) => `  ${l}`));
      out.push(...wrap(item.message, width, '            ', '            ').map((l) => styleText('dim', l)));
    }
  }
  return `${out.join('\n')}\n`;
}

/** `alpine:3.19 → busybox; busybox gives…` → `alpine:3.19 → busybox`. */
function firstClause(message: string): string {
  const cut = message.indexOf('; ');
  return cut === -1 ? message : message.slice(0, cut);
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(1, width - 1))}…`;
}

/** Word-wrap to `width` columns, the first line after `first`, the rest after `rest`. */
export function wrap(text: string, width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let current = first;
  let empty = true;
  for (const word of text.split(/ +/)) {
    const indent = lines.length === 0 ? first : rest;
    if (!empty && current.length + 1 + word.length > width) {
      lines.push(current);
      current = rest + word;
    } else {
      current = empty ? indent + word : `${current} ${word}`;
    }
    empty = false;
  }
  lines.push(current);
  // A word longer than the line is clipped rather than left to wrap the terminal.
  return lines.map((line) => clip(line, width));
}
