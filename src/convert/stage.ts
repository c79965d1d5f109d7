/**
 * What the converter knows about one stage while it walks the instructions: the packages it installed, the
 * files it placed, its users, configuration and build steps. A stage that starts FROM another inherits a copy.
 */
import type { BaseImageMatch, RuleSet, RuntimeChoice } from '../rules/lookup.js';
import type { BaseImage } from '../rules/schema.js';
import type { ShellReader } from '../shell/reader.js';
import type { BuildContext } from './context.js';
import type { DecisionLedger } from './decisions.js';
import type { BaseImagePlan, Confidence, DirectoryPlan, FilePlacement, ImageConfigPlan, PackageReport, PathChange, Status, SymlinkPlan } from './types.js';
import { statusRank } from './types.js';

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  gecos: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
}

export interface ContextCopy {
  line: number;
  /** Context-relative source path. */
  source: string;
  directory: boolean;
  /** Absolute destination in the stage. */
  dest: string;
}

export interface NpmStep {
  /** The package manager that ran: npm, Yarn 1, pnpm or Bun. */
  manager: 'npm' | 'yarn' | 'pnpm' | 'bun';
  line: number;
  cwd: string;
  /** `prune` only when it drops dev dependencies (otherwise it is not recorded). */
  action: 'install' | 'ci' | 'run' | 'prune';
  script?: string;
  flags: string[];
  /** An install (or prune) without dev dependencies: a flag (`--production`) or NODE_ENV=production where it ran. */
  production?: boolean;
}

export interface GoStep {
  line: number;
  cwd: string;
  output: string | null;
  packages: string[];
  ldflags: string[];
  tags: string[];
  cgo: boolean | null;
  /** `make <target>` whose recipe dock2nix could not read: the derivation runs it as written (its source). */
  make?: string;
}

export interface DotnetStep {
  line: number;
  cwd: string;
  action: 'restore' | 'publish' | 'build';
  /** The project or solution file named on the command line, resolved in the stage; null: the one in cwd. */
  project: string | null;
  /** `-c`/`--configuration`, or null when not given. */
  configuration: string | null;
  /** `-o`/`--output` (publish), resolved in the stage. */
  output: string | null;
  /** `-r`/`--runtime` (a runtime identifier such as linux-x64). */
  runtime: string | null;
  /** `--self-contained` given (true), `--self-contained false` / `--no-self-contained` (false), or not said (null). */
  selfContained: boolean | null;
  /** `-p:Name=value` / `/p:Name=value` properties, as written. */
  properties: string[];
}

export interface CargoStep {
  line: number;
  cwd: string;
  release: boolean;
  bins: string[];
  features: string[];
  noDefaultFeatures: boolean;
  /** `-p`/`--package` names (a workspace member). */
  packages: string[];
  /** `--manifest-path`, resolved in the stage. */
  manifestPath: string | null;
}

export interface MavenStep {
  line: number;
  cwd: string;
  /** `mvnw` (the wrapper, which downloads its own Maven) or `mvn`. */
  wrapper: boolean;
  /** The goals and phases asked for (`clean`, `package`, `install`...). */
  goals: string[];
  /** -DskipTests / -Dmaven.test.skip=true. */
  skipTests: boolean;
  /** Flags kept for the build (`-P prod`, `-Dx=y`, `-pl mod`, `-am`): mvnParameters. */
  parameters: string[];
  /** `-f dir/pom.xml`, resolved in the stage. */
  pomFile: string | null;
}

export interface BundlerStep {
  line: number;
  cwd: string;
  /** `bundle install`, or `bundle config [set] without …` (a setting later installs read). */
  action: 'install' | 'without';
  /** The Gemfile groups left out: `--without`, BUNDLE_WITHOUT where it ran, or what the config sets. */
  without: string[];
}

export interface MixStep {
  line: number;
  cwd: string;
  /** `deps.get`, `deps.compile`, `compile`, `release` (the tasks mixRelease does). */
  task: 'deps.get' | 'deps.compile' | 'compile' | 'release';
  /** MIX_ENV where it ran, or null when unset (mix's default, dev). */
  env: string | null;
  /** `mix release NAME`: the release named on the command line. */
  release: string | null;
}

export interface GradleStep {
  line: number;
  cwd: string;
  /** `./gradlew` (the wrapper, which downloads the Gradle its gradle-wrapper.properties names) or `gradle`. */
  wrapper: boolean;
  /** The tasks asked for (`bootJar`, `build`, `installDist`, `clean`...). */
  tasks: string[];
  /** Tasks excluded with `-x` (`-x test`). */
  excluded: string[];
  /** Flags kept for the build (`-Pprofile=prod`, `-Dx=y`): gradleFlags. */
  flags: string[];
  /** `-p DIR` (the project folder), resolved in the stage. */
  projectDir: string | null;
}

