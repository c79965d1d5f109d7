/**
 * `dock2nix convert`: the I/O around the pure conversion. Reads the Dockerfile and the context, refuses to
 * overwrite without --force, writes atomically, prints the report (JSON on stdout with --json).
 */
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { convertDockerfile, imageNameFrom } from '../../convert/convert.js';
import { outputInsideContext } from '../../nix/emit.js';
import { STATUS_ORDER, type MigrationPlan, type OutputFormat, type Status } from '../../convert/types.js';
import { Dock2nixError } from '../../errors.js';
import { parseBuildArgs, readDockerfile } from '../../io/dockerfile.js';
import { fsContext, readDockerignore } from '../../io/fs-context.js';
import { ensureWritable, writeFilesAtomically } from '../../io/write.js';
import { loadShellReader } from '../../io/shell-reader.js';
import { jsonReport, textReport, wrap } from '../../report/report.js';
import { loadRules } from '../../io/rules-files.js';
import type { Answers } from '../../convert/answers.js';
import type { CliIo } from '../io.js';
import { convertBatch, defaultJobs, threadCount, type BatchJob, type BatchOptions, type BatchOutcome } from './convert-pool.js';
import { compareText } from '../../compare.js';
import { toolVersion } from '../../version.js';
import { repositoryOf, savedContextFolder } from '../../io/answers-context.js';
import { nextSteps, typedPath } from './next-steps.js';

export interface ConvertCommandOptions {
  dockerfile: string;
  output?: string;
  context?: string;
  target?: string;
  format: OutputFormat;
  /** True when --format was given on the command line (it then wins over the answers file). */
  formatFromFlag?: boolean;
  /** --keep-base: the image's base stays a pulled image even when dock2nix could map it. */
  keepBase?: boolean;
  /** --max-layers: the builder's maxLayers (dockerTools' default is 100). */
  maxLayers?: number;
  /** --with-dockerfile: also write Dockerfile.nix (the same image built with Docker alone). */
  withDockerfile?: boolean;
  buildArg: string[];
  name?: string;
  json?: boolean;
  force?: boolean;
  answers?: string;
  check?: boolean;
  nixpkgs?: string;
  /** Exit FAIL_ON_EXIT when an instruction is this status or worse (manual; approximated or manual). */
  failOn?: 'manual' | 'approximated';
}

/** Exit status when --fail-on found an instruction it names (the files are written all the same). */
export const FAIL_ON_EXIT = 3;

/** The instructions --fail-on counts against a plan: manual ones, and approximated ones too with `approximated`. */
export function failOnFindings(plan: MigrationPlan, failOn: ConvertCommandOptions['failOn']): MigrationPlan['instructions'] {
  if (!failOn) return [];
  return plan.instructions.filter((i) => i.status === 'manual' || (failOn === 'approximated' && i.status === 'approximated'));
}

function failOnLine(dockerfile: string, findings: MigrationPlan['instructions'], failOn: string): string {
  const lines = [...new Set(findings.map((f) => f.line))].sort((a, b) => a - b);
  return `dock2nix: --fail-on ${failOn}: ${dockerfile}: ${findings.length} instruction(s) (Dockerfile line${lines.length === 1 ? '' : 's'} ${lines.join(', ')})\n`;
}

/** The answers file, checked (src/io/answers.ts, with the schema and zod, loads only when there is one). */
async function readAnswersFile(file: string): Promise<Answers> {
  const { readAnswers } = await import('../../io/answers.js');
  return readAnswers(file);
}

