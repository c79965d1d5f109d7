/** FROM: what the base image (or the stage continued) provides in Nix. The state itself starts in ../base-image.ts. */
import type { Stage } from '../../dockerfile/model.js';
import type { Outcome, StageState } from '../stage.js';
import type { Status } from '../types.js';
import { stageLabel } from '../stages.js';
import { formatOf } from '../../nix/formats/index.js';
import type { DecideScope, Decision, InstructionOf } from './scope.js';

export function decideFrom(image: string, platform: string | null, state: StageState, scope: DecideScope, stage: Stage): Outcome {
  const notes: string[] = [];
  if (platform && !/^linux\/amd64$/.test(platform))
    notes.push(`--platform ${platform}: build for that system by choosing the flake's system (pkgsCross or a remote builder)`);
  if (stage.parentStage !== null) {
    const parent = stageLabel(scope.dockerfile.stages[stage.parentStage]!);
    if (state.kept?.plan.why === 'unknown' && !state.inImage) {
      return {
        status: 'manual',
        rule: 'from.stage.kept-base',
        message: `continues stage ${parent}, whose base ${state.kept.plan.imageName} has no known Nix equivalent and stays a pulled image for the image; this build stage becomes a Nix derivation, which cannot run inside a pulled image, so it gets none of that base's tools: add what its commands need to its derivation`,
      };
    }
    return {
      status: 'mapped',
      rule: 'from.stage',
      message: `continues stage ${stageLabel(scope.dockerfile.stages[stage.parentStage]!)}${notes.length ? `; ${notes.join('; ')}` : ''}`,
    };
  }
  const { base } = state;
  if (state.kept) return keptBase(image, state, scope, notes);
  if (base.digest) notes.push('the digest pins the base image; in Nix the flake.lock pins every package instead');
  if (!base.image) {
    return {
      status: 'manual',
      rule: 'from.unknown',
      message: state.inImage
        ? `base image ${image} has no known Nix equivalent${base.unmapped ? ` (${base.unmapped})` : ''}; the Nix image starts empty: add what the program needs from it`
        : `base image ${image} has no known Nix equivalent${base.unmapped ? ` (${base.unmapped})` : ''}; this build stage becomes a Nix derivation, which cannot run inside a pulled image, so its tools must come from nixpkgs: add what its commands need to its derivation`,
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
  // What a tag part's variant does differently (php's `fpm`, `apache`), when the table says so.
  for (const part of (base.tag ?? '').toLowerCase().split('-')) {
    const variant = base.image.variants && Object.hasOwn(base.image.variants, part) ? base.image.variants[part] : undefined;
    if (variant?.approximated && variant.note && !notes.includes(variant.note)) {
      notes.push(variant.note);
      status = 'approximated';
    }
  }
  return {
    status,
    rule: `from.${base.image.kind}`,
    message: `${image} → ${provides.length ? provides.join(', ') : 'no packages'}${notes.length ? `; ${notes.join('; ')}` : ''}`,
  };
}

/**
 * The image's base kept as a pulled image (partial migration): an unknown base, or any base under --keep-base.
 * The FROM line is approximated: the base's layers remain Docker's, and part of its config is not inherited.
 */
function keptBase(image: string, state: StageState, scope: DecideScope, platformNotes: string[]): Outcome {
  const { plan } = state.kept!;
  const format = formatOf(scope.format);
  if (!format.baseImage) {
    return {
      status: 'manual',
      rule: plan.why === 'unknown' ? 'from.kept' : 'from.keep-base',
      message: [
        `${plan.why === 'unknown' ? `${image} has no known Nix equivalent` : `--keep-base: ${image} is to stay Docker's`}, and ${format.short} cannot run on a base image's layers: nothing of the base is in the result; put what the program needs from it (its runtime, libraries, files) in the Nix by hand`,
        ...platformNotes,
      ].join('; '),
    };
  }
  const notes: string[] = [
    plan.why === 'unknown'
      ? `${image} has no known Nix equivalent${state.base.unmapped ? ` (${state.base.unmapped})` : ''}, so it stays Docker's`
      : `--keep-base: ${image} stays Docker's`,
    `its layers are pulled (${format.baseImage.puller}${plan.digest ? ', by the digest the FROM line pins' : ''}) and the Dockerfile's own layers go on top in Nix`,
    ...(plan.digest ? [] : [`the FROM line pins no digest: ${format.baseImage.prefetch} (marked on the pull)`]),
  ];
  const known = plan.why === 'keep-base';
  if (format.baseImage.keepsEnv) {
    notes.push(
      `${format.short} inherits only the base's Env: its ENTRYPOINT, CMD, USER, WORKDIR, EXPOSE and VOLUME are not inherited${known ? ' (written again as the base-image table knows them)' : '; check `docker inspect` and add what the program relies on'}`,
    );
  } else {
    notes.push(
      `${format.short} takes only the base's layers, none of its config: its Env (PATH), ENTRYPOINT, CMD, USER and WORKDIR are not inherited${known ? ' (written again as far as the base-image table knows them; without a PATH Docker uses its default one)' : '; check `docker inspect` and add what the program relies on'}`,
    );
  }
  notes.push(
    `nothing of Nix's /etc/passwd, /bin/sh or default PATH is added, so the base's own stay visible${known ? '' : ' (its /bin/sh is assumed for shell-form commands)'}, and the programs ENTRYPOINT and CMD run are taken to be in the base or the Nix layers (dock2nix cannot look inside the base)`,
  );
  // pullImage pulls the build machine's architecture unless told (`arch`); the --platform note says what to do.
  return { status: 'approximated', rule: plan.why === 'unknown' ? 'from.kept' : 'from.keep-base', message: [...notes, ...platformNotes].join('; ') };
}

/** What the target stage adds on top of a kept base that the base does not see (settled once the walk is done). */
function keptBaseCaveats(state: StageState, scope: DecideScope): string[] {
  const target = scope.states.get(scope.target);
  if (!state.kept || !target || target.kept !== state.kept) return [];
  const caveats: string[] = [];
  const added = [...target.users.keys()].filter((name) => name !== 'root' && name !== 'nobody' && !state.kept!.users.includes(name));
  if (added.length)
    caveats.push(
      `users the Dockerfile adds (${added.join(', ')}) are not written into the base's /etc/passwd: add them to the base image, or run as a numeric uid`,
    );
  if (target.pythonPackages.size)
    caveats.push(
      "the Python packages go into a Nix Python environment in the image root, which the base's own interpreter does not see: run the program with that environment's python",
    );
  return caveats;
}

/**
 * FROM's decision. A stage can move to another Python for its packages after this line is decided (settlePython,
 * during the walk or when a pip stage is folded into the image), so the report is settled when it is written: the
 * arrow names what the image gets, not the interpreter first chosen from the tag, and the move is said.
 */
export function decideFromLine(from: InstructionOf<'FROM'>, stage: Stage, state: StageState, scope: DecideScope): Decision {
  const outcome = decideFrom(from.image, from.platform, state, scope, stage);
  const settle = (): Outcome => {
    const caveats = keptBaseCaveats(state, scope);
    if (caveats.length) return { ...outcome, message: `${outcome.message}; ${caveats.join('; ')}` };
    const moved = state.runtimes.python?.substitution;
    if (!moved || outcome.message.includes(moved)) return outcome;
    return {
      status: outcome.status === 'mapped' ? 'approximated' : outcome.status,
      rule: outcome.rule,
      message: `${outcome.message.replace(/→ python\d+/, `→ ${state.runtimes.python!.attr}`)}; ${moved}`,
    };
  };
  return { ...outcome, settle };
}
