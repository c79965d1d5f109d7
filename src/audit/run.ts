/**
 * `dock2nix audit`, the orchestration: convert the Dockerfile if needed, build the Dockerfile image with a
 * container engine and the Nix image with Nix (twice each with --repro), read both archives with src/image, and
 * put the report together. Every temporary file lives in one folder that is removed at the end, whatever happens;
 * every image the engine was asked to build is removed from its storage again.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { convertDockerfile, imageNameFrom } from '../convert/convert.js';
import { Dock2nixError } from '../errors.js';
import { chooseEngine, CreatedImages, engineUsable, type BuildRequest, type Engine, type EngineName } from '../engines/container.js';
import {
  checkNix,
  checkOutcome,
  classifyResult,
  nixBuildCommand,
  nixCheckCommand,
  nixSystem,
  resolveNixTarget,
  type NixBuildOptions,
  type NixTarget,
} from '../engines/nix.js';
import { interrupted, runTool, type ToolCommand } from '../engines/process.js';
import { compareLoaded } from '../image/diff.js';
import { buildImageReport, loadImages, type LoadedImage } from '../image/inspect.js';
import { parseDockerfile } from '../dockerfile/parse.js';
import { assembleEquivalence, compareConfig, compareFiles } from './equivalence.js';
import { comparePackages, findPackages } from './packages.js';
import { dockerfileScope, type DockerfileScope } from './scope.js';
import { captureForAudit, imageView } from './view.js';
import { imageIdFrom, smokeRun } from './smoke.js';
import type { ImageReport } from '../image/types.js';
import { fsContext, readDockerignore } from '../io/fs-context.js';
import { parseBuildArgs, readDockerfile } from '../io/dockerfile.js';
import { loadShellReader } from '../io/shell-reader.js';
import { ensureWritable, makeFolders, temporaryName, writeFilesAtomically } from '../io/write.js';
import { loadRules } from '../io/rules-files.js';
import { toolVersion } from '../version.js';
import type { Progress } from './progress.js';
import { assembleReproducibility, compareAudit, type SideRepro } from './report.js';
import type { AuditImage, AuditReport, BuildInfo, ConversionInfo, Side, SmokeSection } from './types.js';

export interface AuditRunOptions {
  dockerfile?: string;
  context?: string;
  target?: string;
  engine: EngineName | 'auto';
  /** NAME=VALUE, as given (NAME alone takes the value from the environment, as docker build does). */
  buildArgs: string[];
  platform?: string;
  timestamp?: number;
  storageDriver?: string;
  isolation?: string;
  pull?: string;
  nix?: string;
  nixAttr?: string;
  nixFormat: 'layered' | 'stream';
  /** true: write the converted Nix to <context>/nix; a string: to that folder. */
  saveNix?: string | boolean;
  builders?: string;
  /** NAME=VALUE for `--option NAME VALUE`. */
  nixOptions: string[];
  dockerArchive?: string;
  nixArchive?: string;
  repro: boolean;
  ignoreTimestamps: boolean;
  keepArchives?: string;
  /** List every file difference, not only those under what the Dockerfile put in the image. */
  allFiles?: boolean;
  /** Start both images (--smoke): each one's own command, or `command`, for `seconds`. */
  smoke?: { command: string[] | null; seconds: number };
  force: boolean;
  signal: AbortSignal;
  progress: Progress;
}

type DockerSide = { kind: 'archive'; path: string } | { kind: 'build'; dockerfile: string } | null;
type NixSide = { kind: 'archive'; path: string } | { kind: 'expression'; given: string } | { kind: 'convert' } | null;

/** Which sides this run has, from the options alone (for checks made before anything is built). */
export function plannedSides(options: Pick<AuditRunOptions, 'dockerfile' | 'dockerArchive' | 'nixArchive' | 'nix'>): Side[] {
  const sides: Side[] = [];
  if (options.dockerArchive || options.dockerfile) sides.push('docker');
  if (options.nixArchive || options.nix || options.dockerfile) sides.push('nix');
  return sides;
}

