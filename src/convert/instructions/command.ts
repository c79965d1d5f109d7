/** CMD and ENTRYPOINT: the image's command, through the stage's shell when in shell form. */
import type { CommandForm, Stage } from '../../dockerfile/model.js';
import type { Outcome, StageState } from '../stage.js';
import { needsCertificates, type InstructionOf } from './scope.js';

export function decideCmd(cmd: InstructionOf<'CMD'>, state: StageState): Outcome {
  const { argv, outcome } = commandArgv(cmd.command, state, 'CMD');
  state.config.Cmd = argv;
  return outcome;
}

export function decideEntrypoint(entrypoint: InstructionOf<'ENTRYPOINT'>, stage: Stage, state: StageState): Outcome {
  const { argv, outcome } = commandArgv(entrypoint.command, state, 'ENTRYPOINT');
  state.config.Entrypoint = argv;
  // Docker: setting ENTRYPOINT resets a CMD inherited from the base image.
  if (!stageSetsCmdBefore(stage, entrypoint.line)) state.config.Cmd = null;
  return outcome;
}

function stageSetsCmdBefore(stage: Stage, line: number): boolean {
  return stage.instructions.some((i) => i.keyword === 'CMD' && i.line < line);
}

function commandArgv(command: CommandForm, state: StageState, keyword: string): { argv: string[]; outcome: Outcome } {
  const text = command.form === 'exec' ? command.argv.join(' ') : command.command;
  if (/https:\/\//.test(text)) needsCertificates(state, `${keyword} uses an https:// address`);
  if (command.form === 'exec') {
    return { argv: command.argv, outcome: { status: 'mapped', rule: keyword.toLowerCase(), message: `${keyword} ${JSON.stringify(command.argv)}` } };
  }
  const argv = [...state.shell, command.command];
  if (!state.hasShell) {
    state.needs.binSh = true;
    state.needReasons.push(`${keyword} in shell form needs /bin/sh`);
    return {
      argv,
      outcome: {
        status: 'approximated',
        rule: `${keyword.toLowerCase()}.shell-form`,
        message: `${keyword} in shell form runs through ${state.shell.join(' ')}; dockerTools.binSh adds /bin/sh, which the base image did not have`,
      },
    };
  }
  return {
    argv,
    outcome: { status: 'mapped', rule: `${keyword.toLowerCase()}.shell-form`, message: `${keyword} in shell form runs through ${state.shell.join(' ')}` },
  };
}
