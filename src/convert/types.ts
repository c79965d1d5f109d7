/**
 * The migration plan: everything the converter decided, as plain serialisable data. The Nix emitter and the
 * reports read only this.
 */
import type { Keyword } from '../dockerfile/model.js';
import type { Manager } from '../rules/lookup.js';
import type { SecretFinding } from './secrets.js';

export type Status = 'mapped' | 'approximated' | 'manual' | 'ignored';
export type Confidence = 'exact' | 'high' | 'low' | 'none';
/** The output formats (src/nix/formats/index.ts lists them). */
export type { OutputFormat } from '../nix/formats/index.js';
import type { OutputFormat } from '../nix/formats/index.js';

/** Worse statuses win when one instruction has several outcomes. */
export const statusRank: Record<Status, number> = { ignored: 0, mapped: 1, approximated: 2, manual: 3 };

/** The order reports list statuses in (counts, summaries). */
/** --max-layers bounds: dockerTools asserts maxLayers > 1; 125 leaves room under the 127 layers some runtimes and registries take. */
export const MIN_MAX_LAYERS = 2;
export const MAX_MAX_LAYERS = 125;

export const STATUS_ORDER: readonly Status[] = ['mapped', 'approximated', 'manual', 'ignored'];

export interface InstructionReport {
  line: number;
  endLine: number;
  keyword: Keyword;
  /** Stage index, or null for ARGs before the first FROM. */
  stage: number | null;
  status: Status;
  /** Stable id of the rule that decided (e.g. `run.apk.add`). */
  rule: string;
  message: string;
  /** One line per shell command or sub-decision, for RUN. */
  details: string[];
}

export interface PackageReport {
  manager: Manager;
  name: string;
  version: string | null;
  /** nixpkgs attribute path, or null when unmapped (or nothing is needed). */
  nix: string | null;
  confidence: Confidence;
  line: number;
  note?: string;
  role: 'runtime' | 'build' | 'cleanup';
  stage: number;
}

export interface StageReport {
  index: number;
  name: string | null;
  from: string;
  /**
   * image: the target; build: a derivation a later stage copies from; base: a stage another starts FROM;
   * merged: a stage that only installs dependencies another copies (its node_modules), installed there instead, or
   * whose only copied outputs are Docker dependency caches or context files it passed on (nothing to build); unused.
   */
  role: 'image' | 'build' | 'base' | 'merged' | 'unused';
  builder: string | null;
}

export type FileSource =
  | { kind: 'context'; path: string; directory: boolean }
  | { kind: 'derivation'; derivation: string; path: string; directory: boolean }
  | { kind: 'text'; content: string; name: string };

export interface FilePlacement {
  line: number;
  source: FileSource;
  /** Absolute path in the image of the file, or of the directory whose contents are merged. */
  dest: string;
  owner: string | null;
  mode: string | null;
  /**
   * A folder's contents merged into a folder that was there before this line (WORKDIR, `./`): `--chown` and
   * `--chmod` reach only the entries the copy put there, as Docker's do, not the folder itself nor what was in it.
   */
  intoExisting?: true;
}

export interface DirectoryPlan {
  path: string;
  mode: string | null;
  owner: string | null;
}

export interface SymlinkPlan {
  path: string;
  /** A plain target, a path inside a package's store path, or a path inside the image's Python environment. */
  target: { kind: 'path'; path: string } | { kind: 'package'; attr: string; subpath: string } | { kind: 'python'; subpath: string };
}

/**
 * A RUN chmod, chown or rm of what COPY placed (or of something under it), done when the image is assembled, in
 * Dockerfile order with the placements: modes and removals in extraCommands, owners in fakeRootCommands.
 */
export interface PathChange {
  line: number;
  /** Absolute path in the image. */
  path: string;
  change: { kind: 'mode'; mode: string } | { kind: 'owner'; owner: string } | { kind: 'remove' };
  /** chmod -R, chown -R (a removal always takes the whole tree). */
  recursive: boolean;
}

export interface PythonPlan {
  /** Interpreter attribute, e.g. `python312`. */
  attr: string;
  /** Attribute names inside the interpreter's package set, sorted. */
  packages: string[];
  /**
   * Packages the Dockerfile installs that the environment lacks (no nixpkgs attribute known, or a git/path/URL
   * dependency), by line: each gets a TODO marker inside the withPackages list.
   */
  missing: Array<{ line: number; name: string; note: string }>;
}

