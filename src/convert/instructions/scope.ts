/** What every instruction decider gets, and the helpers several of them share. */
import type { Dockerfile, Instruction, Keyword, Stage } from '../../dockerfile/model.js';
import type { RuleSet } from '../../rules/lookup.js';
import type { ShellReader } from '../../shell/reader.js';
import type { BuildContext } from '../context.js';
import type { CopyRequest } from '../derivations.js';
import type { FoldedCopy } from '../python-stage.js';
import type { DecisionLedger } from '../decisions.js';
import type { SecretFinding } from '../secrets.js';
import type { Outcome, StageState } from '../stage.js';
import type { OutputFormat } from '../types.js';

/** The instruction of one keyword (COPY and ADD, CMD and ENTRYPOINT share a shape but not a keyword). */
export type InstructionOf<K extends Keyword> = Instruction & { keyword: K };

/**
 * What a decider returns: the outcome its instruction's report states, and details for the long report. A decider
 * whose outcome depends on what the stage becomes after the walk gives `settle`, asked once, when the report is written.
 */
export type Decision = Outcome & { details?: string[]; settle?: () => Outcome };

/** Decides one instruction of keyword K in a stage: updates the stage's state and says what became of the line. */
export type Decider<K extends Keyword> = (instruction: InstructionOf<K>, stage: Stage, state: StageState, scope: DecideScope) => Decision;

export interface DecideScope {
  decisions: DecisionLedger;
  secrets: SecretFinding[];
  dockerfile: Dockerfile;
  context: BuildContext;
  shell: ShellReader;
  rules: RuleSet;
  format: OutputFormat;
  copyRequests: CopyRequest[];
  mergedStages: Set<number>;
  states: Map<number, StageState>;
  /** The target stage's index. */
  target: number;
  /** Copies into the target from stages that only install Python packages, folded into its Python environment. */
  folds: Map<CopyRequest, FoldedCopy>;
}

/** The image fetched over TLS in Docker, so it had CA certificates; the Nix image gets them too. */
export function needsCertificates(state: StageState, reason: string): void {
  if (state.needs.caCertificates) return;
  state.needs.caCertificates = true;
  state.needReasons.push(reason);
}