/** Convert one Dockerfile and write its files; throws a Dock2nixError for input it cannot use. */
export async function convertOne(
  options: ConvertCommandOptions,
  answers: Answers | null,
): Promise<{ plan: MigrationPlan; written: string[]; notes: string[]; next: string[] }> {
  // Loading the grammar (WebAssembly, compiled off this thread) overlaps the reading below.
  const shellReady = loadShellReader();
  const source = readDockerfile(options.dockerfile);
  // A context saved in the answers file is relative to that file; --context wins over it.
  // A saved context must stay inside the answers file's repository (io/answers-context.ts); --context is not checked.
  const savedContext =
    answers?.context !== undefined && options.answers && options.context === undefined
      ? savedContextFolder(options.answers, answers.context, options.dockerfile)
      : undefined;
  const contextDir = path.resolve(options.context ?? savedContext ?? path.dirname(options.dockerfile));
  try {
    if (!statSync(contextDir).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new Dock2nixError('E_NOT_FOUND', 'build context is not a directory', { file: options.context ?? contextDir });
  }
  // The answers file sits next to the output it was made for, so that folder is the default.
  const outputDir = path.resolve(options.output ?? (options.answers ? path.dirname(options.answers) : path.join(contextDir, 'nix')));
  const outputInContext = path.relative(contextDir, outputDir);
  const rules = loadRules();
  const context = fsContext(contextDir);
  const ignore = readDockerignore(context);
  const shell = await shellReady;
  const { plan, files } = convertDockerfile(source, context, rules, {
    dockerfilePath: options.dockerfile,
    format: options.formatFromFlag ? options.format : (answers?.format ?? options.format),
    target: options.target ?? answers?.target,
    keepBase: options.keepBase || answers?.keepBase,
    ...(options.maxLayers !== undefined ? { maxLayers: options.maxLayers } : {}),
    decisions: answers?.decisions,
    buildArgs: { ...answers?.buildArgs, ...parseBuildArgs(options.buildArg) },
    imageName: options.name ?? imageNameFrom(path.basename(contextDir)),
    contextFromOutput: path.relative(outputDir, contextDir).split(path.sep).join('/'),
    outputInContext:
      outputInContext && !outputInContext.startsWith('..') && !path.isAbsolute(outputInContext) ? outputInContext.split(path.sep).join('/') : null,
    dockerignore: ignore,
    contextLabel: path.relative(process.cwd(), contextDir) || '.',
    toolVersion,
    shell,
    dockerfile: options.withDockerfile,
  });
  const names = answers?.files ?? (['default.nix', 'flake.nix'] as const);
  const targets = names.map((name) => ({ path: path.join(outputDir, name), content: files[name] }));
  // Files of the output format (nixos.nix) go with default.nix and are regenerated like it.
  if (names.includes('default.nix'))
    for (const [name, content] of Object.entries(files.formatFiles)) targets.push({ path: path.join(outputDir, name), content });
  const dockerfileNix = files['Dockerfile.nix'];
  if (dockerfileNix !== undefined) targets.push({ path: path.join(outputDir, 'Dockerfile.nix'), content: dockerfileNix });
  // Side files default.nix reads (deps.json): one that exists holds what its generation step wrote, so it is kept.
  const kept: string[] = [];
  if (names.includes('default.nix')) {
    for (const [name, content] of Object.entries(files.extra)) {
      const file = path.join(outputDir, name);
      if (existsSync(file)) kept.push(name);
      else targets.push({ path: file, content });
    }
  }
  ensureWritable(
    targets.map((t) => t.path),
    Boolean(options.force),
  );
  await writeFilesAtomically(targets, { replace: Boolean(options.force) });
  const keptNotes = kept.map((name) => `${name}: kept as it is (a file its generation step writes; delete it to start again from the empty one)`);
  return {
    plan,
    written: targets.map((t) => path.relative(process.cwd(), t.path) || t.path),
    notes: [...keptNotes, ...flakeNotes(plan, outputDir, contextDir)],
    next: nextSteps(plan, outputDir, contextDir),
  };
}

/** What `nix build` with the written flake needs: flakes read a git repository's tracked files, or their own folder. */
export function flakeNotes(plan: MigrationPlan, outputDir: string, contextDir: string): string[] {
  const shown = (dir: string) => typedPath(dir);
  if (!outputInsideContext(plan)) {
    return [
      `flake.nix: ${shown(outputDir)} is outside the build context ${shown(contextDir)}, which a flake cannot reach under pure evaluation; build without the flake (next steps), or convert with -o inside the context`,
    ];
  }
  const root = repositoryOf(contextDir);
  if (!root) {
    return [
      `flake.nix: outside a git repository nix build copies only ${shown(outputDir)} and cannot reach the context; build without the flake (next steps), or put the context under git (git init && git add -A)`,
    ];
  }
  return [
    `flake.nix: nix build sees only the files git tracks in ${shown(root)}: git add ${shown(outputDir)} (and the context files the image copies) before nix build`,
  ];
}

export async function runConvert(options: ConvertCommandOptions, io: CliIo): Promise<number> {
  const answers = options.answers ? await readAnswersFile(options.answers) : null;
  const { plan, written, notes, next } = await convertOne(options, answers);
  // The check is loaded only when asked for: it starts nix-instantiate.
  const check = options.check || options.nixpkgs ? await import('../../check/nixpkgs-check.js') : null;
  const checked = check ? await check.checkPlan(plan, loadRules(), { nixpkgs: options.nixpkgs }) : null; // the tables the conversion used (loaded once)
  if (options.json) {
    io.stdout(`${JSON.stringify({ ...jsonReport(plan, written), notes, nextSteps: next, ...(checked ? { check: checked } : {}) }, null, 2)}\n`);
    io.stderr(textReport(plan, written, terminalWidth()));
    for (const note of notes) io.stderr(`${wrappedNote(note)}\n`);
    if (checked && check) io.stderr(check.renderCheckText(checked));
    io.stderr(nextStepsText(next));
  } else {
    io.stdout(textReport(plan, written, terminalWidth()));
    for (const note of notes) io.stdout(`${wrappedNote(note)}\n`);
    if (checked && check) io.stdout(`\n${check.renderCheckText(checked)}`);
    io.stdout(nextStepsText(next));
  }
  // The files are written either way; a missing attribute means they would not build with this nixpkgs.
  if (checked && checked.summary.missing > 0) return 1;
  const findings = failOnFindings(plan, options.failOn);
  if (findings.length) {
    io.stderr(failOnLine(options.dockerfile, findings, options.failOn!));
    return FAIL_ON_EXIT;
  }
  return 0;
}

const GLOB = /[*?[]/;
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'nix', 'result']);

