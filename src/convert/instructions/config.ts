/**
 * The keywords that only set a field of the image config (or the stage's shell): WORKDIR, EXPOSE, LABEL,
 * MAINTAINER, VOLUME, STOPSIGNAL, SHELL; and ONBUILD, which has none in Nix.
 */
import { recordSecrets } from '../secrets.js';
import type { Outcome, StageState } from '../stage.js';
import type { DecideScope, InstructionOf } from './scope.js';

export function decideWorkdir(workdir: InstructionOf<'WORKDIR'>, state: StageState): Outcome {
  state.workdir = workdir.path;
  state.config.WorkingDir = workdir.path;
  if (!state.directories.has(workdir.path)) state.directories.set(workdir.path, { path: workdir.path, mode: null, owner: null });
  return { status: 'mapped' as const, rule: 'workdir', message: `working directory ${workdir.path}, created in the image` };
}

export function decideExpose(expose: InstructionOf<'EXPOSE'>, state: StageState): Outcome {
  const ports = expose.ports.map((p) => (p.includes('/') ? p.toLowerCase() : `${p}/tcp`));
  for (const port of ports) if (!state.config.ExposedPorts.includes(port)) state.config.ExposedPorts.push(port);
  return { status: 'mapped' as const, rule: 'expose', message: `exposed ports ${ports.join(' ')}` };
}

export function decideLabel(label: InstructionOf<'LABEL'>, state: StageState, scope: DecideScope): Outcome {
  for (const [name, value] of label.pairs) upsert(state.config.Labels, name, value);
  recordSecrets(scope.secrets, label.line, 'LABEL', label.pairs);
  return { status: 'mapped' as const, rule: 'label', message: `labels ${label.pairs.map(([n]) => n).join(', ')}` };
}

export function decideMaintainer(maintainer: InstructionOf<'MAINTAINER'>, state: StageState): Outcome {
  upsert(state.config.Labels, 'maintainer', maintainer.maintainer);
  return { status: 'approximated' as const, rule: 'maintainer', message: 'MAINTAINER is deprecated; kept as the "maintainer" label' };
}

export function decideVolume(volume: InstructionOf<'VOLUME'>, state: StageState): Outcome {
  for (const path of volume.paths) if (!state.config.Volumes.includes(path)) state.config.Volumes.push(path);
  return { status: 'mapped' as const, rule: 'volume', message: `volumes ${volume.paths.join(' ')}` };
}

export function decideStopsignal(signal: InstructionOf<'STOPSIGNAL'>, state: StageState): Outcome {
  state.config.StopSignal = signal.signal;
  return { status: 'mapped' as const, rule: 'stopsignal', message: `stop signal ${signal.signal}` };
}

export function decideShell(shell: InstructionOf<'SHELL'>, state: StageState): Outcome {
  state.shell = shell.argv;
  return { status: 'mapped' as const, rule: 'shell', message: `shell-form commands run with ${shell.argv.join(' ')}` };
}

export function decideOnbuild(): Outcome {
  return {
    status: 'ignored' as const,
    rule: 'onbuild',
    message: 'ONBUILD triggers run only when another Dockerfile builds FROM this image; Nix images are extended in Nix instead',
  };
}

function upsert(list: Array<[string, string]>, name: string, value: string): void {
  const existing = list.findIndex(([n]) => n === name);
  if (existing === -1) list.push([name, value]);
  else list[existing] = [name, value];
}
