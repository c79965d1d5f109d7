/**
 * Container engines for the Dockerfile side: Docker, Podman, Buildah and BuildKit (`buildctl`). Each engine is
 * a pure description: the commands that build a Dockerfile into an image archive, and the one that removes the
 * image afterwards. Detection and running are in this file too; the commands themselves are plain argv arrays.
 */
import { Dock2nixError } from '../errors.js';
import { probe, toolExists, type ToolCommand } from './process.js';

export const ENGINE_NAMES = ['docker', 'podman', 'buildah', 'buildkit'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface BuildRequest {
  dockerfile: string;
  context: string;
  /** A name made by dock2nix for this build only (removed afterwards). */
  tag: string;
  /** Where the docker-archive goes. */
  archive: string;
  buildArgs: Array<[string, string]>;
  target?: string;
  platform?: string;
  /** Do not reuse any cached layer (the second build of --repro). */
  noCache: boolean;
  /** Clamp time stamps (buildah/podman --timestamp; SOURCE_DATE_EPOCH for Docker and BuildKit). */
  timestamp?: number;
  /** Podman and Buildah only. */
  storageDriver?: string;
  isolation?: string;
  pull?: string;
}

export interface Engine {
  name: EngineName;
  /** The program that is run. */
  program: string;
  /** Build, then write the archive: run in order. */
  buildCommands(request: BuildRequest): Array<{ what: string; command: ToolCommand }>;
  /** Remove the image that was built (best effort). */
  removeCommand(request: Pick<BuildRequest, 'tag' | 'storageDriver'>): ToolCommand | null;
  /**
   * List the IDs of the build (working) containers in the engine's storage, one a line; null when the engine
   * keeps none of its own (Docker's daemon and BuildKit clean up after an interrupted build themselves).
   */
  listContainersCommand(request: Pick<BuildRequest, 'storageDriver'>): ToolCommand | null;
  /** Remove one build container. */
  removeContainerCommand(request: Pick<BuildRequest, 'storageDriver'>, id: string): ToolCommand | null;
}

function buildArgFlags(flag: string, args: Array<[string, string]>): string[] {
  return args.flatMap(([name, value]) => [flag, `${name}=${value}`]);
}

/** Podman and Buildah share storage options and most build flags. */
function storageFlags(request: Pick<BuildRequest, 'storageDriver'>): string[] {
  return request.storageDriver ? ['--storage-driver', request.storageDriver] : [];
}

function containersBuild(subcommand: 'bud' | 'build', request: BuildRequest): string[] {
  return [
    ...storageFlags(request),
    subcommand,
    // One layer per instruction, as Docker does; cached layers are reused unless --no-cache.
    '--layers',
    // Remove the working containers even when the build fails or is interrupted.
    '--force-rm',
    ...(request.isolation ? ['--isolation', request.isolation] : []),
    ...(request.pull ? [`--pull=${request.pull}`] : []),
    ...(request.noCache ? ['--no-cache'] : []),
    ...(request.timestamp !== undefined ? ['--timestamp', String(request.timestamp)] : []),
    ...(request.platform ? ['--platform', request.platform] : []),
    ...(request.target ? ['--target', request.target] : []),
    ...buildArgFlags('--build-arg', request.buildArgs),
    '-t',
    request.tag,
    '-f',
    request.dockerfile,
    '--',
    request.context,
  ];
}

export const buildah: Engine = {
  name: 'buildah',
  program: 'buildah',
  buildCommands(request) {
    return [
      { what: 'buildah bud', command: { file: 'buildah', args: containersBuild('bud', request) } },
      {
        what: 'buildah push',
        command: { file: 'buildah', args: [...storageFlags(request), 'push', request.tag, `docker-archive:${request.archive}:${request.tag}`] },
      },
    ];
  },
  removeCommand(request) {
    return { file: 'buildah', args: [...storageFlags(request), 'rmi', request.tag] };
  },
  listContainersCommand(request) {
    return { file: 'buildah', args: [...storageFlags(request), 'containers', '--all', '--format', '{{.ContainerID}}'] };
  },
  removeContainerCommand(request, id) {
    return { file: 'buildah', args: [...storageFlags(request), 'rm', id] };
  },
};

export const podman: Engine = {
  name: 'podman',
  program: 'podman',
  buildCommands(request) {
    return [
      { what: 'podman build', command: { file: 'podman', args: containersBuild('build', request) } },
      {
        what: 'podman save',
        command: { file: 'podman', args: [...storageFlags(request), 'save', '--format', 'docker-archive', '-o', request.archive, request.tag] },
      },
    ];
  },
  removeCommand(request) {
    return { file: 'podman', args: [...storageFlags(request), 'rmi', request.tag] };
  },
  listContainersCommand(request) {
    // --external: the build's working containers are Buildah's, not Podman's own.
    return { file: 'podman', args: [...storageFlags(request), 'ps', '--all', '--external', '--no-trunc', '--format', '{{.ID}}'] };
  },
  removeContainerCommand(request, id) {
    return { file: 'podman', args: [...storageFlags(request), 'rm', '--force', id] };
  },
};

/** `docker build` goes to DOCKER_HOST (or the current context) like any docker command. */
export const docker: Engine = {
  name: 'docker',
  program: 'docker',
  buildCommands(request) {
    const epoch = request.timestamp !== undefined ? [['SOURCE_DATE_EPOCH', String(request.timestamp)] as [string, string]] : [];
    const args = [
      'build',
      '--force-rm',
      ...(request.pull === 'always' ? ['--pull'] : []),
      ...(request.noCache ? ['--no-cache'] : []),
      ...(request.platform ? ['--platform', request.platform] : []),
      ...(request.target ? ['--target', request.target] : []),
      ...buildArgFlags('--build-arg', [...epoch, ...request.buildArgs]),
      '-t',
      request.tag,
      '-f',
      request.dockerfile,
      '--',
      request.context,
    ];
    return [
      { what: 'docker build', command: { file: 'docker', args, env: { DOCKER_CLI_HINTS: 'false' } } },
      { what: 'docker save', command: { file: 'docker', args: ['save', '-o', request.archive, request.tag] } },
    ];
  },
  removeCommand(request) {
    return { file: 'docker', args: ['rmi', request.tag] };
  },
  listContainersCommand() {
    return null; // --force-rm: the daemon removes them, also when the client is stopped
  },
  removeContainerCommand() {
    return null;
  },
};

/** `buildctl` talks to BUILDKIT_HOST (a remote or local buildkitd) and writes the docker-archive itself. */
export const buildkit: Engine = {
  name: 'buildkit',
  program: 'buildctl',
  buildCommands(request) {
    const slash = request.dockerfile.lastIndexOf('/');
    const dockerfileDir = slash > 0 ? request.dockerfile.slice(0, slash) : slash === 0 ? '/' : '.';
    const dockerfileName = request.dockerfile.slice(slash + 1);
    const epoch = request.timestamp !== undefined ? [['SOURCE_DATE_EPOCH', String(request.timestamp)] as [string, string]] : [];
    // The --output value is CSV: the tag and the archive path are dock2nix's own (no commas, no quotes).
    const output = `type=docker,name=${request.tag},dest=${request.archive}${request.timestamp !== undefined ? ',rewrite-timestamp=true' : ''}`;
    const args = [
      'build',
      '--progress',
      'plain',
      '--frontend',
      'dockerfile.v0',
      '--local',
      `context=${request.context}`,
      '--local',
      `dockerfile=${dockerfileDir}`,
      '--opt',
      `filename=${dockerfileName}`,
      ...(request.target ? ['--opt', `target=${request.target}`] : []),
      ...(request.platform ? ['--opt', `platform=${request.platform}`] : []),
      ...(request.noCache ? ['--no-cache'] : []),
      ...(request.pull === 'always' ? ['--opt', 'image-resolve-mode=pull'] : []),
      ...[...epoch, ...request.buildArgs].flatMap(([name, value]) => ['--opt', `build-arg:${name}=${value}`]),
      '--output',
      output,
    ];
    return [{ what: 'buildctl build', command: { file: 'buildctl', args } }];
  },
  removeCommand() {
    return null; // the image only ever exists as the archive
  },
  listContainersCommand() {
    return null;
  },
  removeContainerCommand() {
    return null;
  },
};

/**
 * Image IDs a Buildah or Podman build created (its `--> 1b29793d819` lines), leaving out layers it took from the
 * cache. When a build fails or is interrupted, these are the intermediate images nobody else refers to yet.
 */
export class CreatedImages {
  private readonly created: string[] = [];
  private readonly cached = new Set<string>();

  see(line: string): void {
    const cache = /Using cache ([0-9a-f]{12,64})/.exec(line);
    if (cache) this.cached.add(cache[1]!.slice(0, 11));
    const made = /^--> ([0-9a-f]{11,64})\s*$/.exec(line.trim());
    if (made && !this.cached.has(made[1]!.slice(0, 11)) && !this.created.includes(made[1]!)) this.created.push(made[1]!);
  }

  /** Newest first, so that each is removed before its parent. */
  ids(): string[] {
    return [...this.created].reverse();
  }
}

export const ENGINES: Record<EngineName, Engine> = { docker, podman, buildah, buildkit };

/** Is an engine usable here? Docker needs a reachable daemon, BuildKit a buildkitd (BUILDKIT_HOST or the default socket). */
export async function engineUsable(name: EngineName): Promise<string | null> {
  const engine = ENGINES[name];
  if (!(await toolExists(engine.program))) return `${engine.program} is not installed`;
  if (name === 'docker' && !(await probe({ file: 'docker', args: ['version', '--format', '{{.Server.Version}}'] }, 15_000))) {
    return `the Docker daemon is not reachable${process.env.DOCKER_HOST ? ` at DOCKER_HOST` : ''} (is it running?)`;
  }
  if (name === 'buildkit' && !(await probe({ file: 'buildctl', args: ['debug', 'workers'] }, 15_000))) {
    return `buildkitd is not reachable${process.env.BUILDKIT_HOST ? ' at BUILDKIT_HOST' : ''}`;
  }
  return null;
}

/** The engines `--engine auto` tries, in order. */
function autoOrder(): EngineName[] {
  return process.env.BUILDKIT_HOST ? ['buildkit', 'docker', 'podman', 'buildah'] : ['docker', 'podman', 'buildah'];
}

/** The program of the first engine `--engine auto` would try that is installed (on `pathEnv`), or null. Starts nothing. */
export async function installedEngine(pathEnv: string | undefined = process.env.PATH): Promise<string | null> {
  for (const name of autoOrder()) if (await toolExists(ENGINES[name].program, pathEnv)) return ENGINES[name].program;
  return null;
}

/**
 * The engine to use: the one asked for (which must work), or the first usable of Docker, Podman, Buildah
 * (BuildKit first when BUILDKIT_HOST is set).
 */
export async function chooseEngine(requested: EngineName | 'auto'): Promise<Engine> {
  if (requested !== 'auto') {
    const problem = await engineUsable(requested);
    if (problem) throw new Dock2nixError('E_ENGINE', `--engine ${requested}: ${problem}`);
    return ENGINES[requested];
  }
  const order = autoOrder();
  const problems: string[] = [];
  for (const name of order) {
    const problem = await engineUsable(name);
    if (!problem) return ENGINES[name];
    problems.push(problem);
  }
  throw new Dock2nixError('E_ENGINE', `no container engine to build the Dockerfile: ${problems.join('; ')}`, {
    hint: 'install Docker, Podman or Buildah, or pass an image built elsewhere with --docker-archive',
  });
}
