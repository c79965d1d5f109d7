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
    // A RUN of several commands: what became of each. Work left (manual, approximated) in full; the rest in one
    // line each, cut to the width (the JSON report has every word).
    for (const detail of item.details) {
      if (/^(manual|approximated)/.test(detail)) out.push(...wrap(`- ${detail}`, width - indent - 2).map((line) => ' '.repeat(indent + 2) + line));
      else out.push(' '.repeat(indent + 2) + oneLine(`- ${detail}`, width - indent - 2));
    }
  }
  const unmapped = plan.packages.filter((p) => p.confidence === 'none');
  const low = plan.packages.filter((p) => p.confidence === 'low');
  if (plan.packages.length) {
    out.push('');
    out.push(
      `packages: ${plan.packages.length} (${plan.packages.length - unmapped.length - low.length} exact or high, ${low.length} low, ${unmapped.length} unmapped)`,
    );
    for (const line of packageFindings([...low, ...unmapped])) out.push(...wrap(line, width - 4).map((l) => `    ${l}`));
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

/** At most this many names in one grouped finding; the JSON report lists them all. */
const GROUP_NAMES_SHOWN = 24;

/**
 * The packages worth a look (low confidence, unmapped), repeated findings grouped: packages of one manager that
 * map alike and whose notes differ only by the package's name make one line, their names listed with their lines.
 */
export function packageFindings(packages: MigrationPlan['packages']): string[] {
  const groups = new Map<string, MigrationPlan['packages']>();
  for (const p of packages) {
    const key = [p.manager, p.nix ?? '', p.confidence, (p.note ?? '').split(`"${p.name}"`).join('"\0"')].join('\u0001');
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    if (group.length === 1)
      return `line ${first.line}: ${first.manager} ${first.name} → ${first.nix ?? 'nothing'} (${first.confidence})${first.note ? `: ${first.note}` : ''}`;
    const names = namesByLine(group);
    if (first.confidence === 'none' && first.note === unmappedNote(first.manager, first.name))
      return `${group.length} ${first.manager} packages not found in nixpkgs: ${names}; add them by hand or to rules/${first.manager}.json`;
    const note = first.note ? `: ${first.note.split(`"${first.name}"`).join('(each)')}` : '';
    return `${group.length} ${first.manager} packages → ${first.nix ?? 'nothing'} (${first.confidence}): ${names}${note}`;
  });
}

/** The note the planner gives a name no table or index maps (src/convert/programs/packages.ts). */
function unmappedNote(manager: string, name: string): string {
  return `no nixpkgs attribute is known for ${manager} package "${name}"; add it by hand or to rules/${manager}.json`;
}

/** `a, b (line 2), c (line 5)`: names in order, each run of one line followed by it; after GROUP_NAMES_SHOWN, a count. */
function namesByLine(group: MigrationPlan['packages']): string {
  const shown = group.slice(0, GROUP_NAMES_SHOWN);
  const parts: string[] = [];
  shown.forEach((p, i) => {
    const next = shown[i + 1];
    parts.push(next && next.line === p.line ? p.name : `${p.name} (line ${p.line})`);
  });
  const more = group.length - shown.length;
  return `${parts.join(', ')}${more > 0 ? `, and ${more} more (--json lists them all)` : ''}`;
}

/** `text` in one line of at most `width` columns, cut with an ellipsis. */
function oneLine(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(1, width - 1)).trimEnd()}…`;
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