function relativeForHumans(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

async function mustExist(file: string, what: string): Promise<void> {
  try {
    await stat(file);
  } catch {
    throw new Dock2nixError('E_NOT_FOUND', `no such ${what}`, { file });
  }
}

function parsePairs(values: readonly string[], flag: string): Array<[string, string]> {
  return values.map((value) => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new Dock2nixError('E_USAGE', `${flag} ${JSON.stringify(value)} is not NAME=VALUE`);
    return [value.slice(0, eq), value.slice(eq + 1)];
  });
}

function remoteVariables(names: readonly string[]): string[] {
  return names.filter((name) => process.env[name] !== undefined && process.env[name] !== '');
}

const ENGINE_REMOTE: Record<EngineName, string[]> = {
  docker: ['DOCKER_HOST', 'DOCKER_CONTEXT'],
  podman: ['CONTAINER_HOST', 'CONTAINER_CONNECTION'],
  buildah: [],
  buildkit: ['BUILDKIT_HOST'],
};

/** The file name extension an archive deserves, from its first bytes. */
async function archiveExtension(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return '.tar.gz';
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return '.tar.zst';
    return '.tar';
  } finally {
    await handle.close();
  }
}

interface BuiltArchive {
  /** Archive to read (in the work folder or the Nix store). */
  path: string;
  /** Name it gets under --keep-archives, without extension. */
  keepAs: string;
}

