/**
 * What the Dockerfile's own instructions put in the image, for the file comparison: the destinations of COPY and
 * ADD and the WORKDIR folders of the stage that is built (and of the stages it starts FROM), and the package names
 * its RUN lines install. Pure: it reads the parsed Dockerfile only.
 */
import path from 'node:path';
import type { Dockerfile, Stage } from '../dockerfile/model.js';
import { requestedPackages } from './packages.js';

export interface DockerfileScope {
  /** Paths relative to the image root (no leading `/`); `` stands for the whole image (`COPY . /`). */
  roots: string[];
  /** Package names the RUN lines install. */
  requested: string[];
  /** Label keys the Dockerfile's LABEL lines set (in the stages built). */
  labels: string[];
}

function stageChain(dockerfile: Dockerfile, target: string | undefined): Stage[] {
  const stages = dockerfile.stages;
  let stage = target ? stages.find((candidate) => candidate.name === target || String(candidate.index) === target) : stages.at(-1);
  const chain: Stage[] = [];
  while (stage && !chain.includes(stage)) {
    chain.unshift(stage);
    stage = stage.parentStage !== null ? stages[stage.parentStage] : undefined;
  }
  return chain;
}

function relative(absolute: string): string {
  return path.posix.normalize(absolute).replace(/^\/+/, '').replace(/\/+$/, '');
}

export function dockerfileScope(dockerfile: Dockerfile, target?: string): DockerfileScope {
  const roots = new Set<string>();
  const commands: string[] = [];
  const labels = new Set<string>();
  for (const stage of stageChain(dockerfile, target)) {
    for (const instruction of stage.instructions) {
      if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
        const dest = instruction.dest.startsWith('/') ? instruction.dest : path.posix.join(instruction.workdir || '/', instruction.dest);
        roots.add(relative(dest));
      } else if (instruction.keyword === 'WORKDIR') {
        const dir = relative(instruction.path.startsWith('/') ? instruction.path : `/${instruction.path}`);
        if (dir !== '') roots.add(dir);
      } else if (instruction.keyword === 'LABEL') {
        for (const [key] of instruction.pairs) labels.add(key);
      } else if (instruction.keyword === 'RUN') {
        commands.push(instruction.run.form === 'shell' ? instruction.run.command : instruction.run.argv.join(' '));
        for (const heredoc of instruction.heredocs) commands.push(heredoc.content);
      }
    }
  }
  // A root inside another adds nothing.
  const sorted = [...roots].sort();
  const kept = sorted.filter((root) => !sorted.some((other) => other !== root && (other === '' || root.startsWith(`${other}/`))));
  return { roots: kept, requested: requestedPackages(commands), labels: [...labels].sort() };
}
