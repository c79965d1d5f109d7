/**
 * `dock2nix wizard`: the I/O around the wizard. Finds the Dockerfile, refuses to run without a terminal, loads
 * the saved answers, asks (src/wizard), then writes the answers file and runs the very conversion
 * `dock2nix convert --answers` runs, so the two can never disagree. Ctrl-C or Escape before the files are
 * written leaves everything as it was.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ANSWERS_FILE, type Answers } from '../../convert/answers.js';
import { convertDockerfile, imageNameFrom } from '../../convert/convert.js';
import { Dock2nixError, isDock2nixError } from '../../errors.js';
import { fsContext, readDockerignore } from '../../io/fs-context.js';
import { ensureWritable, writeFilesAtomically } from '../../io/write.js';
import { loadRules } from '../../io/rules-files.js';
import { cancelOnEscape, inquirerPrompter, isCancel, type Prompter } from '../../wizard/prompter.js';
import { askAudit } from '../../wizard/steps.js';
import { answersFor, runWizard } from '../../wizard/wizard.js';
import type { CliIo } from '../io.js';
import { outputFolderName, runConvert } from './convert.js';
import { parseBuildArgs, readDockerfile } from '../../io/dockerfile.js';
import { checkAnswers, readAnswersText } from '../../io/answers.js';
import { installedEngine } from '../../engines/container.js';
import { shellWord } from '../../convert/shell-word.js';
import { secretReason } from '../../convert/secrets.js';
import { loadShellReader } from '../../io/shell-reader.js';
import { readTextFile } from '../../io/read.js';
import { packagePath } from '../../package-root.js';
import { toolVersion } from '../../version.js';

export interface WizardCommandOptions {
  dockerfile?: string;
  /** Build context (default: the Dockerfile's folder). */
  context?: string;
  /** --build-arg NAME=VALUE, as convert takes them. */
  buildArg?: string[];
}

/** The built CLI, which runs `audit` as a child process. */
const cliPath = packagePath('bin/dock2nix.js');

const SKIP_DIRS = new Set(['node_modules', 'nix', 'result', 'dist', 'target', 'vendor']);
const isOutputFolder = (name: string) => SKIP_DIRS.has(name) || name.startsWith('nix-');
const MAX_DEPTH = 4;
const MAX_DIRS = 2000;

export function isDockerfileName(name: string): boolean {
  if (/\.dockerignore$/i.test(name)) return false;
  return /^dockerfile$/i.test(name) || /\.dockerfile$/i.test(name) || /^dockerfile\./i.test(name);
}

/** `Dockerfile`, `*.Dockerfile` and `Dockerfile.*` under `root`, shallowest first (paths relative to root). */
export function findDockerfiles(root: string): string[] {
  const found: string[] = [];
  const queue: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  let visited = 0;
  while (queue.length && visited < MAX_DIRS) {
    const { dir, depth } = queue.shift()!;
    visited++;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isFile() && isDockerfileName(entry.name)) found.push(path.relative(root, full));
      else if (entry.isDirectory() && depth < MAX_DEPTH && !entry.name.startsWith('.') && !isOutputFolder(entry.name))
        queue.push({ dir: full, depth: depth + 1 });
    }
  }
  return found;
}

/** Answers files under the context that were saved for this Dockerfile; `<context>/nix` first. */
export function findSavedAnswers(contextDir: string, dockerfile: string): { file: string; answers: Answers } | { file: string; problem: string } | null {
  const candidates: string[] = [];
  const queue: Array<{ dir: string; depth: number }> = [{ dir: contextDir, depth: 0 }];
  while (queue.length && candidates.length < 50) {
    const { dir, depth } = queue.shift()!;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isFile() && entry.name === ANSWERS_FILE) candidates.push(path.join(dir, entry.name));
      else if (entry.isDirectory() && depth < 2 && !entry.name.startsWith('.') && entry.name !== 'node_modules')
        queue.push({ dir: path.join(dir, entry.name), depth: depth + 1 });
    }
  }
  const preferred = path.join(contextDir, outputFolderName(dockerfile), ANSWERS_FILE);
  candidates.sort((a, b) => Number(b === preferred) - Number(a === preferred) || a.localeCompare(b));
  let firstProblem: { file: string; problem: string } | null = null;
  for (const file of candidates) {
    const read = readAnswersText(file);
    const checked = 'text' in read ? checkAnswers(read.text) : read;
    if ('problem' in checked) {
      firstProblem ??= { file, problem: checked.problem };
      continue;
    }
    if (path.resolve(path.dirname(file), checked.answers.dockerfile) === path.resolve(dockerfile)) return { file, answers: checked.answers };
  }
  return firstProblem;
}

