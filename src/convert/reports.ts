/**
 * Instruction reports, each written once. A decider decides its instruction during the walk; what is learnt about
 * the instruction afterwards (a derivation's problem, a copy no stage can provide, the entrypoint check, the
 * Python a stage moved to) is recorded as a note on that instruction, and `write` composes the decision and its
 * notes into the report. Nothing looks reports up, by line or otherwise, and no report changes once written.
 */
import type { Instruction } from '../dockerfile/model.js';
import type { Decision } from './instructions/scope.js';
import { statusRank, type InstructionReport, type Status } from './types.js';

/** A clause learnt about an instruction after the walk, appended to its report's message. */
export interface LateNote {
  text: string;
  /** The report's status becomes at least this. */
  raise: Status | null;
  /** Left out when the report is manual already (it says what to do by hand). */
  unlessManual?: boolean;
}

interface Entry {
  instruction: Instruction;
  stage: number | null;
  decision: Decision;
}

export class ReportBook {
  private readonly entries: Entry[] = [];
  private readonly notes = new Map<Instruction, LateNote[]>();
  private written = false;

  decided(instruction: Instruction, stage: number | null, decision: Decision): void {
    this.entries.push({ instruction, stage, decision });
  }

  note(instruction: Instruction, note: LateNote): void {
    if (this.written) throw new Error('note after the reports were written');
    const list = this.notes.get(instruction);
    if (list) list.push(note);
    else this.notes.set(instruction, [note]);
  }

  /** Every report, in the order decided: the decision (as its decider settles it) and its notes, in the order noted. */
  write(): InstructionReport[] {
    this.written = true;
    return this.entries.map(({ instruction, stage, decision }) => {
      const outcome = decision.settle ? decision.settle() : decision;
      let status = outcome.status;
      let message = outcome.message;
      for (const note of this.notes.get(instruction) ?? []) {
        if (note.unlessManual && status === 'manual') continue;
        if (note.raise && statusRank[note.raise] > statusRank[status]) status = note.raise;
        message += `; ${note.text}`;
      }
      return {
        line: instruction.line,
        endLine: instruction.endLine,
        keyword: instruction.keyword,
        stage,
        status,
        rule: outcome.rule,
        message,
        details: decision.details ?? [],
      };
    });
  }
}
