/**
 * The wizard: shows what dock2nix understood, then gathers every decision the conversion needs, with the saved
 * answers as defaults. It converts nothing itself: `plan` is the core (convertDockerfile), and the CLI turns
 * the result into an answers file and runs `dock2nix convert --answers` with it.
 */
import type { Answers } from '../convert/answers.js';
import { noDecisions, type Decisions } from '../convert/decisions.js';
import type { MigrationPlan, OutputFormat } from '../convert/types.js';
import type { RuleSet } from '../rules/lookup.js';
import type { Prompter } from './prompter.js';
import { fitDecisions, fitTarget } from './saved.js';
import { askBuilds, askFiles, askFormat, askOutput, askPackages, askTarget, packageQuestions, type FileChoice, type OutputChoice } from './steps.js';
import { summarize, wrap } from './summary.js';
import { compareText } from '../compare.js';

export interface WizardSetup {
  /** The Dockerfile as shown to the person. */
  dockerfile: string;
  source: string;
  rules: RuleSet;
  /** The core: the migration plan for these choices. */
  plan: (choices: { target?: string; format: OutputFormat; decisions: Decisions }) => MigrationPlan;
  /** Answers of an earlier run for this Dockerfile, offered as defaults. */
  saved: Answers | null;
  savedFrom?: string;
  defaultOutput: string;
  /** Checks an output folder for the files that will be written there. */
  output: {
    problem(dir: string): string | null;
    existing(dir: string, files: FileChoice): string[];
  };
  prompter: Prompter;
  print: (text: string) => void;
  width: number;
}

export interface WizardResult {
  target?: string;
  format: OutputFormat;
  files: FileChoice;
  decisions: Decisions;
  output: OutputChoice;
}

export async function runWizard(setup: WizardSetup): Promise<WizardResult> {
  const { prompter, print, saved, width } = setup;
  const format0 = saved?.format ?? 'layered';
  const problems: string[] = [];

  const overview = setup.plan({ format: format0, decisions: noDecisions });
  const savedTarget = fitTarget(saved, overview);
  problems.push(...savedTarget.problems);
  const shown = savedTarget.value === undefined ? overview : setup.plan({ target: savedTarget.value, format: format0, decisions: noDecisions });
  print(summarize(shown, setup.source, width));
  if (saved) print(`\nThe answers saved in ${setup.savedFrom ?? 'the answers file'} are the defaults.\n`);
  print('\n');

  const target = await askTarget(prompter, shown, savedTarget.value);
  const bare = target === savedTarget.value ? shown : setup.plan({ target, format: format0, decisions: noDecisions });
  const fitted = fitDecisions(saved, bare);
  problems.push(...fitted.problems);
  if (problems.length) {
    print(`Saved answers that no longer fit this Dockerfile (not used):\n${problems.flatMap((p) => wrap(p, width, '  - ', '    ')).join('\n')}\n`);
  }

  const questions = packageQuestions(bare, fitted.value.packages);
  const pythonSet = `${bare.image.python?.attr ?? 'python3'}Packages`;
  const packages = await askPackages(prompter, setup.rules, questions, pythonSet);
  const builds = await askBuilds(prompter, bare, fitted.value.builds);
  const format = await askFormat(prompter, saved?.format);
  const files = await askFiles(prompter, saved?.files);
  const output = await askOutput(prompter, setup.defaultOutput, {
    problem: (dir) => setup.output.problem(dir),
    existing: (dir) => setup.output.existing(dir, files),
  });
  const decisions: Decisions = { packages: sortKeys(packages), ...(Object.keys(builds).length ? { builds: sortKeys(builds) } : {}) };
  return { ...(target === undefined ? {} : { target }), format, files, decisions, output };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b)));
}

/** Where the answers file places the build: a context other than the Dockerfile's folder, and build arguments. */
export interface SavedBuild {
  context?: string;
  buildArgs?: Record<string, string>;
}

/** The answers file for a result: the Dockerfile path (and the context) are relative to the file's folder. */
export function answersFor(result: WizardResult, dockerfileFromAnswers: string, build: SavedBuild = {}): Answers {
  return {
    version: 1,
    dockerfile: dockerfileFromAnswers,
    ...(result.target === undefined ? {} : { target: result.target }),
    format: result.format,
    ...(build.context === undefined ? {} : { context: build.context }),
    ...(build.buildArgs && Object.keys(build.buildArgs).length > 0 ? { buildArgs: sortKeys(build.buildArgs) } : {}),
    files: result.files,
    decisions: result.decisions,
  };
}
