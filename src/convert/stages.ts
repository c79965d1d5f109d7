/** Which stage is the target, which stages it needs and in what role, and how a stage is named in messages. */
import type { Dockerfile, Stage } from '../dockerfile/model.js';
import { Dock2nixError } from '../errors.js';
import type { StageReport } from './types.js';

export function stageLabel(stage: Stage): string {
  return stage.name ? `"${stage.name}"` : `#${stage.index}`;
}

export function findTarget(dockerfile: Dockerfile, target: string | undefined): number {
  if (target === undefined) return dockerfile.stages.length - 1;
  const byName = dockerfile.stages.findIndex((s) => s.name === target.toLowerCase());
  if (byName !== -1) return byName;
  if (/^\d+$/.test(target) && Number(target) < dockerfile.stages.length) return Number(target);
  throw new Dock2nixError('E_USAGE', `no stage named "${target}" (stages: ${dockerfile.stages.map((s) => s.name ?? String(s.index)).join(', ')})`, {
    file: dockerfile.path,
  });
}

/** Resolve `--from=x` to a stage index: a stage name, or a number naming an earlier stage. Null for an image. */
export function stageReference(dockerfile: Dockerfile, ref: string, before: number): number | null {
  const byName = dockerfile.stages.findIndex((s) => s.name === ref.toLowerCase() && s.index < before);
  if (byName !== -1) return byName;
  if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
  return null;
}

export function stageRoles(dockerfile: Dockerfile, target: number): Map<number, StageReport['role']> {
  const roles = new Map<number, StageReport['role']>();
  // A work list, not recursion: thousands of chained stages must not overflow the stack. Roles only ever
  // rise (base < build < image), so the order stages are taken in does not change the result.
  const pending: Array<[number, StageReport['role']]> = [[target, 'image']];
  while (pending.length) {
    const [index, role] = pending.pop()!;
    const existing = roles.get(index);
    if (existing === 'image' || existing === role || (existing === 'build' && role === 'base')) continue;
    roles.set(index, existing === 'base' && role === 'build' ? 'build' : role);
    const stage = dockerfile.stages[index]!;
    if (stage.parentStage !== null) pending.push([stage.parentStage, 'base']);
    for (const instruction of stage.instructions) {
      const refs: string[] = [];
      if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && instruction.from) refs.push(instruction.from);
      if (instruction.keyword === 'RUN') for (const mount of instruction.mounts) if (mount.from) refs.push(mount.from);
      for (const ref of refs) {
        const referenced = stageReference(dockerfile, ref, index);
        if (referenced !== null) pending.push([referenced, 'build']);
      }
    }
  }
  return roles;
}
