/**
 * The wizard's questions, one function per step. Each takes what the plan says and the saved answers (as
 * defaults) and returns a decision; none of them converts, writes or prints anything itself.
 */
import type { MigrationPlan, OutputFormat, PackageReport } from '../convert/types.js';
import { packageKey, stageKey, type BuildChoice } from '../convert/decisions.js';
import { rulesIndex, type Manager, type RuleSet } from '../rules/lookup.js';
import { ATTRIBUTE_PATH } from '../nix/attribute-path.js';
import { checkTypedAttribute, findCandidates } from './candidates.js';
import type { Choice, Prompter } from './prompter.js';
import { DEFAULT_FORMAT, FORMATS } from '../nix/formats/index.js';

export type FileChoice = Array<'default.nix' | 'flake.nix'>;

// ---------------------------------------------------------------------------------------------- target stage

/** The stage to build. Returns the stage's name (or index), or undefined for the last, unnamed stage. */
export async function askTarget(prompter: Prompter, plan: MigrationPlan, saved: string | undefined): Promise<string | undefined> {
  const stages = plan.stages;
  if (stages.length < 2) return undefined;
  const last = stages[stages.length - 1]!;
  const label = (stage: (typeof stages)[number]) => `${stage.index}${stage.name ? ` "${stage.name}"` : ''}`;
  const labelWidth = Math.max(...stages.map((stage) => label(stage).length));
  const choices: Array<Choice<string>> = stages.map((stage) => ({
    value: stageKey(stage),
    name: `${label(stage).padEnd(labelWidth)}  FROM ${stage.from}${stage === last ? '  (last stage)' : ''}`,
    short: stage.name ?? `stage ${stage.index}`,
    description: stage === last ? 'what `docker build` builds without --target' : `what \`docker build --target ${stageKey(stage)}\` builds`,
  }));
  const chosen = await prompter.select({
    message: 'Which stage should the image be?',
    why: 'A multi-stage build makes one image; the stages it copies from become Nix derivations.',
    choices,
    default: saved ?? stageKey(last),
  });
  return chosen === String(last.index) && last.name === null ? undefined : chosen;
}

// ---------------------------------------------------------------------------------------------- packages

export interface PackageQuestion {
  /** `manager:name`, the key of the decision. */
  key: string;
  manager: Manager;
  name: string;
  lines: number[];
  /** What the tables made of it without any answer. */
  nix: string | null;
  confidence: PackageReport['confidence'];
  note?: string;
  /** The saved answer, when there is one that still fits. */
  saved?: string | null;
}

/** The packages worth a question: low or no confidence, or answered before. One question per package. */
export function packageQuestions(plan: MigrationPlan, saved: Record<string, string | null>): PackageQuestion[] {
  const questions = new Map<string, PackageQuestion>();
  for (const p of plan.packages) {
    const key = packageKey(p.manager, p.name);
    const ask = p.confidence === 'low' || p.confidence === 'none' || key in saved;
    if (!ask || p.role === 'cleanup') continue;
    const existing = questions.get(key);
    if (existing) {
      if (!existing.lines.includes(p.line)) existing.lines.push(p.line);
      continue;
    }
    questions.set(key, {
      key,
      manager: p.manager,
      name: p.name,
      lines: [p.line],
      nix: p.nix,
      confidence: p.confidence,
      note: p.note,
      ...(key in saved ? { saved: saved[key] } : {}),
    });
  }
  return [...questions.values()];
}

/** No answer (the tables decide), or an attribute, or null to leave the package out. */
export type PackageAnswer = { kind: 'none' } | { kind: 'set'; attr: string | null };

const KEEP = 'keep';
const LATER = 'later';
const LEAVE_OUT = 'leave-out';
const TYPE = 'type';
const attrValue = (attr: string) => `attr:${attr}`;

/** A good enough candidate to be the default for a package the tables do not know. */
const CONFIDENT_SCORE = 90;