export interface ImageConfigPlan {
  Env: Array<[string, string]>;
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  WorkingDir: string | null;
  User: string | null;
  ExposedPorts: string[];
  Volumes: string[];
  Labels: Array<[string, string]>;
  StopSignal: string | null;
  Healthcheck: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number } | null;
}

/**
 * A base image the Nix image keeps (partial migration): pulled by digest and used as `fromImage`, its layers
 * stay Docker's. Either dock2nix has no Nix equivalent for it, or --keep-base asked to keep it.
 */
export interface BaseImagePlan {
  /** The FROM line (for the marker on the pull). */
  line: number;
  /** The repository as written (with its registry, if any), e.g. `mcr.microsoft.com/dotnet/aspnet`. */
  imageName: string;
  /** The tag, `latest` when the FROM gave none. */
  tag: string;
  /** `sha256:…` when the FROM pinned one (`image@sha256:…`), else null: the user runs nix-prefetch-docker. */
  digest: string | null;
  why: 'unknown' | 'keep-base';
}

export interface ImagePlan {
  name: string;
  tag: string;
  /** nixpkgs attribute paths placed in the image root, sorted and unique. */
  contents: string[];
  python: PythonPlan | null;
  /** The image's PHP (`php83`) with the extensions the Dockerfile added (php.withExtensions), or null. */
  php: { attr: string; extensions: string[] } | null;
  /** Lines for fakeNss; null when the image gets no /etc/passwd. */
  users: { passwd: string[]; group: string[] } | null;
  directories: DirectoryPlan[];
  files: FilePlacement[];
  symlinks: SymlinkPlan[];
  /** RUN chmod/chown/rm of placed paths, by line. */
  pathChanges: PathChange[];
  config: ImageConfigPlan;
  /** The pulled base image the Nix layers go on top of; null: the image starts empty (everything is Nix's). */
  baseImage: BaseImagePlan | null;
}

export interface NpmBuild {
  kind: 'npm';
  /** npm (buildNpmPackage), Yarn 1 or pnpm (stdenv.mkDerivation with their nixpkgs hooks), Bun (a fixed-output node_modules). */
  manager: 'npm' | 'yarn' | 'pnpm' | 'bun';
  nodejs: string;
  /** `npm run <script>` (or yarn, pnpm), or null when the stage only installs dependencies. */
  buildScript: string | null;
  /** Where the lock file is (relative to the source root), null when there is none. */
  lockFile: string | null;
  /**
   * Where dependencies come from: importNpmLock (reads the lock file, no hash) or one download checked by
   * npmDepsHash, for npm; fetchYarnDeps (yarn.lock) or fetchPnpmDeps (pnpm-lock.yaml), each one download with a hash;
   * for Bun, `bun install` in a fixed-output derivation of node_modules (no nixpkgs fetcher exists).
   */
  dependencies: 'importNpmLock' | 'npmDepsHash' | 'fetchYarnDeps' | 'fetchPnpmDeps' | 'bunInstall';
  npmFlags: string[];
  /** The Dockerfile installed without dev dependencies (`--omit=dev`, `--production`, NODE_ENV=production). */
  omitDev: boolean;
  /** The Dockerfile line of the install, for the markers on hashes to fill in. */
  line: number;
}

export interface GoBuild {
  kind: 'go';
  builder: string;
  subPackages: string[];
  ldflags: string[];
  tags: string[];
  cgo: boolean | null;
  /** null: no dependencies or vendored; 'unknown': the user must fill it in from the first build. */
  vendorHash: null | 'unknown';
  /** The binary name buildGoModule installs, and the name the Dockerfile gave it with -o. */
  binaries: Array<{ installed: string; wanted: string }>;
  /**
   * `make <target>` commands whose recipe dock2nix could not read: the derivation keeps buildGoModule's Go and
   * vendored modules but runs these as its build (and installs what later stages copy); empty otherwise.
   */
  make: Array<{ line: number; source: string }>;
  /** The Dockerfile line of the first build, for the marker on vendorHash. */
  line: number;
}