export async function runAudit(options: AuditRunOptions): Promise<AuditReport> {
  const { progress, signal } = options;
  const checkpoint = (): void => {
    if (signal.aborted) throw interrupted();
  };

  // 1. What is there to do, and can it be done? Everything that can fail without building fails here.
  const dockerfile = options.dockerfile ? path.resolve(options.dockerfile) : undefined;
  let contextDir: string | undefined;
  if (dockerfile) {
    readDockerfile(options.dockerfile!); // a missing, unreadable or oversized Dockerfile is a one-line error
    contextDir = path.resolve(options.context ?? path.dirname(dockerfile));
    let isDir = false;
    try {
      isDir = (await stat(contextDir)).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new Dock2nixError('E_NOT_FOUND', 'build context is not a directory', { file: options.context ?? contextDir });
  } else if (options.context || options.target) {
    throw new Dock2nixError('E_USAGE', '--context and --target need a Dockerfile');
  }
  const dockerSide: DockerSide = options.dockerArchive
    ? { kind: 'archive', path: path.resolve(options.dockerArchive) }
    : dockerfile
      ? { kind: 'build', dockerfile }
      : null;
  const nixSide: NixSide = options.nixArchive
    ? { kind: 'archive', path: path.resolve(options.nixArchive) }
    : options.nix
      ? { kind: 'expression', given: options.nix }
      : dockerfile
        ? { kind: 'convert' }
        : null;
  if (!dockerSide && !nixSide) {
    throw new Dock2nixError('E_USAGE', 'nothing to audit: give a Dockerfile, or image archives with --docker-archive and --nix-archive');
  }
  if (options.repro && dockerSide?.kind !== 'build' && nixSide?.kind !== 'expression' && nixSide?.kind !== 'convert') {
    throw new Dock2nixError('E_USAGE', '--repro rebuilds images, but every image here comes from an archive: give a Dockerfile or --nix');
  }
  if (options.saveNix && nixSide?.kind !== 'convert')
    throw new Dock2nixError('E_USAGE', '--save-nix applies only when the Nix side is converted from the Dockerfile');
  if (dockerSide?.kind === 'archive') await mustExist(dockerSide.path, 'image archive');
  if (nixSide?.kind === 'archive') await mustExist(nixSide.path, 'image archive');
  const buildArgs = Object.entries(parseBuildArgs(options.buildArgs));
  const nixOptions = parsePairs(options.nixOptions, '--nix-option');
  const nixBuild: NixBuildOptions = { options: nixOptions, ...(options.builders !== undefined ? { builders: options.builders } : {}) };
  if (options.platform) {
    if (nixSide?.kind === 'expression' || nixSide?.kind === 'convert') nixBuild.system = nixSystem(options.platform);
    else nixSystem(options.platform); // validates the form
  }
  const engine: Engine | null = dockerSide?.kind === 'build' ? await chooseEngine(options.engine) : null;
  const smokeProgram = options.smoke ? await chooseSmokeEngine(options.engine, dockerSide !== null && nixSide !== null) : null;
  let nixTarget: NixTarget | null = null;
  if (nixSide?.kind === 'expression') {
    nixTarget = await resolveNixTarget(nixSide.given, options.nixAttr);
    await checkNix(nixTarget, false);
  } else if (nixSide?.kind === 'convert') {
    await checkNix({ kind: 'file', path: 'default.nix' }, true);
  }
  const saveNixDir = options.saveNix ? path.resolve(options.saveNix === true ? path.join(contextDir!, 'nix') : options.saveNix) : null;
  if (saveNixDir) ensureWritable([path.join(saveNixDir, 'default.nix'), path.join(saveNixDir, 'flake.nix')], options.force);
  const keepDir = options.keepArchives ? path.resolve(options.keepArchives) : null;
  if (keepDir) {
    const names = ['docker', 'docker-rebuild', 'nix', 'nix-rebuild'].flatMap((name) =>
      ['.tar', '.tar.gz', '.tar.zst'].map((ext) => path.join(keepDir, `${name}${ext}`)),
    );
    ensureWritable(names, options.force);
  }
  checkpoint();

  const work = await mkdtemp(path.join(os.tmpdir(), 'dock2nix-audit-'));
  if (work.includes(':')) {
    await rm(work, { recursive: true, force: true });
    throw new Dock2nixError('E_USAGE', `the temporary folder ${work} has a ":" in its path, which image references cannot hold; set TMPDIR elsewhere`);
  }
  const tags: string[] = [];
  try {
    // 2. The Nix to build, when it comes from the Dockerfile.
    let conversion: ConversionInfo | null = null;
    if (nixSide?.kind === 'convert') {
      const outDir = saveNixDir ?? path.join(work, 'nix');
      progress.phase(`converting ${relativeForHumans(dockerfile!)} to Nix (${saveNixDir ? relativeForHumans(outDir) : 'a temporary folder'})`);
      conversion = await convert(options, contextDir!, outDir, saveNixDir !== null);
      nixTarget = { kind: 'file', path: path.join(outDir, 'default.nix') };
      const manual = conversion.summary.manual;
      if (manual > 0) progress.note(`${manual} instruction(s) need manual work: the Nix image will lack what they do`);
    }
    checkpoint();

    // 3. Build.
    const reproRuns = options.repro ? 2 : 1;
    const builtDocker: BuiltArchive[] = [];
    let dockerInfo: BuildInfo | null = null;
    if (dockerSide?.kind === 'build' && engine) {
      const started = progress.elapsed();
      const engineTmp = engine.name === 'podman' || engine.name === 'buildah' ? path.join(work, 'engine-tmp') : null;
      if (engineTmp) await mkdir(engineTmp);
      for (let run = 1; run <= reproRuns; run++) {
        const tag = `dock2nix-audit-${process.pid}-${randomBytes(4).toString('hex')}-${run}`;
        tags.push(tag);
        const request: BuildRequest = {
          dockerfile: dockerSide.dockerfile,
          context: contextDir!,
          tag,
          archive: path.join(work, `docker-${run}.tar`),
          buildArgs,
          noCache: options.repro,
          ...(options.target ? { target: options.target } : {}),
          ...(options.platform ? { platform: options.platform } : {}),
          ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
          ...(options.storageDriver ? { storageDriver: options.storageDriver } : {}),
          ...(options.isolation ? { isolation: options.isolation } : {}),
          ...(options.pull ? { pull: options.pull } : {}),
        };
        progress.phase(`building ${relativeForHumans(dockerSide.dockerfile)} with ${engine.name}${reproRuns > 1 ? ` (build ${run} of 2, no cache)` : ''}`);
        const created = new CreatedImages();
        // The build containers there before this build: any other one left after a failed or stopped build is its own.
        const containersBefore = await listContainers(engine, options.storageDriver);
        try {
          for (const step of engine.buildCommands(request)) {
            // The engine's own temporary files (Podman's and Buildah's build folders) go into the work folder, so a
            // stopped engine's leftovers are removed with it.
            await runTool(engineTmp ? { ...step.command, env: { ...step.command.env, TMPDIR: engineTmp } } : step.command, {
              signal,
              what: step.what,
              onLine: (line) => {
                created.see(line);
                progress.line(engine.name, line);
              },
            });
            checkpoint();
          }
        } catch (error) {
          // A failed or interrupted build can leave its working containers (Podman's build does, when stopped), and the
          // layers it made so far as untagged images, which those containers hold: the containers go first.
          if (containersBefore) {
            const left = (await listContainers(engine, options.storageDriver)) ?? [];
            for (const id of left.filter((id) => !containersBefore.includes(id))) await removeContainer(engine, id, options.storageDriver, progress);
          }
          for (const id of created.ids()) await removeImage(engine, id, options.storageDriver, progress, true);
          throw error;
        }
        builtDocker.push({ path: request.archive, keepAs: run === 1 ? 'docker' : 'docker-rebuild' });
        await removeImage(engine, tag, options.storageDriver, progress);
        tags.splice(tags.indexOf(tag), 1);
        // Removing the image takes its parents with it, but not every step's image (Buildah keeps an ARG step's).
        for (const id of created.ids()) await removeImage(engine, id, options.storageDriver, progress, true);
      }
      dockerInfo = {
        tool: engine.name,
        input: relativeForHumans(dockerSide.dockerfile),
        archive: null,
        noCache: options.repro,
        timestamp: options.timestamp ?? null,
        platform: options.platform ?? null,
        buildArgs: buildArgs.map(([name]) => name),
        remote: remoteVariables(ENGINE_REMOTE[engine.name]),
        seconds: round(progress.elapsed() - started),
      };
      progress.note(`built in ${dockerInfo.seconds.toFixed(1)} s`);
    }

    const builtNix: BuiltArchive[] = [];
    let nixInfo: BuildInfo | null = null;
    let nixCheck: { method: string; same: boolean } | null = null;
    if (nixTarget) {
      const started = progress.elapsed();
      const tool = nixTarget.kind === 'flake' ? 'nix build' : 'nix-build';
      progress.phase(`building ${relativeForHumans(nixTarget.path)} with ${tool}`);
      const outLink = path.join(work, 'nix-result');
      const nixLines: string[] = [];
      try {
        await runTool(nixBuildCommand(nixTarget, outLink, nixBuild), {
          signal,
          what: tool,
          onLine: (line) => {
            nixLines.push(line);
            if (nixLines.length > 400) nixLines.shift();
            progress.line('nix', line);
          },
        });
      } catch (error) {
        if (error instanceof Dock2nixError && error.code === 'E_ENGINE') throw await withBuildLog(error, nixLines);
        throw error;
      }
      checkpoint();
      const result = await classifyResult(outLink);
      const first = result.kind === 'archive' ? result.path : await runStream(result.script, path.join(work, 'nix-1.tar'), signal, progress);
      builtNix.push({ path: first, keepAs: 'nix' });
      if (options.repro) {
        const flag = nixTarget.kind === 'flake' ? '--rebuild' : '--check';
        progress.phase(`rebuilding with ${tool} ${flag} to compare`);
        const check = await runTool(nixCheckCommand(nixTarget, nixBuild), {
          signal,
          what: `${tool} ${flag}`,
          onLine: (line) => progress.line('nix', line),
          allowExitCodes: Array.from({ length: 155 }, (_, i) => i + 1),
        });
        checkpoint();
        const outcome = checkOutcome(check.exitCode, check.tail);
        if (outcome.kind === 'failed') throw new Dock2nixError('E_ENGINE', `${tool} ${flag} failed${outcome.line ? `: ${outcome.line}` : ''}`);
        if (result.kind === 'stream') {
          // The derivation is the script: the image is what it writes. Run the rebuilt script (or the same one again).
          const script = outcome.kind === 'differs' && outcome.second ? outcome.second : result.script;
          const second = await runStream(script, path.join(work, 'nix-2.tar'), signal, progress);
          builtNix.push({ path: second, keepAs: 'nix-rebuild' });
          nixCheck = { method: `${tool} ${flag}, and the stream script run twice`, same: false };
        } else if (outcome.kind === 'differs' && outcome.second) {
          builtNix.push({ path: outcome.second, keepAs: 'nix-rebuild' });
          nixCheck = { method: `${tool} ${flag}`, same: false };
        } else {
          nixCheck = { method: `${tool} ${flag}`, same: outcome.kind === 'same' };
        }
      }
      nixInfo = {
        tool,
        input: relativeForHumans(nixTarget.path),
        archive: null,
        noCache: false,
        timestamp: null,
        platform: options.platform ?? null,
        buildArgs: nixSide?.kind === 'convert' ? buildArgs.map(([name]) => name) : [],
        remote: [...remoteVariables(['NIX_REMOTE']), ...(options.builders !== undefined ? ['--builders'] : [])],
        seconds: round(progress.elapsed() - started),
      };
      progress.note(`built in ${nixInfo.seconds.toFixed(1)} s`);
    }
    checkpoint();

    // 4. Read the archives.
    progress.phase('reading the images');
    const images: AuditImage[] = [];
    const repro: SideRepro[] = [];
    const loaded: { docker?: LoadedImage; nix?: LoadedImage } = {};
    const ignoreTimestamps = options.ignoreTimestamps;
    if (dockerSide) {
      const label = dockerSide.kind === 'build' ? `${relativeForHumans(dockerSide.dockerfile)} (${engine!.name})` : undefined;
      const archive = dockerSide.kind === 'archive' ? dockerSide.path : builtDocker[0]!.path;
      if (builtDocker.length === 2) {
        const [a, b] = await Promise.all([loadFirst(builtDocker[0]!.path, label), loadFirst(builtDocker[1]!.path, label)]);
        images.push(asAuditImage(buildImageReport(a), 'docker', dockerInfo));
        loaded.docker = a;
        repro.push({
          image: 'docker',
          label: a.label,
          method: `${BUILD_VERB[engine!.name]} --no-cache, twice`,
          report: compareLoaded(a, b, { ignoreTimestamps }),
        });
      } else {
        loaded.docker = await loadFirst(archive, label);
        images.push(asAuditImage(buildImageReport(loaded.docker), 'docker', dockerInfo));
      }
    }
    checkpoint();
    if (nixSide) {
      const archive = nixSide.kind === 'archive' ? nixSide.path : builtNix[0]!.path;
      if (builtNix.length === 2) {
        const [a, b] = await Promise.all([loadFirst(builtNix[0]!.path), loadFirst(builtNix[1]!.path)]);
        images.push(asAuditImage(buildImageReport(a), 'nix', nixInfo));
        loaded.nix = a;
        repro.push({ image: 'nix', label: a.label, method: nixCheck!.method, report: compareLoaded(a, b, { ignoreTimestamps }) });
      } else {
        loaded.nix = await loadFirst(archive);
        const report = buildImageReport(loaded.nix);
        images.push(asAuditImage(report, 'nix', nixInfo));
        if (nixCheck) repro.push({ image: 'nix', label: report.label, method: nixCheck.method, report: null, sameWithoutReport: nixCheck.same });
      }
    }
    checkpoint();

    // 5. Keep the archives when asked: copied into place under a temporary name, then renamed.
    if (keepDir) {
      for (const [role, built] of [
        ['docker', builtDocker],
        ['nix', builtNix],
      ] as const) {
        for (const [index, archive] of built.entries()) {
          const target = path.join(keepDir, `${archive.keepAs}${await archiveExtension(archive.path)}`);
          await keepArchive(archive.path, target);
          const image = images.find((candidate) => candidate.role === role);
          if (index === 0 && image?.build) {
            image.build.archive = relativeForHumans(target);
            image.source = relativeForHumans(target);
          }
        }
      }
    }
    for (const image of images) if (image.build && image.build.archive === null) image.source = image.build.input;

    const docker = images.find((image) => image.role === 'docker');
    const nix = images.find((image) => image.role === 'nix');
    const report: AuditReport = {
      tool: { name: 'dock2nix', version: toolVersion },
      dockerfile: dockerfile ? relativeForHumans(dockerfile) : null,
      conversion,
      images,
      comparison: docker && nix ? compareAudit(docker, nix) : null,
      gates: [],
    };
    if (loaded.docker && loaded.nix) {
      progress.phase('comparing what the images do');
      const scope = dockerfile ? dockerfileScopeOf(options, dockerfile) : null;
      const a = imageView(loaded.docker);
      const b = imageView(loaded.nix);
      const packages = comparePackages(findPackages(a), findPackages(b), scope?.requested ?? []);
      let smoke: SmokeSection | undefined;
      if (options.smoke && smokeProgram) {
        const archives = {
          docker: dockerSide!.kind === 'archive' ? dockerSide!.path : builtDocker[0]!.path,
          nix: nixSide!.kind === 'archive' ? nixSide!.path : builtNix[0]!.path,
        };
        // Every port either image exposes is probed in both: a server may listen on a port its image does not declare.
        const ports = [...new Set([loaded.docker, loaded.nix].flatMap((image) => exposedPorts(image.config)))].sort();
        smoke = await smokeRun(
          (['docker', 'nix'] as const).map((role) => ({
            role,
            label: loaded[role]!.label,
            archive: archives[role],
            id: imageIdFrom(loaded[role]!.ref.configPath, loaded[role]!.ref.configDigest),
            ports,
          })),
          {
            program: smokeProgram,
            ...(options.storageDriver ? { storageDriver: options.storageDriver } : {}),
            command: options.smoke.command,
            seconds: options.smoke.seconds,
            signal,
            progress,
          },
        );
      }
      report.equivalence = assembleEquivalence(
        compareConfig(a, b, scope?.labels ?? null),
        compareFiles(a, b, scope?.roots ?? null, options.allFiles === true),
        packages,
        smoke,
      );
    }
    if (options.repro) report.reproducibility = assembleReproducibility(repro, ignoreTimestamps);
    return report;
  } finally {
    if (engine) for (const tag of tags) await removeImage(engine, tag, options.storageDriver, progress);
    await rm(work, { recursive: true, force: true });
  }
}

/** The engine that starts the containers of --smoke: Docker when asked for, else Podman, else a Docker daemon that answers. */
async function chooseSmokeEngine(requested: EngineName | 'auto', bothSides: boolean): Promise<'podman' | 'docker'> {
  if (!bothSides) throw new Dock2nixError('E_USAGE', '--smoke needs both a Dockerfile image and a Nix image');
  const order: Array<'podman' | 'docker'> = requested === 'docker' ? ['docker'] : requested === 'podman' ? ['podman'] : ['podman', 'docker'];
  const problems: string[] = [];
  for (const name of order) {
    const problem = await engineUsable(name);
    if (!problem) return name;
    problems.push(problem);
  }
  throw new Dock2nixError('E_ENGINE', `--smoke needs Podman or Docker to start the images: ${problems.join('; ')}`);
}

function exposedPorts(config: Record<string, unknown>): string[] {
  const inner = config.config as { ExposedPorts?: Record<string, unknown> } | undefined;
  return Object.keys(inner?.ExposedPorts ?? {}).map((port) => (port.includes('/') ? port : `${port}/tcp`));
}

const BUILD_VERB: Record<EngineName, string> = { docker: 'docker build', podman: 'podman build', buildah: 'buildah bud', buildkit: 'buildctl build' };

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}