/**
 * Whether to offer `dock2nix audit`: a container engine it can build with is installed (the first of the engines
 * `audit --engine auto` tries, src/engines/container.ts). The audit command is this CLI's own.
 */
export async function auditAvailability(pathEnv: string | undefined): Promise<{ engine: string } | null> {
  const engine = await installedEngine(pathEnv);
  return engine ? { engine } : null;
}

function display(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' ? '.' : relative.startsWith('..') && path.isAbsolute(file) ? file : relative;
}

function terminalWidth(): number {
  return Math.max(40, Math.min(process.stdout.columns ?? 80, 100));
}

/** `prompterOverride` and `cli` are for tests: scripted answers, and a stand-in for the built CLI that runs the audit. */
export async function runWizardCommand(options: WizardCommandOptions, io: CliIo, prompterOverride?: Prompter, cli: string = cliPath): Promise<number> {
  if (!prompterOverride && (!process.stdin.isTTY || !process.stdout.isTTY)) {
    throw new Dock2nixError('E_USAGE', 'the wizard needs a terminal; in scripts and CI run `dock2nix convert DOCKERFILE --answers dock2nix.answers.json`');
  }
  const escape = prompterOverride ? null : cancelOnEscape(process.stdin);
  const prompter = prompterOverride ?? inquirerPrompter({ signal: escape!.signal });
  try {
    return await wizard(options, io, prompter, cli);
  } catch (error) {
    if (isCancel(error)) throw new Dock2nixError('E_INTERRUPTED', 'wizard cancelled; nothing was written', { exitCode: 130 });
    throw error;
  } finally {
    escape?.dispose();
    if (!prompterOverride) process.stdin.pause();
  }
}

