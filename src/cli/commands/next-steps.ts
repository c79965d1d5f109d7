/**
 * The end of `convert`'s text report: the commands that build the written Nix and load the image into Docker, as the
 * user would type them from where they ran dock2nix (paths relative to the current folder when inside it).
 * With the flake only when it can work: the output inside the build context, and both inside a git repository
 * (a flake sees only the files git tracks, so `git add` comes first).
 */
import path from 'node:path';
import type { MigrationPlan } from '../../convert/types.js';
import { outputInsideContext } from '../../nix/emit.js';
import { repositoryOf } from '../../io/answers-context.js';

/** A path as the user would type it: relative to `cwd` when inside it, else absolute; quoted for sh when it must be. */
export function typedPath(target: string, cwd: string = process.cwd()): string {
  const relative = path.relative(cwd, target);
  const shown = relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? target : relative;
  return shellWord(shown);
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `./nix` for a flake reference: nix build takes a path only with a slash in it. */
function flakeRef(shown: string): string {
  return shown.startsWith('/') || shown.startsWith('.') || shown.startsWith("'") ? shown : `./${shown}`;
}

/** The lines of the "next steps" section (without its heading). */
export function nextSteps(plan: MigrationPlan, outputDir: string, contextDir: string, cwd: string = process.cwd()): string[] {
  const out = typedPath(outputDir, cwd);
  const steps: string[] = [];
  const manual = plan.summary.manual;
  if (manual > 0)
    steps.push(
      `first: do the work of the ${manual} manual instruction${manual === 1 ? '' : 's'} where the TODO(dock2nix) comments of ${typedPath(path.join(outputDir, 'default.nix'), cwd)} say`,
    );
  const image = `${plan.image.name}:${plan.image.tag}`;
  const flake = outputInsideContext(plan) ? repositoryOf(contextDir) !== null : false;
  const ref = flakeRef(out);
  switch (plan.format) {
    case 'layered':
      steps.push(`cd ${out} && nix-build && docker load < result`);
      if (flake) steps.push(`or with the flake: git add ${out} && nix build ${ref} && docker load < result`);
      break;
    case 'stream':
      steps.push(`cd ${out} && "$(nix-build --no-out-link)" | docker load`);
      if (flake) steps.push(`or with the flake: git add ${out} && nix build ${ref} && ./result | docker load`);
      break;
    case 'nix2container':
      // copyToDockerDaemon is a script nix2container passes through on the image; `nix run` needs nix-command.
      if (flake) steps.push(`git add ${out} && nix run ${ref}#default.copyToDockerDaemon`);
      else steps.push(`nix run --file ${typedPath(path.join(outputDir, 'default.nix'), cwd)} copyToDockerDaemon`);
      break;
  }
  steps.push(`docker run --rm ${shellWord(image)}`);
  return steps;
}
