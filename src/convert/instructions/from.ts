/** FROM: what the base image (or the stage continued) provides in Nix. The state itself starts in ../base-image.ts. */
import type { Stage } from '../../dockerfile/model.js';
import type { Outcome, StageState } from '../stage.js';
import type { Status } from '../types.js';
import { stageLabel } from '../stages.js';
import type { DecideScope, Decision, InstructionOf } from './scope.js';

export function decideFrom(image: string, platform: string | null, state: StageState, scope: DecideScope, stage: Stage): Outcome {
  const notes: string[] = [];
  if (platform && !/^linux\/amd64$/.test(platform)) notes.push(`--platform ${platform}: build for that system by choosing the flake's system (pkgsCross or a remote builder)`);
  if (stage.parentStage !== null) {
    return { status: 'mapped', rule: 'from.stage', message: `continues stage ${stageLabel(scope.dockerfile.stages[stage.parentStage]!)}${notes.length ? `; ${notes.join('; ')}` : ''}` };
  }
  const { base } = state;
  if (base.digest) notes.push('the digest pins the base image; in Nix the flake.lock pins every package instead');
  if (!base.image) {
    return {
      status: 'manual',
      rule: 'from.unknown',
      message: `base image ${image} has no known Nix equivalent; the Nix image starts empty: add what the program needs from it`,
    };
  }
  const runtime = base.image.runtime ? state.runtimes[base.image.runtime.startsWith('java-') ? 'java' : base.image.runtime] : undefined;
  const provides = [...base.image.attrs, ...(runtime ? [runtime.attr] : [])];
  let status: Status = base.image.confidence === 'low' ? 'approximated' : 'mapped';
  if (runtime?.substitution) {
    status = 'approximated';
    notes.push(runtime.substitution);
  }
  if (base.image.kind === 'empty') return { status: 'mapped', rule: 'from.scratch', message: 'scratch: the image starts empty' };
  if (base.image.confidence !== 'exact' && base.image.note) notes.push(base.image.note);
  return {
    status,
    rule: `from.${base.image.kind}`,
    message: `${image} → ${provides.length ? provides.join(', ') : 'no packages'}${notes.length ? `; ${notes.join('; ')}` : ''}`,
  };
}

/**
 * FROM's decision. A stage can move to another Python for its packages after this line is decided (settlePython,
 * during the walk or when a pip stage is folded into the image), so the report is settled when it is written: the
 * arrow names what the image gets, not the interpreter first chosen from the tag, and the move is said.
 */
export function decideFromLine(from: InstructionOf<'FROM'>, stage: Stage, state: StageState, scope: DecideScope): Decision {
  const outcome = decideFrom(from.image, from.platform, state, scope, stage);
  const settle = (): Outcome => {
    const moved = state.runtimes.python?.substitution;
    if (!moved || outcome.message.includes(moved)) return outcome;
    return { status: outcome.status === 'mapped' ? 'approximated' : outcome.status, rule: outcome.rule, message: `${outcome.message.replace(/→ python\d+/, `→ ${state.runtimes.python!.attr}`)}; ${moved}` };
  };
  return { ...outcome, settle };
}