async function wizard(options: WizardCommandOptions, io: CliIo, prompter: Prompter, cli: string): Promise<number> {
  let dockerfile = options.dockerfile;
  if (dockerfile === undefined) {
    const found = findDockerfiles(process.cwd());
    if (found.length === 0) {
      throw new Dock2nixError(
        'E_NOT_FOUND',
        'no Dockerfile here (looked for Dockerfile, *.Dockerfile and Dockerfile.* in this folder and below); name one: dock2nix wizard path/to/Dockerfile',
      );
    }
    if (found.length === 1) {
      dockerfile = found[0]!;
      io.stdout(`Using ${dockerfile}\n`);
    } else {
      dockerfile = await prompter.select({
        message: 'Which Dockerfile?',
        why: `Found ${found.length} in this folder and below.`,
        choices: found.map((file) => ({ value: file, name: file })),
        default: found[0],
      });
    }
  }
  const source = readDockerfile(dockerfile);
  const dockerfileAbs = path.resolve(dockerfile);
  const contextDir = path.resolve(options.context ?? path.dirname(dockerfileAbs));
  try {
    if (!statSync(contextDir).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new Dock2nixError('E_NOT_FOUND', 'build context is not a directory', { file: options.context ?? contextDir });
  }
  const rules = loadRules();
  const context = fsContext(contextDir);
  const ignore = readDockerignore(context);

  const savedFound = findSavedAnswers(contextDir, dockerfileAbs);
  if (savedFound && 'problem' in savedFound) io.stdout(`Not using ${display(savedFound.file)}: ${savedFound.problem}\n`);
  const saved = savedFound && 'answers' in savedFound ? savedFound : null;
  // Build arguments saved by an earlier run count again; the command line wins.
  const buildArgs = { ...saved?.answers.buildArgs, ...parseBuildArgs(options.buildArg ?? []) };
  const defaultOutputAbs = saved ? path.dirname(saved.file) : path.join(contextDir, outputFolderName(dockerfile));

  const shell = await loadShellReader();
  const result = await runWizard({
    dockerfile,
    source,
    rules,
    plan: ({ target, format, decisions }) =>
      convertDockerfile(source, context, rules, {
        dockerfilePath: dockerfile!,
        format,
        target,
        decisions,
        buildArgs,
        imageName: imageNameFrom(path.basename(contextDir)),
        contextFromOutput: path.relative(defaultOutputAbs, contextDir).split(path.sep).join('/'),
        outputInContext: null,
        dockerignore: ignore,
        contextLabel: display(contextDir),
        toolVersion,
        shell,
      }).plan,
    saved: saved?.answers ?? null,
    savedFrom: saved ? display(saved.file) : undefined,
    defaultOutput: display(defaultOutputAbs),
    output: {
      problem: (dir) => {
        try {
          return statSync(path.resolve(dir)).isDirectory() ? null : `${dir} is a file, not a folder`;
        } catch {
          return null;
        }
      },
      existing: (dir, files) =>
        [...files, ANSWERS_FILE]
          .map((f) => path.join(path.resolve(dir), f))
          .filter((f) => existsSync(f))
          .map(display),
    },
    prompter,
    print: io.stdout,
    width: terminalWidth(),
  });

  // Everything is decided: from here on the files are written, so an interrupt waits for the write to end.
  const outputDir = path.resolve(result.output.dir);
  const answersPath = path.join(outputDir, ANSWERS_FILE);
  const relativeToOutput = (file: string) => path.relative(outputDir, file).split(path.sep).join('/') || '.';
  // Credentials are not written into a file that is meant to be committed: they are given for this run only.
  const secretArgs = Object.entries(buildArgs).filter(([name, value]) => secretReason(name, value) !== null);
  const answers = answersFor(result, relativeToOutput(dockerfileAbs), {
    ...(contextDir === path.dirname(dockerfileAbs) ? {} : { context: relativeToOutput(contextDir) }),
    buildArgs: Object.fromEntries(Object.entries(buildArgs).filter(([name, value]) => secretReason(name, value) === null)),
  });
  ensureWritable([...result.files.map((f) => path.join(outputDir, f)), answersPath], result.output.overwrite);
  const previous = existsSync(answersPath) ? readTextFile(answersPath) : null;
  const holdInterrupt = () => undefined;
  process.on('SIGINT', holdInterrupt);
  io.stdout('\n');
  try {
    await writeFilesAtomically([{ path: answersPath, content: `${JSON.stringify(answers, null, 2)}\n` }]);
    await runConvert(
      {
        dockerfile,
        output: outputDir,
        format: answers.format,
        formatFromFlag: false,
        buildArg: secretArgs.map(([name, value]) => `${name}=${value}`),
        force: result.output.overwrite,
        answers: answersPath,
      },
      io,
    );
  } catch (error) {
    // The conversion failed: put the answers file back as it was.
    if (previous === null) rmSync(answersPath, { force: true });
    else await writeFilesAtomically([{ path: answersPath, content: previous }]);
    throw error;
  } finally {
    process.removeListener('SIGINT', holdInterrupt);
  }

  const defaultOut = path.join(contextDir, 'nix');
  // Secret build arguments are named, never shown: `--build-arg NAME` takes the value from the environment.
  const repeat = [
    'dock2nix convert',
    shellWord(dockerfile),
    '--answers',
    shellWord(display(answersPath)),
    ...(outputDir === defaultOut ? [] : ['-o', shellWord(display(outputDir))]),
    ...secretArgs.flatMap(([name]) => ['--build-arg', name]),
    '--force',
  ];
  io.stdout(`\nAnswers saved in ${display(answersPath)}. To repeat without questions (in CI):\n  ${repeat.join(' ')}\n`);
  if (secretArgs.length) {
    io.stdout(
      `Not saved in the answers file, as they look like credentials: ${secretArgs.map(([name]) => name).join(', ')}; set them in the environment for the command above. ` +
        'Where the Dockerfile puts them into ENV, LABEL or a path, default.nix holds the value (the report lists it as a secret).\n',
    );
  }

  const audit = await auditAvailability(process.env.PATH);
  if (!audit) return 0;
  let run: boolean;
  try {
    run = await askAudit(prompter, audit.engine);
  } catch (error) {
    // The files are written by now; leaving at this question only skips the audit.
    if (!isCancel(error)) throw error;
    run = false;
  }
  if (!run) return 0;
  return runAudit(cli, dockerfile, outputDir, answers.target);
}

/** The audit's arguments: the Dockerfile, the stage, and the Nix just written (so the audit builds these files rather than converting again). */
export function auditArgs(dockerfile: string, outputDir: string, target: string | undefined): string[] {
  return ['audit', dockerfile, ...(target !== undefined ? ['--target', target] : []), '--nix', outputDir];
}

/** `dock2nix audit` as a child process of the built CLI, its progress straight on this terminal. */
function runAudit(cli: string, dockerfile: string, outputDir: string, target: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...auditArgs(dockerfile, outputDir, target)], { stdio: 'inherit' });
    child.on('error', (error) => reject(isDock2nixError(error) ? error : new Dock2nixError('E_ENGINE', `could not run dock2nix audit: ${error.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}
