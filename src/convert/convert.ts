/**
 * The pure conversion pipeline: Dockerfile text → model → plan → Nix files. The CLI and the tests call this;
 * it touches no files itself (the build context comes in as an interface).
 */
import { parseDockerfile } from '../dockerfile/parse.js';
import { emitNix, type EmittedFiles } from '../nix/emit.js';
import { dockerfileProblem } from '../nix/dockerfile-out.js';
import { Dock2nixError } from '../errors.js';
import { lookupBaseImage, type RuleSet } from '../rules/lookup.js';
import type { ShellReader } from '../shell/reader.js';
import type { BuildContext } from './context.js';
import { planMigration } from './plan.js';
import type { MigrationPlan, OutputFormat } from './types.js';
import type { Decisions } from './decisions.js';
import type { IgnoreRule } from './dockerignore.js';

export interface ConvertOptions {
  /** The Dockerfile's path as the user gave it (for messages and headers). */
  dockerfilePath: string;
  format?: OutputFormat;
  target?: string;
  buildArgs?: Record<string, string>;
  imageName: string;
  /** Relative path from the output folder to the context. */
  contextFromOutput: string;
  /** Output folder relative to the context, or null when it is outside. */
  outputInContext: string | null;
  /** The context's .dockerignore rules, in order. */
  dockerignore?: IgnoreRule[];
  contextLabel?: string;
  decisions?: Decisions;
  /** --keep-base: keep the image's base as a pulled image even when dock2nix could map it. */
  keepBase?: boolean;
  /**
   * The dock2nix version the files' header and the report name; the CLI gives its package's (src/version.ts).
   * The core reads no package.json: without one, `UNVERSIONED`.
   */
  toolVersion?: string;
  /** Reads RUN scripts: the command line's is src/io/shell-reader.ts's loadShellReader(). */
  shell: ShellReader;
  /** --with-dockerfile: also write Dockerfile.nix, which builds the image with Docker alone (src/nix/dockerfile-out.ts). */
  dockerfile?: boolean;
}

/** The version a conversion names when the caller gives none (tests, the bench, library use). */
export const UNVERSIONED = 'unversioned';

export interface ConversionResult {
  plan: MigrationPlan;
  files: EmittedFiles;
}

export function convertDockerfile(source: string, context: BuildContext, rules: RuleSet, options: ConvertOptions): ConversionResult {
  const dockerfile = parseDockerfile(source, options.dockerfilePath, {
    buildArgs: options.buildArgs,
    baseEnv: (image) => lookupBaseImage(rules, image).image?.config?.Env,
  });
  const plan = planMigration(dockerfile, context, rules, {
    target: options.target,
    format: options.format ?? 'layered',
    keepBase: options.keepBase,
    imageName: options.imageName,
    contextFromOutput: options.contextFromOutput,
    outputInContext: options.outputInContext,
    dockerignore: options.dockerignore,
    toolVersion: options.toolVersion ?? UNVERSIONED,
    contextLabel: options.contextLabel ?? '.',
    decisions: options.decisions,
    buildArgs: options.buildArgs,
    shell: options.shell,
  });
  if (options.dockerfile) {
    const problem = dockerfileProblem(plan, options.outputInContext);
    if (problem) throw new Dock2nixError('E_USAGE', problem, { file: options.dockerfilePath });
    plan.dockerfileOut = { outputInContext: options.outputInContext ?? '' };
  }
  return { plan, files: emitNix(plan) };
}

/** A Docker-valid image name from a folder name. */
export function imageNameFrom(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name || 'image';
}