export interface RustBuild {
  kind: 'rust';
  /** Cargo.lock (context-relative), or null when the context has none (then a cargoHash to fill in). */
  lockFile: string | null;
  /** The folder holding Cargo.lock, relative to the source root, when not the root itself (cargoRoot). */
  cargoRoot: string | null;
  /** The crate the Dockerfile built, relative to the source root, when not the root (buildAndTestSubdir). */
  buildAndTestSubdir: string | null;
  binaries: string[];
  features: string[];
  noDefaultFeatures: boolean;
  /** `-p X`, `--bin Y` as the Dockerfile gave them (cargoBuildFlags). */
  cargoBuildFlags: string[];
  /** One per git source of Cargo.lock: the `name-version` key cargoLock.outputHashes wants, and the URL. */
  gitDependencies: Array<{ key: string; url: string }>;
  /** The Dockerfile line of the build, for the markers on hashes to fill in. */
  line: number;
}

export interface DotnetBuild {
  kind: 'dotnet';
  /** The SDK attribute of the stage's base (`dotnet-sdk_8`). */
  sdk: string;
  /** The project the Dockerfile restores or publishes, relative to the source root; null: the solution. */
  projectFile: string | null;
  /** `-c` (buildType): Release unless the Dockerfile says otherwise. */
  buildType: string;
  /** `--self-contained` (selfContainedBuild), with its `-r` runtime identifier (runtimeId). */
  selfContained: boolean;
  runtimeId: string | null;
  /** `-p:Name=value` properties of the publish (dotnetInstallFlags) and of the build (dotnetBuildFlags). */
  installFlags: string[];
  buildFlags: string[];
  /** The side file nugetDeps reads (next to default.nix, `[ ]` until its generation step runs). */
  nugetDeps: string;
  /** The Dockerfile line of the restore (or of the publish), for the marker on the generation step. */
  line: number;
}

export interface MavenBuild {
  kind: 'maven';
  /** The JDK the build image had (mvnJdk), or null for buildMavenPackage's default. */
  jdk: string | null;
  /** false: -DskipTests (buildMavenPackage adds it to the dependency fetch and the build). */
  doCheck: boolean;
  /** Profiles, properties, modules and `-f` (mvnParameters). */
  parameters: string[];
  /** mvnGoal when the Dockerfile ran goals after package; null for the default (package). */
  goal: string | null;
  /**
   * Wildcards later stages copy (`target/*.jar`, relative to the build folder), installed into $out at `to`: the
   * single match as that file, or every match into that folder (`directory`).
   */
  globs: Array<{ line: number; pattern: string; to: string; directory: boolean }>;
  /** The Dockerfile line of the build, for the marker on mvnHash. */
  line: number;
}

export interface BundlerBuild {
  kind: 'bundler';
  /** The Ruby of the stage's base (`ruby_3_3`). */
  ruby: string;
  /** Gemfile and Gemfile.lock in the build context (relative to it), or null when the context has none. */
  gemfile: string | null;
  lockfile: string | null;
  /** The side file gemset reads, next to default.nix (`{ }` until bundix writes it). */
  gemset: string;
  /** The Gemfile groups installed (`default` and those not left out); null: every group. */
  groups: string[] | null;
  /** The stage is the image's: the image runs with the environment's programs and its wrapped Ruby. */
  inImage: boolean;
  /** The Dockerfile line of the bundle install, for the marker on the generation step. */
  line: number;
}

export interface MixBuild {
  kind: 'mix';
  /** The BEAM package set of the Erlang/OTP the build image had (`beamMinimal27Packages`). */
  beam: string;
  /** The Elixir attribute of that set (`elixir_1_17`). */
  elixir: string;
  /** MIX_ENV of the release (mixEnv). */
  mixEnv: string;
  /** `mix release NAME` (mixReleaseName), or null for the project's default release. */
  releaseName: string | null;
  /** The Dockerfile line of `mix deps.get` (or of the release), for the marker on the dependencies' hash. */
  line: number;
}

export interface GradleBuild {
  kind: 'gradle';
  /** The Gradle attribute (`gradle`: nixpkgs' Gradle 8). */
  gradle: string;
  /** The JDK Gradle runs and compiles with (`gradle.override { java = ...; }`), or null for the Gradle's own default. */
  jdk: string | null;
  /** gradleBuildTask: the tasks of the Dockerfile's gradle lines (without `clean`). */
  tasks: string[];
  /** gradleFlags: `-x TASK` exclusions, `-P`/`-D` properties, `-p DIR`. */
  flags: string[];
  /** Wildcards later stages copy (`build/libs/*.jar`), installed into $out as MavenBuild's. */
  globs: Array<{ line: number; pattern: string; to: string; directory: boolean }>;
  /** The side file gradle.fetchDeps reads (next to default.nix), written by mitmCache.updateScript. */
  depsFile: string;
  /** The Dockerfile line of the build, for the marker on the generation step. */
  line: number;
}