export async function askPackage(prompter: Prompter, rules: RuleSet, question: PackageQuestion, pythonSet: string): Promise<PackageAnswer> {
  const { manager, name } = question;
  const where = `line${question.lines.length > 1 ? 's' : ''} ${question.lines.join(', ')}`;
  const inSet = manager === 'pip';
  const show = (attr: string) => (inSet ? `${pythonSet}.${attr}` : attr);
  const low = question.confidence === 'low' && question.nix !== null;
  const why =
    question.confidence === 'low'
      ? `${where}: dock2nix guessed ${question.nix ?? 'nothing'} (low confidence)${question.note ? `: ${question.note}` : ''}`
      : question.confidence === 'none'
        ? `${where}: no nixpkgs attribute is known for ${manager} package "${name}".`
        : `${where}: you answered this before; the tables say ${question.nix ?? 'nothing'} (${question.confidence}).`;

  const fixed = (term: string): Array<Choice<string>> => {
    const own: Array<Choice<string>> = [];
    if (question.saved !== undefined && term === '') {
      own.push(
        question.saved === null
          ? { value: LEAVE_OUT, name: 'Leave it out (your saved answer)', short: 'left out' }
          : { value: attrValue(question.saved), name: `${show(question.saved)} (your saved answer)`, short: show(question.saved) },
      );
    }
    if (low && term === '')
      own.push({
        value: KEEP,
        name: `Keep the guess: ${question.nix}`,
        short: question.nix!,
        description: 'no answer is saved, so the rule tables keep deciding',
      });
    return own;
  };
  const tail: Array<Choice<string>> = [
    {
      value: TYPE,
      name: 'Type an attribute path…',
      description: inSet ? `a name inside ${pythonSet}, e.g. requests` : 'e.g. imagemagick or python3Packages.pillow',
    },
    { value: LEAVE_OUT, name: 'Leave it out', short: 'left out', description: 'the image does without it; the report says so' },
  ];
  if (!low) tail.push({ value: LATER, name: 'Decide later', short: 'decide later', description: 'no answer is saved; the report lists it for manual work' });

  const initial = findCandidates(rules, manager, name);
  const source = (term: string): Array<Choice<string>> => {
    const text = term.trim();
    const candidates = findCandidates(rules, manager, text || name);
    const choices: Array<Choice<string>> = [...fixed(text)];
    if (text && ATTRIBUTE_PATH.test(text) && !candidates.some((c) => c.attr === text)) {
      const problem = checkTypedAttribute(rules, manager, text, pythonSet.replace(/Packages$/, ''));
      const checked = rulesIndex(rules)
        ? problem
          ? `not accepted: ${problem}`
          : `found in ${rulesIndex(rules)!.label}`
        : 'dock2nix cannot check that the attribute exists; nix-build will';
      choices.push({ value: attrValue(text), name: `Use "${show(text)}" as typed`, short: show(text), description: checked });
    }
    for (const c of candidates) {
      const value = attrValue(c.attr);
      if (choices.some((existing) => existing.value === value)) continue;
      const description = c.index
        ? `${c.index.version ? `${c.index.version}, ` : ''}in ${rulesIndex(rules)?.label ?? 'the nixpkgs index'}${c.index.description ? `: ${c.index.description}` : ''}`
        : `from the ${c.from.manager} table: "${c.from.name}" (${c.from.confidence})`;
      choices.push({ value, name: show(c.attr), short: show(c.attr), description });
    }
    return [...choices, ...tail.filter((t) => !choices.some((existing) => existing.value === t.value))];
  };

  const best = initial[0];
  const defaultValue =
    question.saved !== undefined
      ? question.saved === null
        ? LEAVE_OUT
        : attrValue(question.saved)
      : low
        ? KEEP
        : best && best.score >= CONFIDENT_SCORE
          ? attrValue(best.attr)
          : LATER;

  const chosen = await prompter.search<string>({
    message: `${manager} package "${name}" →`,
    why,
    source,
    default: defaultValue,
  });
  if (chosen === KEEP || chosen === LATER) return { kind: 'none' };
  if (chosen === LEAVE_OUT) return { kind: 'set', attr: null };
  if (chosen === TYPE) {
    const typed = await prompter.input({
      message: inSet ? `Name in ${pythonSet} for pip "${name}":` : `nixpkgs attribute path for ${manager} "${name}":`,
      default: question.saved ?? undefined,
      validate: (value) => (ATTRIBUTE_PATH.test(value.trim()) ? true : "an attribute path: letters, digits, _ - ' and dots, e.g. python3Packages.pillow"),
    });
    return { kind: 'set', attr: typed.trim() };
  }
  return { kind: 'set', attr: chosen.slice('attr:'.length) };
}

export async function askPackages(prompter: Prompter, rules: RuleSet, questions: PackageQuestion[], pythonSet: string): Promise<Record<string, string | null>> {
  const packages: Record<string, string | null> = {};
  for (const question of questions) {
    const answer = await askPackage(prompter, rules, question, pythonSet);
    if (answer.kind === 'set') packages[question.key] = answer.attr;
  }
  return packages;
}

// ---------------------------------------------------------------------------------------------- build stages

const buildText: Record<BuildChoice, { name: string; description: string }> = {
  importNpmLock: { name: 'buildNpmPackage with importNpmLock', description: 'dependencies come from package-lock.json; no hash to keep up to date' },
  npmDepsHash: {
    name: 'buildNpmPackage with npmDepsHash',
    description: 'one download of all dependencies; you fill in the hash after the first build, and again when the lock file changes',
  },
  generic: { name: 'stdenv.mkDerivation replaying the commands', description: 'for builds buildNpmPackage does not fit; marked TODO for you to finish' },
};

