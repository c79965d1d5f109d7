/**
 * `dock2nix convert`: the I/O around the pure conversion. Reads the Dockerfile and the context, refuses to
 * overwrite without --force, writes atomically, prints the report (JSON on stdout with --json).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { convertDockerfile, imageNameFrom } from '../../convert/convert.js';
import type { OutputFormat } from '../../convert/types.js';
import { Dock2nixError } from '../../errors.js';
import { fsContext, readDockerignore } from '../../io/fs-context.js';
import { ensureWritable, writeFilesAtomically } from '../../io/write.js';
import { jsonReport, textReport } from '../../report/report.js';
import { loadRules } from '../../rules/load.js';
import { answersSchema, type Answers } from '../../convert/answers.js';
import type { CliIo } from '../main.js';

export interface ConvertCommandOptions {
  dockerfile: string;
  output?: string;
  context?: string;
  target?: string;
  format: OutputFormat;
  /** True when --format was given on the command line (it then wins over the answers file). */
  formatFromFlag?: boolean;
  buildArg: string[];
  name?: string;
  json?: boolean;
  force?: boolean;
  answers?: string;
}

/** Read and validate an answers file; a bad one is a one-line error with its file. */
export function readAnswers(file: string): Answers {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Dock2nixError(code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_INPUT', code === 'ENOENT' ? 'no such answers file' : `not a JSON answers file (${(error as Error).message})`, { file });
  }
  const result = answersSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Dock2nixError('E_INPUT', `bad answers file at ${issue.path.join('.') || '(top level)'}: ${issue.message}`, { file });
  }
  return result.data;
}

const MAX_DOCKERFILE_BYTES = 1024 * 1024;

export function readDockerfile(file: string): string {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new Dock2nixError('E_NOT_FOUND', 'no such file', { file });
  }
  if (stat.isDirectory()) throw new Dock2nixError('E_INPUT', 'is a directory, not a Dockerfile', { file });
  if (stat.size > MAX_DOCKERFILE_BYTES) {
    throw new Dock2nixError('E_INPUT', `is ${(stat.size / 1024 / 1024).toFixed(1)} MB; a Dockerfile over 1 MB is not something dock2nix converts`, { file });
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Dock2nixError('E_INPUT', `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { file });
  }
}

export function parseBuildArgs(values: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq === 0) throw new Dock2nixError('E_USAGE', `--build-arg "${value}" has no name`);
    if (eq === -1) {
      // As docker build does: NAME alone takes the value from the environment.
      const fromEnv = process.env[value];
      if (fromEnv !== undefined) args[value] = fromEnv;
    } else args[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return args;
}

export async function runConvert(options: ConvertCommandOptions, io: CliIo): Promise<number> {
  const answers = options.answers ? readAnswers(options.answers) : null;
  const source = readDockerfile(options.dockerfile);
  const contextDir = path.resolve(options.context ?? path.dirname(options.dockerfile));
  try {
    if (!statSync(contextDir).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new Dock2nixError('E_NOT_FOUND', 'build context is not a directory', { file: options.context ?? contextDir });
  }
  const outputDir = path.resolve(options.output ?? path.join(contextDir, 'nix'));
  const outputInContext = path.relative(contextDir, outputDir);
  const rules = loadRules();
  const context = fsContext(contextDir);
  const ignore = readDockerignore(context);
  const { plan, files } = convertDockerfile(source, context, rules, {
    dockerfilePath: options.dockerfile,
    format: options.formatFromFlag ? options.format : (answers?.format ?? options.format),
    target: options.target ?? answers?.target,
    decisions: answers?.decisions,
    buildArgs: parseBuildArgs(options.buildArg),
    imageName: options.name ?? imageNameFrom(path.basename(contextDir)),
    contextFromOutput: path.relative(outputDir, contextDir).split(path.sep).join('/'),
    outputInContext: outputInContext && !outputInContext.startsWith('..') && !path.isAbsolute(outputInContext) ? outputInContext.split(path.sep).join('/') : null,
    ignored: ignore.plain,
    contextLabel: path.relative(process.cwd(), contextDir) || '.',
  });
  const targets = (answers?.files ?? (['default.nix', 'flake.nix'] as const)).map((name) => ({ path: path.join(outputDir, name), content: files[name] }));
  ensureWritable(targets.map((t) => t.path), Boolean(options.force));
  writeFilesAtomically(targets);
  const written = targets.map((t) => path.relative(process.cwd(), t.path) || t.path);
  if (options.json) {
    io.stdout(`${JSON.stringify(jsonReport(plan, written), null, 2)}\n`);
    io.stderr(textReport(plan, written, terminalWidth()));
  } else {
    io.stdout(textReport(plan, written, terminalWidth()));
  }
  return 0;
}

function terminalWidth(): number {
  return Math.max(60, Math.min(process.stdout.columns ?? 100, 120));
}