export interface ComposerBuild {
  kind: 'composer';
  /** The PHP attribute of the stage (`php83`): its buildComposerProject2. */
  php: string;
  /** Extensions the stage added (php.withExtensions), passed as the builder's `php`. */
  extensions: string[];
  /** composerNoDev: `--no-dev` (the builder's default is true, composer's is false). */
  noDev: boolean;
  /** composerNoScripts: `--no-scripts` (the builder's default is true). */
  noScripts: boolean;
  /** Flags for `composer dump-autoload` after the install (`--optimize`, `--classmap-authoritative`). */
  autoloader: string[];
  /** The Dockerfile line of the install, for the marker on vendorHash. */
  line: number;
}

export interface GenericBuild {
  kind: 'generic';
  commands: Array<{ line: number; source: string }>;
}

export type BuildPlan = NpmBuild | GoBuild | RustBuild | DotnetBuild | MavenBuild | GradleBuild | ComposerBuild | BundlerBuild | MixBuild | GenericBuild;

export interface DerivationPlan {
  /** Nix identifier used in the let block. */
  name: string;
  stage: number;
  pname: string;
  version: string;
  /** Source: context paths (relative, sorted) the stage copies, or the whole context. */
  src: { root: string; include: string[] | 'all' };
  /** The stage's working directory, which becomes the build's top directory. */
  workdir: string;
  build: BuildPlan;
  /** Tools from the stage's package installs (run at build time). */
  nativeBuildInputs: string[];
  /** Libraries from the stage's package installs (linked against). */
  buildInputs: string[];
  env: Array<[string, string]>;
  /** What the derivation installs: a path of the stage (relative to workdir) → a path in $out. */
  outputs: Array<{ from: string; to: string; directory: boolean }>;
  /** Binaries a language builder installs in $out/bin, also placed where the Dockerfile had them (→ a path in $out). */
  binaryCopies: Array<{ bin: string; to: string }>;
  /**
   * Commands of the stage a language builder (npm, Go, Rust) does not do itself, replayed as written before its
   * build or after it; `manual` when no rule understood them (the emitter marks those). Empty for generic builds.
   */
  replays: Array<{ line: number; source: string; phase: 'before' | 'after'; manual: boolean }>;
  /** Lines of the Dockerfile this derivation stands for. */
  lines: number[];
}

export interface MigrationPlan {
  tool: { name: 'dock2nix'; version: string };
  dockerfile: string;
  context: string;
  format: OutputFormat;
  target: { index: number; name: string | null };
  stages: StageReport[];
  instructions: InstructionReport[];
  packages: PackageReport[];
  derivations: DerivationPlan[];
  image: ImagePlan;
  /** The context as a path relative to the output folder. */
  contextFromOutput: string;
  /**
   * `convert --with-dockerfile`: Dockerfile.nix is written beside default.nix (src/nix/dockerfile-out.ts), which then
   * exposes the image's root; `outputInContext` is that folder relative to the build context.
   */
  dockerfileOut?: { outputInContext: string };
  /** Values that look like credentials (their values only serve to mask them in reports). */
  secrets: SecretFinding[];
  /** Answers (`manager:name`) that matched nothing in this Dockerfile: a package removed, a name changed. */
  unusedDecisions: string[];
  /** What the Dockerfile parser noticed that Docker accepts but is likely a mistake (an undefined variable...). */
  warnings: Array<{ line: number; message: string }>;
  /** Context paths left out of whole-context sources (VCS data, the output folder, plain .dockerignore entries). */
  contextExclude: string[];
  /**
   * A .dockerignore with wildcards or exceptions, in order (the last matching rule decides; a rule matches a path
   * or anything under it), as regular expressions for builtins.match; null when contextExclude says it all.
   */
  contextIgnore: { rules: Array<{ regex: string; exclude: boolean }>; exceptionFolders: { above: string[]; within: string[] } } | null;
  summary: Record<Status, number>;
  /** --max-layers: the limit given to the builder, and how it splits the image (absent: the builder's default). */
  layering?: LayeringPlan;
}

export interface LayeringPlan {
  maxLayers: number;
  /** For the report: what the limit counts and how the builder fills the layers. */
  explanation: string[];
}
