/**
 * Dockerfile model → migration plan. Walks the stages the target needs and decides every instruction with the
 * deciders of ./instructions (one per keyword), then hands the walk to ./finalize.ts, which turns build stages
 * into derivations and the target stage into an image. Pure: everything it reads comes in through its arguments.
 */
import type { Dockerfile } from '../dockerfile/model.js';
import type { RuleSet } from '../rules/lookup.js';
import type { ShellReader } from '../shell/reader.js';
import type { BuildContext } from './context.js';
import type { StageState } from './stage.js';
import type { CopyRequest } from './derivations.js';
import { secretReason, type SecretFinding } from './secrets.js';
import { DecisionLedger, noDecisions, type Decisions } from './decisions.js';
import type { MigrationPlan, OutputFormat } from './types.js';
import type { IgnoreRule } from './dockerignore.js';
import { findTarget, stageLabel, stageRoles } from './stages.js';
import { startStage } from './base-image.js';
import { decide } from './instructions/index.js';
import type { FoldedCopy } from './python-stage.js';
import { ReportBook } from './reports.js';
import { describeArg } from './instructions/arg.js';
import { finalizePlan } from './finalize.js';

export interface PlanOptions {
  target?: string;
  format: OutputFormat;
  imageName: string;
  /** The context as seen from the output folder (e.g. `..`). */
  contextFromOutput: string;
  /** The output folder relative to the context, excluded from whole-context sources (null when outside). */
  outputInContext: string | null;
  /** The context's .dockerignore rules, in order. */
  dockerignore?: IgnoreRule[];
  toolVersion: string;
  contextLabel: string;
  decisions?: Decisions;
  /** --build-arg values (already substituted by the parser): those that look like credentials are secrets of the plan. */
  buildArgs?: Record<string, string>;
  /** Reads RUN scripts (src/shell/reader.ts). */
  shell: ShellReader;
  /** --keep-base: the image's base stays a pulled image even when the tables map it (a partial migration). */
  keepBase?: boolean;
}

export function planMigration(dockerfile: Dockerfile, context: BuildContext, rules: RuleSet, options: PlanOptions): MigrationPlan {
  const target = findTarget(dockerfile, options.target);
  const decisions = new DecisionLedger(options.decisions ?? noDecisions);
  const roles = stageRoles(dockerfile, target);
  const reports = new ReportBook();
  const states = new Map<number, StageState>();
  const copyRequests: CopyRequest[] = [];
  /** Stages whose node_modules another stage copied: that stage installs the same dependencies itself. */
  const mergedStages = new Set<number>();
  const folds = new Map<CopyRequest, FoldedCopy>();
  /** The target and the stages it starts FROM: their base is the image's base. */
  const imageChain = new Set<number>();
  for (let index: number | null = target; index !== null && !imageChain.has(index); index = dockerfile.stages[index]!.parentStage) imageChain.add(index);

  const secrets: SecretFinding[] = [];
  for (const instruction of dockerfile.globalArgs) {
    reports.decided(instruction, null, describeArg(instruction, secrets));
  }

  for (const stage of dockerfile.stages) {
    const role = roles.get(stage.index) ?? 'unused';
    if (role === 'unused') {
      for (const instruction of stage.instructions) {
        reports.decided(instruction, stage.index, {
          status: 'ignored',
          rule: 'stage.unused',
          message: `stage ${stageLabel(stage)} is not needed to build the target stage ${stageLabel(dockerfile.stages[target]!)}`,
        });
      }
      continue;
    }
    const state = startStage(stage, states, rules, { inImage: imageChain.has(stage.index), keepBase: options.keepBase ?? false });
    states.set(stage.index, state);
    for (const instruction of stage.instructions) {
      const outcome = decide(instruction, stage, state, {
        dockerfile,
        context,
        shell: options.shell,
        rules,
        format: options.format,
        copyRequests,
        mergedStages,
        states,
        decisions,
        secrets,
        target,
        folds,
      });
      reports.decided(instruction, stage.index, outcome);
    }
  }

  // --build-arg values are secrets too when they look like one, whether or not an ARG uses them: masked wherever they appear.
  for (const [name, value] of Object.entries(options.buildArgs ?? {})) {
    const reason = secretReason(name, value);
    if (reason && !secrets.some((s) => s.value === value)) secrets.push({ line: 0, keyword: 'ARG', name, reason, value });
  }

  return finalizePlan({ dockerfile, context, rules, options, target, decisions, roles, reports, states, copyRequests, mergedStages, folds, secrets });
}
