/**
 * The migration report: JSON for tools (a stable shape) and text for people. Both come from the plan only.
 */
import { STATUS_ORDER, type MigrationPlan, type Status } from '../convert/types.js';
import { maskDeep, maskText } from '../convert/secrets.js';

export interface JsonReport {
  tool: MigrationPlan['tool'];
  dockerfile: string;
  context: string;
  format: MigrationPlan['format'];
  target: MigrationPlan['target'];
  stages: Array<{ index: number; name: string | null; from: string; role: string; builder: string | null }>;
  instructions: MigrationPlan['instructions'];
  packages: MigrationPlan['packages'];
  derivations: Array<{ name: string; stage: number; builder: string; pname: string }>;
  image: { name: string; tag: string; contents: string[]; python: MigrationPlan['image']['python']; config: MigrationPlan['image']['config'] };
  summary: Record<Status, number>;
  /** Answers-file decisions that matched nothing in this Dockerfile. */
  unusedAnswers: string[];
  /** Dockerfile warnings: accepted by Docker but likely a mistake. */
  warnings: MigrationPlan['warnings'];
  /** Values that look like credentials: where, and why (never the value). */
  secrets: Array<{ line: number; keyword: string; name: string; reason: string }>;
  files: string[];
  /** --max-layers: the limit and how the builder fills the layers (absent without the option). */
  layering?: MigrationPlan['layering'];
}

export function jsonReport(plan: MigrationPlan, files: string[]): JsonReport {
  return maskDeep<JsonReport>(
    {
      tool: plan.tool,
      dockerfile: plan.dockerfile,
      context: plan.context,
      format: plan.format,
      target: plan.target,
      stages: plan.stages,
      instructions: plan.instructions,
      packages: plan.packages,
      derivations: plan.derivations.map((d) => ({ name: d.name, stage: d.stage, builder: d.build.kind, pname: d.pname })),
      image: { name: plan.image.name, tag: plan.image.tag, contents: plan.image.contents, python: plan.image.python, config: plan.image.config },
      summary: plan.summary,
      unusedAnswers: plan.unusedDecisions,
      warnings: plan.warnings,
      secrets: plan.secrets.map(({ line, keyword, name, reason }) => ({ line, keyword, name, reason })),
      files,
      ...(plan.layering ? { layering: plan.layering } : {}),
    },
    plan.secrets,
  );
}

const STATUS_WIDTH = 12;

/** A readable report, at most `width` columns wide (messages wrap). */
export function textReport(plan: MigrationPlan, files: string[], width = 100): string {
  return maskText(renderText(plan, files, width), plan.secrets);
}

function renderText(plan: MigrationPlan, files: string[], width: number): string {
  const out: string[] = [];
  out.push(`dock2nix ${plan.tool.version}: ${plan.dockerfile} (${plan.format})`);
  for (const stage of plan.stages) {
    out.push(
      `  stage ${stage.index}${stage.name ? ` "${stage.name}"` : ''} FROM ${stage.from}: ${stage.role}${stage.builder ? ` → ${stage.builder} derivation` : ''}`,
    );
  }
  out.push('');
  out.push(`${'line'.padStart(5)}  ${'status'.padEnd(STATUS_WIDTH)} instruction`);
  const indent = 5 + 2 + STATUS_WIDTH + 1;
  for (const item of plan.instructions) {
    const head = `${String(item.line).padStart(5)}  ${item.status.padEnd(STATUS_WIDTH)} `;
    const text = `${item.keyword}: ${item.message}`;
    out.push(...wrap(text, width - indent).map((line, i) => (i === 0 ? head : ' '.repeat(indent)) + line));
    if (item.status === 'manual' || item.status === 'approximated') {
      for (const detail of item.details.filter((d) => /^(manual|approximated)/.test(d))) {
        out.push(...wrap(`- ${detail}`, width - indent - 2).map((line) => ' '.repeat(indent + 2) + line));
      }
    }
  }
  const unmapped = plan.packages.filter((p) => p.confidence === 'none');
  const low = plan.packages.filter((p) => p.confidence === 'low');
  if (plan.packages.length) {
    out.push('');
    out.push(
      `packages: ${plan.packages.length} (${plan.packages.length - unmapped.length - low.length} exact or high, ${low.length} low, ${unmapped.length} unmapped)`,
    );
    for (const p of [...low, ...unmapped]) {
      out.push(
        ...wrap(`line ${p.line}: ${p.manager} ${p.name} → ${p.nix ?? 'nothing'} (${p.confidence})${p.note ? `: ${p.note}` : ''}`, width - 4).map(
          (l) => `    ${l}`,
        ),
      );
    }
  }
  if (plan.warnings.length) {
    out.push('');
    out.push('warnings:');
    for (const w of plan.warnings) out.push(...wrap(`line ${w.line}: ${w.message}`, width - 4).map((l) => `    ${l}`));
  }
  if (plan.secrets.length) {
    out.push('');
    out.push(`secrets: ${plan.secrets.map((s) => `line ${s.line} ${s.keyword} ${s.name}`).join(', ')} look like credentials (masked in this report)`);
  }
  if (plan.unusedDecisions.length) {
    out.push('');
    out.push(`answers that no longer fit this Dockerfile (not applied): ${plan.unusedDecisions.join(', ')}`);
  }
  if (plan.layering) {
    out.push('');
    out.push(`layers: at most ${plan.layering.maxLayers} (--max-layers)`);
    for (const line of plan.layering.explanation) out.push(...wrap(line, width - 4).map((l) => `    ${l}`));
  }
  out.push('');
  out.push(`summary: ${STATUS_ORDER.map((s) => `${plan.summary[s]} ${s}`).join(', ')}`);
  if (files.length) out.push(`wrote: ${files.join(', ')}`);
  return `${out.join('\n')}\n`;
}

/** Words of `text` in lines of at most `width` columns (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const words = text.split(/ +/);
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines.length ? lines : [''];
}