export interface ComposerStep {
  line: number;
  cwd: string;
  /** `--no-dev`: composerNoDev. */
  noDev: boolean;
  /** `--no-scripts`. */
  noScripts: boolean;
  /** `-o`/`--optimize-autoloader`, `-a`/`--classmap-authoritative`, `--apcu-autoloader`: redone with composer dump-autoload. */
  autoloader: string[];
}

export interface StageState {
  index: number;
  name: string | null;
  base: BaseImageMatch;
  /** Kind of the base image, inherited through stage chains. */
  baseKind: BaseImage['kind'] | 'unknown';
  runtimes: Partial<Record<string, RuntimeChoice>>;
  /** Attributes installed in this stage, with their role. */
  packages: Map<string, 'runtime' | 'build'>;
  /** apk --virtual groups: name → attributes. */
  virtualGroups: Map<string, string[]>;
  /** Attributes removed again (apk del, apt-get purge): they were only needed during the build. */
  removed: Set<string>;
  pythonPackages: Set<string>;
  /**
   * Where this stage's Python packages went, besides the interpreter's own site-packages: a virtual environment
   * (`python -m venv /opt/venv`), the user site (`pip install --user` → ~/.local) or a --prefix/--target folder.
   */
  pythonEnvPaths: Map<string, 'venv' | 'user' | 'prefix'>;
  packageReports: PackageReport[];
  users: Map<string, UserEntry>;
  groups: Map<string, GroupEntry>;
  env: Map<string, string>;
  workdir: string;
  user: string | null;
  shell: string[];
  hasShell: boolean;
  files: FilePlacement[];
  directories: Map<string, DirectoryPlan>;
  symlinks: Map<string, SymlinkPlan>;
  /** RUN chmod/chown/rm of paths COPY placed (or under them), in order. */
  pathChanges: PathChange[];
  /** Destinations of COPY --from=stage (their files are only known once the stage's derivation is planned). */
  stageCopyDests: string[];
  /** Paths a RUN wrote through a redirection (`echo x > f`), which dock2nix does not place. */
  writtenFiles: Set<string>;
  contextCopies: ContextCopy[];
  /** Image path → the context file placed there (for `pip install -r /app/requirements.txt`). */
  contextFiles: Map<string, string>;
  npm: NpmStep[];
  go: GoStep[];
  cargo: CargoStep[];
  dotnet: DotnetStep[];
  maven: MavenStep[];
  bundler: BundlerStep[];
  mix: MixStep[];
  gradle: GradleStep[];
  composer: ComposerStep[];
  /** PHP extensions `docker-php-ext-install`/`pecl install` added (names of php.extensions). */
  phpExtensions: string[];
  /**
   * RUN commands the stage's derivation replays as written: those no rule understood (manual) and those a rule
   * keeps as they are (`go generate`, `npx vite build`: replayed). `after`: how many build steps (npm run, go build,
   * cargo build) came before it in the stage, so a language builder replays it before or after its own build.
   */
  unhandled: Array<{ line: number; source: string; after?: number; replayed?: boolean }>;
  /** Build outputs a command copied elsewhere in the stage (`cp target/release/x /out/`): absolute paths. */
  builtCopies: Array<{ line: number; from: string; to: string }>;
  buildLines: number[];
  config: Omit<ImageConfigPlan, 'Env'>;
  needs: { caCertificates: boolean; tzdata: boolean; binSh: boolean; usrBinEnv: boolean; tmp: boolean };
  /** Lines where needs were found, for the report. */
  needReasons: string[];
  /**
   * The base image this stage keeps as a pulled image (partial migration), inherited through stage chains; null
   * when the stage starts from Nix packages. `attrs`: what the tables say the base provides (known bases kept by
   * --keep-base), left out of the image because the base has them; `users`: the users the tables say it has.
   */
  kept: { plan: BaseImagePlan; attrs: string[]; users: string[] } | null;
  /** The stage is the target or a stage the target starts FROM (its base is the image's base). */
  inImage: boolean;
}

export function emptyConfig(): Omit<ImageConfigPlan, 'Env'> {
  return {
    Cmd: null,
    Entrypoint: null,
    WorkingDir: null,
    User: null,
    ExposedPorts: [],
    Volumes: [],
    Labels: [],
    StopSignal: null,
    Healthcheck: null,
  };
}

