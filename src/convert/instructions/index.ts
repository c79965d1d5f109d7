/**
 * One decider per Dockerfile keyword. DECIDERS is keyed by every Keyword, so a keyword without a decider does not
 * compile; `decide` picks the instruction's decider. ../reports.ts writes the report from its decision.
 */
import type { Instruction, Keyword, Stage } from '../../dockerfile/model.js';
import type { StageState } from '../stage.js';
import { describeArg } from './arg.js';
import { decideCmd, decideEntrypoint } from './command.js';
import { decideExpose, decideLabel, decideMaintainer, decideOnbuild, decideShell, decideStopsignal, decideVolume, decideWorkdir } from './config.js';
import { decideCopy } from './copy.js';
import { decideEnv } from './env.js';
import { decideFromLine } from './from.js';
import { decideHealthcheck } from './healthcheck.js';
import { decideRun } from './run.js';
import type { DecideScope, Decider, Decision } from './scope.js';
import { decideUser } from './user.js';

export const DECIDERS: { [K in Keyword]: Decider<K> } = {
  FROM: decideFromLine,
  ARG: (arg, _stage, _state, scope) => describeArg(arg, scope.secrets),
  RUN: (run, _stage, state, scope) => decideRun(run, state, scope),
  COPY: (copy, stage, state, scope) => decideCopy(copy, stage, state, scope),
  ADD: (copy, stage, state, scope) => decideCopy(copy, stage, state, scope),
  ENV: (env, _stage, state, scope) => decideEnv(env, state, scope),
  WORKDIR: (workdir, _stage, state) => decideWorkdir(workdir, state),
  USER: (user, _stage, state) => decideUser(user.user, user.group, state),
  EXPOSE: (expose, _stage, state) => decideExpose(expose, state),
  CMD: (cmd, _stage, state) => decideCmd(cmd, state),
  ENTRYPOINT: (entrypoint, stage, state) => decideEntrypoint(entrypoint, stage, state),
  LABEL: (label, _stage, state, scope) => decideLabel(label, state, scope),
  MAINTAINER: (maintainer, _stage, state) => decideMaintainer(maintainer, state),
  VOLUME: (volume, _stage, state) => decideVolume(volume, state),
  STOPSIGNAL: (signal, _stage, state) => decideStopsignal(signal, state),
  HEALTHCHECK: (health, _stage, state, scope) => decideHealthcheck(health, state, scope.format),
  SHELL: (shell, _stage, state) => decideShell(shell, state),
  ONBUILD: () => decideOnbuild(),
};

export function decide(instruction: Instruction, stage: Stage, state: StageState, scope: DecideScope): Decision {
  // Neither Nix strings, the image config nor a shell word can hold a NUL: nothing of such a line is used.
  if (holdsNul(instruction)) {
    return {
      status: 'manual',
      rule: 'instruction.nul',
      message: `${instruction.keyword} holds a NUL character, which no image config, Nix string or shell word can carry; not converted`,
    };
  }
  return decideWith(instruction, stage, state, scope);
}

/** The decider of the instruction's own keyword (one generic call, so the instruction and its decider agree). */
function decideWith<K extends Keyword>(instruction: Instruction & { keyword: K }, stage: Stage, state: StageState, scope: DecideScope): Decision {
  const decider: Decider<K> = DECIDERS[instruction.keyword];
  return decider(instruction, stage, state, scope);
}

/** Whether any string in the value (an instruction's fields, at any depth) holds a NUL character. */
function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return true;
    } else if (item !== null && typeof item === 'object') pending.push(...Object.values(item));
  }
  return false;
}