async function loadFirst(source: string, label?: string): Promise<LoadedImage> {
  const [image] = await loadImages(source, { hashFiles: true, capture: captureForAudit }, label);
  if (!image) throw new Dock2nixError('E_ARCHIVE', 'the archive holds no image', { file: source });
  return image;
}

function dockerfileScopeOf(options: AuditRunOptions, dockerfile: string): DockerfileScope {
  const parsed = parseDockerfile(readDockerfile(options.dockerfile!), relativeForHumans(dockerfile), { buildArgs: parseBuildArgs(options.buildArgs) });
  return dockerfileScope(parsed, options.target);
}

function asAuditImage(report: ImageReport, role: Side, build: BuildInfo | null): AuditImage {
  return { role, build, ...report };
}

async function convert(options: AuditRunOptions, contextDir: string, outDir: string, saved: boolean): Promise<ConversionInfo> {
  const source = readDockerfile(options.dockerfile!);
  const context = fsContext(contextDir);
  const ignore = readDockerignore(context);
  const outputInContext = path.relative(contextDir, outDir);
  const shell = await loadShellReader();
  const { plan, files } = convertDockerfile(source, context, loadRules(), {
    dockerfilePath: options.dockerfile!,
    format: options.nixFormat,
    ...(options.target ? { target: options.target } : {}),
    buildArgs: parseBuildArgs(options.buildArgs),
    imageName: imageNameFrom(path.basename(contextDir)),
    contextFromOutput: path.relative(outDir, contextDir).split(path.sep).join('/'),
    outputInContext:
      outputInContext && !outputInContext.startsWith('..') && !path.isAbsolute(outputInContext) ? outputInContext.split(path.sep).join('/') : null,
    dockerignore: ignore,
    contextLabel: path.relative(process.cwd(), contextDir) || '.',
    toolVersion,
    shell,
  });
  if (saved) ensureWritable([path.join(outDir, 'default.nix'), path.join(outDir, 'flake.nix')], options.force);
  await writeFilesAtomically(
    [
      { path: path.join(outDir, 'default.nix'), content: files['default.nix'] },
      { path: path.join(outDir, 'flake.nix'), content: files['flake.nix'] },
      // Side files default.nix reads (deps.json); one already there holds what its generation step wrote.
      ...Object.entries(files.extra)
        .filter(([name]) => !existsSync(path.join(outDir, name)))
        .map(([name, content]) => ({ path: path.join(outDir, name), content })),
    ],
    { replace: !saved || options.force },
  );
  return { savedTo: saved ? relativeForHumans(outDir) : null, format: plan.format, summary: plan.summary };
}