/** How each npm build stage becomes a derivation: the one build where more than one way is sensible (Yarn and pnpm stages have one way). */
export async function askBuilds(prompter: Prompter, plan: MigrationPlan, saved: Record<string, BuildChoice>): Promise<Record<string, BuildChoice>> {
  const builds: Record<string, BuildChoice> = {};
  for (const derivation of plan.derivations) {
    if (derivation.build.kind !== 'npm' || derivation.build.manager !== 'npm') continue;
    const stage = plan.stages[derivation.stage]!;
    const key = stageKey(stage);
    const lock = derivation.build.lockFile;
    const options: BuildChoice[] = lock ? ['importNpmLock', 'npmDepsHash', 'generic'] : ['npmDepsHash', 'generic'];
    const savedChoice = saved[key];
    builds[key] = await prompter.select<BuildChoice>({
      message: `How should stage ${stage.name ? `"${stage.name}"` : stage.index} (npm) be built?`,
      why: lock
        ? `Nix fetches npm dependencies before the build; ${lock} pins them.`
        : 'There is no package-lock.json: buildNpmPackage needs one committed, then a hash of the dependencies.',
      choices: options.map((value) => ({ value, ...buildText[value], short: value })),
      default: savedChoice && options.includes(savedChoice) ? savedChoice : options[0],
    });
  }
  return builds;
}

// ---------------------------------------------------------------------------------------------- output

export async function askFormat(prompter: Prompter, saved: OutputFormat | undefined): Promise<OutputFormat> {
  return prompter.select<OutputFormat>({
    message: 'Which image builder?',
    why: 'They all make the same image; they differ in how it gets to Docker or a registry.',
    choices: FORMATS.map((f) => ({ value: f.id, name: f.label, short: f.short, description: f.description })),
    default: saved ?? DEFAULT_FORMAT,
  });
}

export async function askFiles(prompter: Prompter, saved: FileChoice | undefined): Promise<FileChoice> {
  const both = saved === undefined || saved.includes('flake.nix');
  const choice = await prompter.select<'both' | 'default'>({
    message: 'Which files?',
    why: 'flake.nix pins nixpkgs in flake.lock (`nix build`); default.nix alone works with nix-build and your own pin.',
    choices: [
      { value: 'both', name: 'default.nix and flake.nix', short: 'default.nix and flake.nix', description: 'the flake imports default.nix' },
      { value: 'default', name: 'default.nix only', short: 'default.nix', description: 'for projects without flakes' },
    ],
    default: both ? 'both' : 'default',
  });
  return choice === 'both' ? ['default.nix', 'flake.nix'] : ['default.nix'];
}

export interface OutputChoice {
  /** As typed (relative to the current folder, or absolute). */
  dir: string;
  /** True when the person agreed to replace files that exist. */
  overwrite: boolean;
}

export interface OutputFolderCheck {
  /** Why the folder cannot be used (e.g. it is a file), or null. */
  problem(dir: string): string | null;
  /** Which of the files to write exist already (display paths). */
  existing(dir: string): string[];
}

/** The output folder, and whether to replace files there (default: no, then ask for another folder). */
export async function askOutput(prompter: Prompter, defaultDir: string, check: OutputFolderCheck): Promise<OutputChoice> {
  let suggestion = defaultDir;
  for (;;) {
    const dir = (
      await prompter.input({
        message: 'Output folder:',
        why: 'default.nix, flake.nix and dock2nix.answers.json go here; nothing is replaced unless you say so.',
        default: suggestion,
        validate: (value) => (value.trim() === '' ? 'a folder, e.g. nix' : (check.problem(value.trim()) ?? true)),
      })
    ).trim();
    const existing = check.existing(dir);
    if (existing.length === 0) return { dir, overwrite: false };
    const overwrite = await prompter.confirm({
      message: `Replace ${existing.join(', ')}?`,
      why: `${existing.length === 1 ? 'This file exists' : 'These files exist'} already; answer no to pick another folder.`,
      default: false,
    });
    if (overwrite) return { dir, overwrite: true };
    suggestion = `${dir.replace(/\/+$/, '')}-new`;
  }
}

// ---------------------------------------------------------------------------------------------- audit

export async function askAudit(prompter: Prompter, engine: string): Promise<boolean> {
  return prompter.confirm({
    message: 'Run dock2nix audit now?',
    why: `${engine} is installed: the audit builds the Dockerfile and the Nix image and compares them (takes minutes).`,
    default: false,
  });
}
