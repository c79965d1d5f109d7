/**
 * TODO markers: every instruction the plan reports as `manual` leaves one comment line in the generated Nix,
 * `TODO(dock2nix): line N: <what to do>`, at the binding that stands for what the instruction did — the
 * derivation of its build stage, the image's contents, its files, or its config. Nothing manual is left to the
 * report alone.
 */
import type { InstructionReport, MigrationPlan } from '../convert/types.js';

/** Where a marker goes in the image expression (or on a stage's derivation). */
export type MarkerAnchor = { kind: 'derivation'; stage: number } | { kind: 'contents' } | { kind: 'files' } | { kind: 'config' };

export interface Marker {
  line: number;
  text: string;
  anchor: MarkerAnchor;
}

/** The prefix every marker starts with; tests and the header look for it. */
export const MARKER = 'TODO(dock2nix)';

/** A marker's comment text for a Dockerfile line (one line, whitespace collapsed). */
export function markerText(line: number, what: string): string {
  return `${MARKER}: line ${line}: ${what.replace(/\s+/g, ' ').trim()}`;
}

const CONFIG_KEYWORDS = new Set([
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'USER',
  'WORKDIR',
  'EXPOSE',
  'HEALTHCHECK',
  'LABEL',
  'STOPSIGNAL',
  'VOLUME',
  'SHELL',
  'ONBUILD',
  'MAINTAINER',
]);

function anchorOf(plan: MigrationPlan, report: InstructionReport): MarkerAnchor {
  if (report.stage !== null && plan.derivations.some((d) => d.stage === report.stage)) return { kind: 'derivation', stage: report.stage };
  if (report.keyword === 'COPY' || report.keyword === 'ADD') return { kind: 'files' };
  if (CONFIG_KEYWORDS.has(report.keyword)) return { kind: 'config' };
  return { kind: 'contents' };
}

/** One marker per manual instruction, in Dockerfile order. */
export function manualMarkers(plan: MigrationPlan): Marker[] {
  return plan.instructions
    .filter((report) => report.status === 'manual')
    .sort((a, b) => a.line - b.line)
    .map((report) => ({ line: report.line, text: markerText(report.line, `${report.keyword}: ${report.message}`), anchor: anchorOf(plan, report) }));
}

/** The markers for one anchor, as comment texts. */
export function markersAt(markers: Marker[], anchor: MarkerAnchor): string[] {
  return markers
    .filter((m) => m.anchor.kind === anchor.kind && (m.anchor.kind !== 'derivation' || (anchor.kind === 'derivation' && m.anchor.stage === anchor.stage)))
    .map((m) => m.text);
}