/** Dockerfiles named on the command line, with quoted globs (`'**\/Dockerfile*'`) expanded under the current folder. */
export function expandDockerfileArgs(args: string[], cwd = process.cwd()): string[] {
  const found: string[] = [];
  for (const arg of args) {
    if (!GLOB.test(arg)) {
      found.push(arg);
      continue;
    }
    // picomatch loads only when a glob is given.
    const picomatch = createRequire(import.meta.url)('picomatch') as (glob: string, options: { dot: boolean }) => (path: string) => boolean;
    const matches = picomatch(arg, { dot: false });
    const walk = (dir: string) => {
      let entries: Dirent[];
      try {
        entries = readdirSync(path.join(cwd, dir), { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const relative = dir ? `${dir}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (!SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) walk(relative);
        } else if (entry.isFile() && matches(relative)) found.push(relative);
      }
    };
    walk('');
  }
  // One file named twice (Dockerfile, ./Dockerfile) is converted once.
  const seen = new Set<string>();
  return [...new Set(found)].sort().filter((file) => {
    const key = path.resolve(cwd, file);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `Dockerfile` → nix; `Dockerfile.nginx` and `nginx.Dockerfile` → nix-nginx, so variants side by side do not collide. */
export function outputFolderName(dockerfile: string): string {
  const base = path.basename(dockerfile);
  const variant = /^Dockerfile\.(.+)$/i.exec(base)?.[1] ?? /^(.+)\.Dockerfile$/i.exec(base)?.[1];
  return variant ? `nix-${variant.replace(/[^A-Za-z0-9._-]+/g, '-')}` : 'nix';
}

export type ManyResult = { dockerfile: string } & BatchOutcome;

/** One Dockerfile of a batch, on whichever thread: its plan and files, or the line saying why not; a bug is thrown. */
export async function convertJob(options: BatchOptions, job: BatchJob, answers: Answers | null): Promise<BatchOutcome> {
  try {
    return { ok: true, ...(await convertOne({ ...options, ...job }, answers)) };
  } catch (error) {
    if (!(error instanceof Dock2nixError)) throw error;
    return { ok: false, error: error.oneLine() };
  }
}

/** Conversions whose files may be on their way to the disk while the next Dockerfile is converted. */
const WRITES_IN_FLIGHT = 4;

/** A batch on this thread alone: conversion is synchronous, so the lanes only overlap one's writes with the next's work. */
async function convertOnThisThread(jobs: BatchJob[], convert: (job: BatchJob) => Promise<BatchOutcome>): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = new Array(jobs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      outcomes[index] = await convert(jobs[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITES_IN_FLIGHT, jobs.length) }, lane));
  return outcomes;
}

/** Several Dockerfiles (or globs): each into its own folder, then one summary; non-zero when any failed. */
export async function runConvertMany(args: string[], options: Omit<ConvertCommandOptions, 'dockerfile'> & { jobs?: number }, io: CliIo): Promise<number> {
  const dockerfiles = expandDockerfileArgs(args);
  if (dockerfiles.length === 0) throw new Dock2nixError('E_NOT_FOUND', `no Dockerfile matches ${args.join(' ')}`);
  if (dockerfiles.length === 1 && !args.some((a) => GLOB.test(a))) return runConvert({ ...options, dockerfile: dockerfiles[0]! }, io);
  if (options.context) throw new Dock2nixError('E_USAGE', '--context applies to one Dockerfile; with several, each uses its own folder');
  if (options.check || options.nixpkgs)
    throw new Dock2nixError('E_USAGE', '--check works on one Dockerfile at a time; use dock2nix rules check for the tables');
  const answers = options.answers ? await readAnswersFile(options.answers) : null;
  const jobs = Math.max(1, Math.min(options.jobs ?? defaultJobs(), 16));
  const batch: BatchJob[] = dockerfiles.map((dockerfile) => {
    const folder = path.join(path.relative(process.cwd(), path.resolve(path.dirname(dockerfile))), outputFolderName(dockerfile));
    const output = options.output
      ? path.join(options.output, folder.replace(/^(\.\.[/\\])+/, ''))
      : path.join(path.dirname(dockerfile), outputFolderName(dockerfile));
    return { dockerfile, output };
  });
  const { jobs: _jobs, ...shared } = options;
  const threads = threadCount(batch.length, jobs);
  const convertHere = (job: BatchJob) => convertJob(shared, job, answers);
  // Two Dockerfiles writing one folder (Dockerfile.dev and dev.Dockerfile; ./Dockerfile and Dockerfile) would
  // overwrite each other: the first gets the folder, the others fail with a line that says why.
  const owners = new Map<string, string>();
  const collisions = new Map<number, BatchOutcome>();
  batch.forEach((job, index) => {
    const folder = path.resolve(job.output);
    const owner = owners.get(folder);
    if (owner === undefined) owners.set(folder, job.dockerfile);
    else
      collisions.set(index, {
        ok: false,
        error: `${job.dockerfile}: its output folder ${path.relative(process.cwd(), folder) || '.'} is also ${owner}'s; convert it on its own with -o`,
      });
  });
  const runnable = batch.filter((_, index) => !collisions.has(index));
  const converted =
    threads > 1 ? await convertBatch(runnable, { options: shared, answers }, threads, convertHere) : await convertOnThisThread(runnable, convertHere);
  let nextConverted = 0;
  const results: ManyResult[] = batch.map((job, index) => ({ dockerfile: job.dockerfile, ...(collisions.get(index) ?? converted[nextConverted++]!) }));
  const summary = summarise(results);
  if (options.json) {
    io.stdout(
      `${JSON.stringify({ conversions: results.map((r) => (r.ok ? jsonReport(r.plan!, r.written!) : { dockerfile: r.dockerfile, error: r.error })), summary }, null, 2)}\n`,
    );
  }
  const say = options.json ? io.stderr : io.stdout;
  for (const r of results) {
    say(r.ok ? `ok      ${r.dockerfile} → ${path.dirname(r.written![0]!)} (${statusLine(r.plan!.summary)})\n` : `failed  ${r.error}\n`);
  }
  say(`\n${summary.files.converted} of ${summary.files.total} Dockerfiles converted; instructions: ${statusLine(summary.instructions)}\n`);
  if (summary.unmappedPackages.length) say(`unmapped packages: ${summary.unmappedPackages.map((p) => `${p.manager} ${p.name} (${p.count})`).join(', ')}\n`);
  if (summary.files.failed > 0) return 1;
  const failing = results
    .flatMap((r) => (r.ok ? [{ dockerfile: r.dockerfile, findings: failOnFindings(r.plan, options.failOn) }] : []))
    .filter((r) => r.findings.length);
  for (const r of failing) io.stderr(failOnLine(r.dockerfile, r.findings, options.failOn!));
  return failing.length ? FAIL_ON_EXIT : 0;
}

function statusLine(counts: Record<Status, number>): string {
  return STATUS_ORDER.map((s) => `${counts[s]} ${s}`).join(', ');
}

function summarise(results: ManyResult[]) {
  const instructions: Record<Status, number> = { mapped: 0, approximated: 0, manual: 0, ignored: 0 };
  const unmapped = new Map<string, { manager: string; name: string; count: number }>();
  for (const r of results) {
    if (!r.ok) continue;
    for (const status of Object.keys(instructions) as Status[]) instructions[status] += r.plan.summary[status];
    for (const p of r.plan.packages.filter((x) => x.confidence === 'none')) {
      const key = `${p.manager}:${p.name}`;
      const entry = unmapped.get(key) ?? { manager: p.manager, name: p.name, count: 0 };
      entry.count++;
      unmapped.set(key, entry);
    }
  }
  const converted = results.filter((r) => r.ok).length;
  return {
    files: { total: results.length, converted, failed: results.length - converted },
    instructions,
    unmappedPackages: [...unmapped.values()].sort((a, b) => b.count - a.count || compareText(a.name, b.name)),
  };
}

/** The report's last section: the commands that build and load the image. */
function nextStepsText(steps: string[]): string {
  return `\nnext steps:\n${steps.map((step) => `  ${wrap(step, terminalWidth() - 4).join('\n    ')}\n`).join('')}`;
}

/** A note in the report's width, continuation lines indented. */
function wrappedNote(note: string): string {
  return wrap(note, terminalWidth() - 2).join('\n  ');
}

function terminalWidth(): number {
  return Math.max(60, Math.min(process.stdout.columns ?? 100, 120));
}
