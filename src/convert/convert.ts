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
import { MAX_MAX_LAYERS, MIN_MAX_LAYERS, type LayeringPlan, type MigrationPlan, type OutputFormat } from './types.js';
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
  /** --max-layers: the builder's maxLayers (checked by the caller: MIN_MAX_LAYERS to MAX_MAX_LAYERS). */
  maxLayers?: number;
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
  if (options.maxLayers !== undefined) plan.layering = layeringPlan(plan, options.maxLayers);
  if (options.dockerfile) {
    const problem = dockerfileProblem(plan, options.outputInContext);
    if (problem) throw new Dock2nixError('E_USAGE', problem, { file: options.dockerfilePath });
    plan.dockerfileOut = { outputInContext: options.outputInContext ?? '' };
  }
  return { plan, files: emitNix(plan) };
}

/** How the builder splits the image into at most `maxLayers` layers, as the report explains it. */
function layeringPlan(plan: MigrationPlan, maxLayers: number): LayeringPlan {
  if (!Number.isInteger(maxLayers) || maxLayers < MIN_MAX_LAYERS || maxLayers > MAX_MAX_LAYERS)
    throw new Dock2nixError('E_USAGE', `--max-layers ${maxLayers}: expected a whole number from ${MIN_MAX_LAYERS} to ${MAX_MAX_LAYERS}`);
  const base = plan.image.baseImage;
  if (plan.format === 'nix2container') {
    return {
      maxLayers,
      explanation: [
        `nix2container, at most ${maxLayers} layers: the packages' layers (nix2container.buildLayer maxLayers = ${maxLayers - 1}) and the image's own layer for the rest; without packages, nix2container.buildImage maxLayers = ${maxLayers}. Store paths go into layers by popularity (the paths most others depend on get layers of their own; the rest share the last one).`,
        base
          ? `The base image's layers (FROM ${base.imageName}:${base.tag}) come on top of that count: the image has its layers plus up to ${maxLayers}.`
          : `The image starts empty, so it has at most ${maxLayers} layers.`,
      ],
    };
  }
  const builder = plan.format === 'stream' ? 'streamLayeredImage' : 'buildLayeredImage';
  return {
    maxLayers,
    explanation: [
      `dockerTools.${builder} maxLayers = ${maxLayers}: the image has at most ${maxLayers} layers in all. One of them is the customisation layer (the config, and the files extraCommands and fakeRootCommands make);${base ? ` the base image's layers (FROM ${base.imageName}:${base.tag}) count too, and the build fails when they leave no layer for the store paths;` : ''} the store paths share the others.`,
      `dockerTools splits the closure from the largest store path down: each becomes the root of a layer of its own, with the dependencies only it uses; paths that the same roots use share a layer; it stops before the split would need more layers than there are. Images made of the same packages then share their largest layers.`,
    ],
  };
}

/** A Docker-valid image name from a folder name. */
export function imageNameFrom(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return name || 'image';
}