export function cloneStage(parent: StageState, index: number, name: string | null): StageState {
  return {
    ...parent,
    index,
    name,
    runtimes: { ...parent.runtimes },
    packages: new Map(parent.packages),
    virtualGroups: new Map(parent.virtualGroups),
    removed: new Set(parent.removed),
    pythonPackages: new Set(parent.pythonPackages),
    pythonEnvPaths: new Map(parent.pythonEnvPaths),
    packageReports: [],
    users: new Map(parent.users),
    groups: new Map(parent.groups),
    env: new Map(parent.env),
    shell: [...parent.shell],
    files: [...parent.files],
    directories: new Map(parent.directories),
    symlinks: new Map(parent.symlinks),
    pathChanges: [...parent.pathChanges],
    stageCopyDests: [...parent.stageCopyDests],
    writtenFiles: new Set(parent.writtenFiles),
    contextCopies: [...parent.contextCopies],
    contextFiles: new Map(parent.contextFiles),
    npm: [...parent.npm],
    go: [...parent.go],
    cargo: [...parent.cargo],
    dotnet: [...parent.dotnet],
    maven: [...parent.maven],
    bundler: [...parent.bundler],
    mix: [...parent.mix],
    gradle: [...parent.gradle],
    composer: [...parent.composer],
    phpExtensions: [...parent.phpExtensions],
    unhandled: [...parent.unhandled],
    builtCopies: [...parent.builtCopies],
    buildLines: [...parent.buildLines],
    config: { ...parent.config, ExposedPorts: [...parent.config.ExposedPorts], Volumes: [...parent.config.Volumes], Labels: [...parent.config.Labels] },
    needs: { ...parent.needs },
    needReasons: [...parent.needReasons],
  };
}

/** The outcome of one shell command or one sub-decision of an instruction. */
export interface Outcome {
  status: Status;
  rule: string;
  message: string;
}

export interface CommandScope {
  rules: RuleSet;
  decisions: DecisionLedger;
  stage: StageState;
  context: BuildContext;
  /** Reads the scripts a RUN runs further (a Makefile's recipe). */
  shell: ShellReader;
  /** Line of the RUN instruction. */
  line: number;
  /** The RUN's environment: the stage's ARG and ENV values at that line, and what its script exports. */
  env: Record<string, string>;
}

export function worst(outcomes: Outcome[]): Status {
  return outcomes.reduce<Status>((acc, o) => (statusRank[o.status] > statusRank[acc] ? o.status : acc), 'ignored');
}

export function confidenceStatus(confidence: Confidence): Status {
  return confidence === 'exact' || confidence === 'high' ? 'mapped' : confidence === 'low' ? 'approximated' : 'manual';
}

/**
 * Users every image here has without a passwd line of the Dockerfile's: root, fakeNss's nobody, and the
 * distroless images' nonroot (65532).
 */
function wellKnownUser(name: string, state: StageState): { uid: number; gid: number } | undefined {
  if (name === 'root') return { uid: 0, gid: 0 };
  if (name === 'nobody') return { uid: 65534, gid: 65534 };
  if (name === 'nonroot' && /(^|\/)distroless\//.test(state.base.name)) return { uid: 65532, gid: 65532 };
  return undefined;
}

/** A user name or number → its uid and login group, or undefined when the name is unknown. */
export function userIds(user: string, state: StageState): { uid: number; gid: number } | undefined {
  if (/^\d{1,10}$/.test(user)) return { uid: Number(user), gid: Number(user) };
  const known = state.users.get(user);
  return known ? { uid: known.uid, gid: known.gid } : wellKnownUser(user, state);
}

/** A group name or number → its gid, or undefined when the name is unknown. */
export function groupIdOf(group: string, state: StageState): number | undefined {
  if (/^\d{1,10}$/.test(group)) return Number(group);
  const known = state.groups.get(group);
  if (known) return known.gid;
  if (group === 'root') return 0;
  if (group === 'nobody' || group === 'nogroup') return 65534;
  if (group === 'nonroot' && /(^|\/)distroless\//.test(state.base.name)) return 65532;
  return undefined;
}

/** `app:app`, `1000:1000`, `app` → numeric `uid:gid`, or null when a name is unknown. */
export function numericOwner(spec: string, state: StageState): string | null {
  const [user, group, ...rest] = spec.split(':');
  if (rest.length || !user) return null;
  const ids = userIds(user, state);
  if (ids === undefined) return null;
  const gid = group === undefined ? ids.gid : groupIdOf(group, state);
  if (gid === undefined || ids.uid >= 2 ** 32 || gid >= 2 ** 32) return null;
  return `${ids.uid}:${gid}`;
}

/** Build steps a language builder does itself, so far in the stage: a replayed command goes before or after them. */
export function buildStepCount(state: StageState): number {
  return (
    state.npm.filter((s) => s.action === 'run').length +
    state.go.length +
    state.cargo.length +
    state.maven.length +
    state.mix.filter((s) => s.task === 'compile' || s.task === 'release').length +
    state.gradle.length
  );
}

/** Where an image path came from in the build context: a copied file, or a file inside a copied folder. */
export function contextPathOf(stage: StageState, imagePath: string): string | null {
  const file = stage.contextFiles.get(imagePath);
  if (file !== undefined) return file;
  let best: { dir: string; source: string } | null = null;
  for (const [key, source] of stage.contextFiles) {
    if (!key.endsWith('/')) continue;
    const dir = key.slice(0, -1);
    if ((imagePath === dir || imagePath.startsWith(`${dir}/`) || dir === '') && (!best || dir.length > best.dir.length)) best = { dir, source };
  }
  if (!best) return null;
  const rest = imagePath.slice(best.dir.length).replace(/^\//, '');
  return [best.source, rest].filter(Boolean).join('/');
}
