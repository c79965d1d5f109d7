import { expect } from 'vitest';
import type { MigrationPlan } from '../../src/convert/types.js';

/**
 * Every manual instruction has its `# TODO(dock2nix): line N: ...` comment in default.nix, and the header points
 * to markers only when there are some.
 */
export function expectMarkers(plan: MigrationPlan, nix: string, label = ''): void {
  const marked = new Set([...nix.matchAll(/^\s*# TODO\(dock2nix\): line (\d+): \S/gm)].map((m) => Number(m[1])));
  for (const report of plan.instructions.filter((i) => i.status === 'manual')) {
    expect(marked.has(report.line), `${label} line ${report.line} (${report.keyword}) is manual but has no TODO(dock2nix) marker`).toBe(true);
  }
  const body = nix
    .split('\n')
    .filter((l) => !/^# /.test(l) || /^# TODO/.test(l))
    .join('\n');
  const header = nix
    .split('\n')
    .filter((l) => /^# /.test(l))
    .join('\n');
  if (!body.includes('TODO(dock2nix)')) expect(header, `${label} header mentions TODO(dock2nix) without markers`).not.toContain('TODO(dock2nix)');
}
