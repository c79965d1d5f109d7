/**
 * Deno: nixpkgs has no fetcher for Deno's dependencies (no `fetchDenoDeps`, nothing that sets DENO_DIR in
 * pkgs/build-support), so the commands that download them at build time (`deno install`, `deno cache`) and those
 * that build with them (`deno compile`, build-time `deno run`/`deno task`) are manual, each with what to do.
 * The image keeps `deno` (the base image's table entry) and the app's files; `deno run …` entry points work.
 */
import { resolvePath } from '../../container-path.js';
import { contextPathOf } from '../../convert/stage.js';
import { defineEcosystem, ignored, manual, type ProgramHandler } from '../define.js';

/** Options of the deno command line that are followed by a value (`--config deno.json`, `--entrypoint main.ts`). */
const VALUE_FLAGS = new Set([
  '-c',
  '--config',
  '-L',
  '--log-level',
  '--entrypoint',
  '--import-map',
  '--lock',
  '--cert',
  '--location',
  '--seed',
  '--env-file',
  '-o',
  '--output',
  '--target',
  '--include',
  '--exclude',
  '--icon',
  '-n',
  '--name',
  '--root',
  '--cwd',
]);

/** What to do with dependencies Deno downloads at build time: a Nix build has no network without a hash. */
const VENDOR_HOW =
  'nixpkgs has no fetcher for Deno dependencies; vendor them into the build context ("vendor": true and "nodeModulesDir": "auto" in deno.json, run deno install, keep vendor/ and node_modules/ with the sources the COPY takes), or fetch them in a fixed-output derivation (DENO_DIR=$out, outputHashMode = "recursive", outputHash from the first build: check that a second build gives the same hash)';

/** Subcommands that only check or report: not part of what the image holds. */
const CHECKS = new Set(['test', 'lint', 'fmt', 'check', 'bench', 'doc', 'coverage']);
const NOOPS = new Set(['info', 'help', 'completions', 'types']);

/** The tasks of deno.json (or deno.jsonc without comments) in a folder of the stage, or null when unreadable. */
function denoTasks(scope: Parameters<ProgramHandler>[2], cwd: string): Record<string, unknown> | null {
  for (const name of ['deno.json', 'deno.jsonc']) {
    const path = contextPathOf(scope.stage, resolvePath(cwd, name));
    const text = path === null ? null : scope.context.readText(path);
    if (text === null) continue;
    try {
      const tasks = (JSON.parse(text) as { tasks?: Record<string, unknown> }).tasks;
      return tasks && typeof tasks === 'object' ? tasks : {};
    } catch {
      return null;
    }
  }
  return null;
}

const deno: ProgramHandler = (words, command, scope) => {
  const operands: string[] = [];
  const flags: string[] = [];
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === '--') {
      operands.push(...words.slice(i + 1));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      operands.push(word);
      // What follows the script of `deno run x.ts` or the task name is the program's own arguments.
      if (operands.length >= 2 && ['run', 'task', 'compile', 'eval', 'serve'].includes(operands[0]!)) {
        operands.push(...words.slice(i + 1));
        break;
      }
      continue;
    }
    flags.push(word);
    if (!word.includes('=') && VALUE_FLAGS.has(word)) i++;
  }
  const action = operands[0];
  if (!action) {
    // (`deno --version` is a version check the dispatch ignores before this handler.)
    if (flags.some((f) => f === '-h' || f === '--help')) return ignored('run.deno.noop', `${command.source}: prints information only; not needed with Nix`);
    return manual('run.deno.unknown', `${command.source}: starts Deno's interactive shell; not converted`);
  }
  if (NOOPS.has(action)) return ignored('run.deno.noop', `deno ${action}: prints information only; not needed with Nix`);
  if (CHECKS.has(action)) return ignored('run.deno.check', `deno ${action}: tests and checks belong in a derivation's checkPhase, not in the image`);
  if (action === 'upgrade')
    return manual('run.deno.upgrade', `deno upgrade: replaces deno with another release; the image has the deno of the nixpkgs revision (pin nixpkgs instead)`);
  if (action === 'install' || action === 'i' || action === 'add') {
    const global = flags.some((f) => f === '-g' || f === '--global');
    if (global || action === 'add' || operands.length > 1) {
      return manual(
        'run.deno.add',
        `deno ${action} ${[...flags, ...operands.slice(1)].join(' ')}: ${global ? 'installs a program globally' : 'adds packages that deno.json does not list'}; add them to deno.json (and deno.lock), then ${VENDOR_HOW}`,
      );
    }
    return manual(
      'run.deno.install',
      `deno install: downloads the dependencies deno.json and deno.lock name, at build time; ${VENDOR_HOW}. As converted, deno downloads them into DENO_DIR when the container starts (it needs the network then)`,
    );
  }
  if (action === 'cache') {
    return manual(
      'run.deno.cache',
      `deno cache ${operands.slice(1).join(' ')}: downloads the modules it imports into DENO_DIR at build time; ${VENDOR_HOW}. As converted, deno downloads them when the container starts (it needs the network then)`,
    );
  }
  if (action === 'compile') {
    return manual(
      'run.deno.compile',
      `deno compile ${operands.slice(1).join(' ')}: builds a self-contained binary, downloading its dependencies and Deno's runtime (denort); no nixpkgs builder does this: ${VENDOR_HOW}, and run deno compile in a derivation (or run the script with deno in the image)`,
    );
  }
  if (action === 'task') {
    const name = operands[1];
    const tasks = denoTasks(scope, command.cwd);
    const task = name && tasks ? tasks[name] : undefined;
    const text =
      typeof task === 'string'
        ? task
        : task && typeof task === 'object' && typeof (task as { command?: unknown }).command === 'string'
          ? (task as { command: string }).command
          : null;
    return manual(
      'run.deno.task',
      `deno task ${operands.slice(1).join(' ')}: runs ${text ? `"${text}" (deno.json)` : 'a task of deno.json dock2nix cannot read'} at build time; not converted (it needs Deno's dependencies offline: ${VENDOR_HOW})`,
    );
  }
  if (action === 'run' || action === 'eval' || action === 'serve' || /\.(m?[jt]sx?)$/.test(action)) {
    return manual(
      'run.deno.run',
      `${command.source}: runs a Deno program at build time; what it writes is not known to dock2nix (and its imports need the network: ${VENDOR_HOW})`,
    );
  }
  return manual('run.deno.unknown', `deno ${action}: not converted`);
};

export default defineEcosystem({
  id: 'deno',
  summary: 'Deno: deno in the image; dependency downloads (deno install, deno cache) are manual, as nixpkgs has no Deno fetcher',
  programs: { deno },
});
