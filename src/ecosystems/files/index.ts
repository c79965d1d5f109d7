/**
 * Files the RUN line changes: mkdir, chmod, chown and rm of what the Dockerfile placed, `ln -s`, build outputs
 * copied with cp/mv/install, and touch. Caches removed after an install are no-ops.
 */
import { resolvePath } from '../../container-path.js';
import { flagValue, hasFlag, parseArgs } from '../../convert/programs/args.js';
import { defineEcosystem, ignored, manual, unknownProgram, type ProgramHandler } from '../define.js';
import { chmod, chown, mkdir, removePlaced } from './paths.js';

const rm: ProgramHandler = (words, command, scope, run) => {
  const { operands } = parseArgs(words.slice(1));
  const scaffold = operands.map((p) => resolvePath(command.cwd, p.replace(/^~/, '/root')));
  if (scaffold.length && scaffold.every((p) => run.scaffolding(scope.stage, p)))
    return ignored(
      'run.cargo.dummy',
      `rm ${operands.join(' ')}: clears a placeholder crate or its compiled files, kept only for Docker's layer cache; the derivation builds the real source`,
    );
  // A word only known at build time could name anything: nothing is taken out of the plan on a guess.
  const dynamic = command.words.some((w) => w.text === null);
  const placed = dynamic ? null : removePlaced(operands, command, scope);
  if (placed?.outcome.status === 'manual') return placed.outcome;
  const rest = operands.filter((p) => !placed?.handled.includes(p));
  if (placed && !rest.length) return placed.outcome;
  const paths = rest.map((p) => resolvePath(command.cwd, p.replace(/^~/, '/root')));
  const caches = paths.filter((p) => run.cachePath(p));
  if (caches.length === paths.length) {
    return placed
      ? { ...placed.outcome, message: `${placed.outcome.message}; ${rest.join(' ')}: caches and lists that a Nix image never contains` }
      : ignored('run.cleanup', `rm ${operands.join(' ')}: caches and lists that a Nix image never contains`);
  }
  const removed = `rm ${rest.join(' ')}: files removed in the Docker build; the Nix image only has what is placed in it`;
  return { status: 'approximated', rule: 'run.rm', message: placed ? `${placed.outcome.message}; ${removed}` : removed };
};

const ln: ProgramHandler = (words, command, scope) => {
  const args = parseArgs(words.slice(1));
  if (!hasFlag(args, '-s', '--symbolic') || args.operands.length !== 2) return manual('run.ln', `${command.source}: only "ln -s TARGET LINK" is converted`);
  const [target, link] = args.operands as [string, string];
  const path = resolvePath(command.cwd, link);
  scope.stage.symlinks.set(path, { path, target: { kind: 'path', path: target } });
  return { status: 'mapped', rule: 'run.ln', message: `ln -s ${target} ${link}: symbolic link in the image` };
};

/**
 * `cp target/release/app /out/` (or mv, install) after the build: the derivation's binary is placed where the
 * command put it, for the stages that copy it from there. Other copies are not converted.
 */
const copyBuilt: ProgramHandler = (words, command, scope, run) => {
  const args = parseArgs(words.slice(1), new Set(['-m', '--mode', '-t', '--target-directory', '-o', '--owner', '-g', '--group', '-S', '--suffix']));
  const targetDir = flagValue(args, '-t', '--target-directory');
  const sources = (targetDir ? args.operands : args.operands.slice(0, -1)).map((s) => resolvePath(command.cwd, s));
  const dest = targetDir ?? args.operands[args.operands.length - 1];
  if (!dest || !sources.length || !sources.every((s) => run.builtOutput(scope.stage, s))) return unknownProgram(command, words[0]!.split('/').pop()!);
  const destPath = resolvePath(command.cwd, dest);
  const intoDir =
    Boolean(targetDir) || dest.endsWith('/') || sources.length > 1 || scope.stage.directories.has(destPath) || /^\/(usr\/(local\/)?)?s?bin$/.test(destPath);
  const placed = sources.map((from) => ({ line: scope.line, from, to: intoDir ? `${destPath.replace(/\/$/, '')}/${from.split('/').pop()}` : destPath }));
  scope.stage.builtCopies.push(...placed);
  return {
    status: 'mapped',
    rule: 'run.cp.build-output',
    message: `${words[0]} ${placed.map((p) => `${p.from} → ${p.to}`).join(', ')}: the derivation's binary, placed there for the stages that copy it`,
  };
};

const touch: ProgramHandler = (words, command, scope, run) => {
  const { operands } = parseArgs(words.slice(1));
  const paths = operands.map((p) => resolvePath(command.cwd, p));
  if (paths.length && paths.every((p) => run.scaffolding(scope.stage, p)))
    return ignored(
      'run.cargo.dummy',
      `touch ${operands.join(' ')}: makes cargo rebuild the crate after the placeholder; the derivation builds the real source once`,
    );
  return unknownProgram(command, 'touch');
};

export default defineEcosystem({
  id: 'files',
  summary: 'Files and folders (mkdir, chmod, chown, rm, ln -s, cp of build outputs, touch)',
  programs: { rm, mkdir, chown, chmod, ln, cp: copyBuilt, mv: copyBuilt, install: copyBuilt, touch },
  // Paths no one ecosystem owns: logs, temporary files, the user's caches, documentation.
  cachePaths: [/^\/var\/log\//, /^\/tmp(\/|$)/, /^\/root\/\.cache(\/|$)/, /^\/usr\/share\/(doc|man|info)(\/|$)/, /^~?\/?\.cache(\/|$)/],
});