const BUILD_LOG_LINES = 20;
const BUILD_LOG_LINE_CHARS = 300;

/**
 * A failed Nix build: the one line stays, and the end of the log of the derivation that failed follows it (read
 * with `nix-store --read-log`, else the builder's lines nix-build printed), at most 20 lines.
 */
export async function withBuildLog(error: Dock2nixError, output: readonly string[]): Promise<Dock2nixError> {
  const drv = output.map((line) => line.match(/builder for '(\/nix\/store\/[^']+\.drv)' failed/)?.[1]).find(Boolean);
  if (!drv) return error;
  let log: string[] = [];
  let source = `nix-store --read-log ${drv}`;
  try {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), 30_000);
    try {
      const read = await runTool({ file: 'nix-store', args: ['--read-log', drv] }, { signal: timeout.signal, what: 'nix-store --read-log' });
      log = read.stdout.split('\n');
    } finally {
      clearTimeout(timer);
    }
  } catch {
    // No log kept (keep-build-log = false, a remote builder): what nix-build printed of the builder, after "building '<drv>'".
    const start = output.findIndex((line) => line.includes(`building '${drv}'`));
    const end = output.findIndex((line, index) => index > start && line.includes(`builder for '${drv}' failed`));
    if (start < 0) return error;
    log = output.slice(start + 1, end < 0 ? undefined : end);
    source = 'as nix-build printed it';
  }
  while (log.length > 0 && log[log.length - 1]!.trim() === '') log.pop();
  if (log.length === 0) return error;
  const tail = log.slice(-BUILD_LOG_LINES).map((line) => {
    const clean = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    return clean.length > BUILD_LOG_LINE_CHARS ? `${clean.slice(0, BUILD_LOG_LINE_CHARS - 3)}...` : clean;
  });
  const what = log.length > tail.length ? `the last ${tail.length} of ${log.length} lines` : `its ${tail.length} line${tail.length === 1 ? '' : 's'}`;
  return new Dock2nixError(error.code, error.message, {
    ...(error.file ? { file: error.file } : {}),
    ...(error.hint ? { hint: error.hint } : {}),
    exitCode: error.exitCode,
    details: [`build log of ${drv}, ${what} (${source}):`, ...tail.map((line) => `  ${line}`)],
  });
}

