/**
 * Saved answers as defaults for a new wizard run. An answer that no longer fits the Dockerfile (a stage
 * renamed, a package removed, a build that is no longer npm) is reported and not used.
 */
import type { Answers } from '../convert/answers.js';
import { packageKey, stageKey, type BuildChoice } from '../convert/decisions.js';
import type { MigrationPlan } from '../convert/types.js';

export interface Fitted<T> {
  value: T;
  /** One line per saved answer that does not fit, saying why. */
  problems: string[];
}

/** The saved target, when the Dockerfile still has that stage. */
export function fitTarget(saved: Answers | null, plan: MigrationPlan): Fitted<string | undefined> {
  const target = saved?.target;
  if (target === undefined) return { value: undefined, problems: [] };
  const stage = plan.stages.find((s) => s.name === target.toLowerCase()) ?? (/^\d+$/.test(target) ? plan.stages[Number(target)] : undefined);
  if (!stage) return { value: undefined, problems: [`target "${target}": there is no such stage any more`] };
  return { value: stageKey(stage), problems: [] };
}

/** The saved package and build answers that still apply to what this plan (made without answers) installs. */
export function fitDecisions(
  saved: Answers | null,
  plan: MigrationPlan,
): Fitted<{ packages: Record<string, string | null>; builds: Record<string, BuildChoice> }> {
  const packages: Record<string, string | null> = {};
  const builds: Record<string, BuildChoice> = {};
  const problems: string[] = [];
  if (!saved) return { value: { packages, builds }, problems };
  const installed = new Set(plan.packages.map((p) => packageKey(p.manager, p.name)));
  for (const [key, attr] of Object.entries(saved.decisions.packages)) {
    if (installed.has(key)) packages[key] = attr;
    else problems.push(`${key}: no longer installed by the stages the image needs`);
  }
  for (const [key, choice] of Object.entries(saved.decisions.builds ?? {})) {
    const stage = plan.stages.find((s) => stageKey(s) === key);
    const derivation = stage ? plan.derivations.find((d) => d.stage === stage.index) : undefined;
    if (!derivation || derivation.build.kind !== 'npm' || derivation.build.manager !== 'npm')
      problems.push(`build "${key}": ${stage ? 'that stage is no longer an npm build' : 'there is no such stage any more'}`);
    else if (choice === 'importNpmLock' && !derivation.build.lockFile)
      problems.push(`build "${key}": importNpmLock needs a package-lock.json, and there is none any more`);
    else builds[key] = choice;
  }
  return { value: { packages, builds }, problems };
}