/** Run a streamLayeredImage script, its stdout going to `out`. */
async function runStream(script: string, out: string, signal: AbortSignal, progress: Progress): Promise<string> {
  progress.phase('writing the image with the stream script');
  const command: ToolCommand = { file: script, args: [] };
  await runTool(command, { signal, what: 'the Nix stream script', stdoutFile: out, onLine: (line) => progress.line('nix', line) });
  return out;
}

async function removeImage(engine: Engine, tag: string, storageDriver: string | undefined, progress: Progress, quiet = false): Promise<void> {
  const command = engine.removeCommand({ tag, ...(storageDriver ? { storageDriver } : {}) });
  if (!command) return;
  try {
    // Not cancellable: this is the cleaning up after Ctrl-C. A stuck engine gets 60 s.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), 60_000);
    try {
      await runTool(command, { signal: timeout.signal, what: `${engine.name} rmi`, allowExitCodes: Array.from({ length: 255 }, (_, i) => i + 1) });
    } finally {
      clearTimeout(timer);
    }
  } catch {
    if (!quiet) progress.note(`could not remove the image ${tag}; remove it with ${engine.program} rmi ${tag}`);
  }
}

/** Not cancellable (this runs after Ctrl-C), 60 s at most; null when the engine lists none or the listing fails. */
async function cleanupTool(command: ToolCommand, what: string): Promise<{ exitCode: number; stdout: string } | null> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), 60_000);
  try {
    return await runTool(command, { signal: timeout.signal, what, allowExitCodes: Array.from({ length: 255 }, (_, i) => i + 1) });
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

async function listContainers(engine: Engine, storageDriver: string | undefined): Promise<string[] | null> {
  const command = engine.listContainersCommand(storageDriver ? { storageDriver } : {});
  if (!command) return null;
  const result = await cleanupTool(command, `${engine.name} containers`);
  if (!result || result.exitCode !== 0) return null;
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[0-9a-f]{12,64}$/.test(line));
}

async function removeContainer(engine: Engine, id: string, storageDriver: string | undefined, progress: Progress): Promise<void> {
  const command = engine.removeContainerCommand(storageDriver ? { storageDriver } : {}, id);
  if (!command) return;
  const result = await cleanupTool(command, `${engine.name} rm`);
  if (!result || result.exitCode !== 0)
    progress.note(`could not remove the build container ${id.slice(0, 12)}; remove it with ${engine.program} rm ${id.slice(0, 12)}`);
}

async function keepArchive(from: string, to: string): Promise<void> {
  const tmp = temporaryName(to);
  makeFolders(path.dirname(to));
  try {
    await copyFile(from, tmp);
    await rename(tmp, to);
  } finally {
    await rm(tmp, { force: true });
  }
}
