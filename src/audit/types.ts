/**
 * The audit report: the two images (Dockerfile side and Nix side) as the image reader reports them, how they
 * compare, whether each rebuilds identically, and the --fail-on gates. Plain data, safe to JSON.stringify.
 */
import type { Status } from '../convert/types.js';
import type { ConfigDifference, DifferenceKind, FileDifference, ImageReport } from '../image/types.js';

export type Side = 'docker' | 'nix';

export interface BuildInfo {
  /** `buildah`, `podman`, `docker`, `buildkit`, `nix-build` or `nix build`. */
  tool: string;
  /** The Dockerfile or the Nix file (or flake folder) that was built. */
  input: string;
  /** Where the archive was kept (--keep-archives), or null when it was removed after reading. */
  archive: string | null;
  /** How the build was run, without build-argument values (they may be secrets). */
  noCache: boolean;
  timestamp: number | null;
  platform: string | null;
  buildArgs: string[];
  /** Environment variables that sent the build elsewhere (DOCKER_HOST, BUILDKIT_HOST, NIX_REMOTE), by name. */
  remote: string[];
  /** Wall-clock seconds of the build (both builds with --repro). */
  seconds: number;
}

export interface AuditImage extends ImageReport {
  role: Side;
  /** How the image was built; null when it was read from an archive given on the command line. */
  build: BuildInfo | null;
}

export const METRICS = [
  'layers',
  'uncompressedBytes',
  'compressedBytes',
  'contentBytes',
  'files',
  'visibleBytes',
  'visibleFiles',
  'wastedBytes',
  'wastedFiles',
  'efficiency',
] as const;
export type Metric = (typeof METRICS)[number];

export interface MetricComparison {
  docker: number | null;
  nix: number | null;
  /** nix - docker. */
  difference: number | null;
  /** nix / docker; null when docker is 0 or a side has no value. */
  ratio: number | null;
}

export interface AuditComparison {
  docker: string;
  nix: string;
  metrics: Record<Metric, MetricComparison>;
  /** The Nix image's layers hold fewer bytes (uncompressedBytes: the layer tars, what an engine unpacks). */
  nixSmaller: boolean;
  /** One sentence, for people. */
  summary: string;
}

export interface ReproducibilityCheck {
  image: Side;
  label: string;
  /** How it was checked: `buildah bud --no-cache, built twice`, `nix-build --check`. */
  method: string;
  /** False when the builds could not be compared file by file (Nix said they differ but kept no second copy). */
  compared: boolean;
  identical: boolean;
  identicalIgnoringTimestamps: boolean;
  /** Differences of each kind (time stamps included even under --ignore-timestamps). */
  counts: Record<DifferenceKind, number>;
  configDifferences: number;
  /** What is known to make these paths differ, and what to do about it. */
  hints: string[];
}

export interface AuditReproducibility {
  /** Every image that was checked rebuilt identically. */
  identical: boolean;
  identicalIgnoringTimestamps: boolean;
  /** Whether the lists leave time-stamp differences out (--ignore-timestamps). */
  ignoreTimestamps: boolean;
  images: ReproducibilityCheck[];
  /** File differences between the two builds, `layer` being the 0-based layer index. */
  differences: Array<FileDifference & { image: Side }>;
  configDifferences: Array<ConfigDifference & { image: Side }>;
}

export interface GateResult {
  /** The rule as given to --fail-on. */
  rule: string;
  passed: boolean;
  detail: string;
}

export interface ConversionInfo {
  /** Where the generated Nix was kept (--save-nix), or null when it went to a temporary folder. */
  savedTo: string | null;
  format: string;
  summary: Record<Status, number>;
}

export interface AuditReport {
  /** In the JSON report only, first: the verdict line (equivalence.verdict.line), when both images were compared. */
  verdict?: string;
  tool: { name: 'dock2nix'; version: string };
  dockerfile: string | null;
  /** Present when the Nix side was converted from the Dockerfile for this audit. */
  conversion: ConversionInfo | null;
  images: AuditImage[];
  /** Present when there is one image of each side. */
  comparison: AuditComparison | null;
  /** Whether the Nix image does what the Dockerfile image did; present when there is one image of each side. */
  equivalence?: Equivalence;
  /** SBOM files written with --sbom-dir. */
  sboms?: string[];
  /** Present with --repro. */
  reproducibility?: AuditReproducibility;
  gates: GateResult[];
}

// ---------------------------------------------------------------------------------------------------------
// Equivalence: configuration, files, packages, and the verdict over them.

/**
 * `equal`; `expected`: differs, for a known reason that does not change what the image does (a /nix/store path
 * for the same program, the same uid written as a name); `different`: differs otherwise; `missing`: set in one
 * image only.
 */
export type EquivalenceStatus = 'equal' | 'expected' | 'different' | 'missing';

export interface ConfigRow {
  /** `Entrypoint`, `Cmd`, `Env.NAME`, `User`, `WorkingDir`, `ExposedPorts`, `Volumes`, `StopSignal`, `Healthcheck`, `Labels.KEY`. */
  key: string;
  docker: string | null;
  nix: string | null;
  status: EquivalenceStatus;
  /** Why it differs, or how it was resolved (the uid:gid a user name stands for). */
  why?: string;
}

export type FileDifferenceKind = 'missing' | 'extra' | 'type' | 'mode' | 'owner' | 'content';

export interface FileRow {
  path: string;
  /** `missing`: only in the Dockerfile image; `extra`: only in the Nix image. */
  kind: FileDifferenceKind;
  docker?: string;
  nix?: string;
  /** A known, harmless difference (a read-only store file for a writable copy); it does not make the images differ. */
  expected: boolean;
  /** False for a path outside what the Dockerfile put in the image (listed with --all-files only; never in the verdict). */
  inScope: boolean;
  why?: string;
}

export interface FilesSection {
  /** `dockerfile`: the paths the Dockerfile's COPY, ADD and WORKDIR put in the image; `all`: every path. */
  scope: 'dockerfile' | 'all';
  /** The folders and files compared (scope `dockerfile`), as absolute paths. */
  roots: string[];
  /** Whether every difference is listed (--all-files), or only those in scope. */
  allFiles: boolean;
  /** Paths compared in scope (in either image). */
  compared: number;
  /** In-scope differences by kind (expected ones included). */
  counts: Record<FileDifferenceKind, number>;
  /** Differences, sorted by path; capped at `limit` (the counts are always complete). */
  differences: FileRow[];
  /** How many rows were left out of `differences` by the cap. */
  omitted: number;
}

export type Ecosystem = 'deb' | 'apk' | 'pypi' | 'npm' | 'nix';

export interface PackageInfo {
  name: string;
  version: string;
  ecosystem: Ecosystem;
  /** Where it was found: the database file, the dist-info folder, the package.json, the store path. */
  location: string;
}

export interface PackageRow {
  /** Normalised name the two sides are matched by. */
  name: string;
  status: 'both' | 'docker-only' | 'nix-only';
  /** Versions in each image (several when a name is there more than once), with their ecosystem. */
  docker: string[];
  nix: string[];
  ecosystems: Ecosystem[];
  expected: boolean;
  why?: string;
}

export interface PackagesSection {
  counts: { docker: number; nix: number; both: number; dockerOnly: number; nixOnly: number };
  /** Every package found in each image (for the SBOMs). */
  docker: PackageInfo[];
  nix: PackageInfo[];
  rows: PackageRow[];
  /** Package names the Dockerfile's RUN lines install (apt-get install, apk add, pip install, npm install). */
  requested: string[];
}

export interface Verdict {
  status: 'equivalent' | 'equivalent-with-expected-differences' | 'not-equivalent';
  /** Expected differences: config rows, file rows in scope, and package groups (see docs/audit.md). */
  expected: number;
  /** What makes the images differ (all of them; the line shows the first ones). */
  reasons: string[];
  /** The one line every report starts with. */
  line: string;
}

export interface Equivalence {
  verdict: Verdict;
  config: ConfigRow[];
  files: FilesSection;
  packages: PackagesSection;
  /** Present with --smoke: both images started and compared. */
  smoke?: SmokeSection;
}

// ---------------------------------------------------------------------------------------------------------
// Smoke run (--smoke): each image started with Podman or Docker, with no network but its own loopback.

export interface SmokePort {
  /** `8080/tcp`. */
  port: string;
  /** False when the port could not be probed (not root, the container had stopped, not TCP): `detail` says why. */
  probed: boolean;
  /** Something accepted a TCP connection on the container's loopback. */
  answered: boolean;
  /** The HTTP status of `GET /`, when the answer was HTTP. */
  http: number | null;
  detail: string;
}

export interface SmokeImageResult {
  image: Side;
  label: string;
  /** The engine started the container (`run` succeeded). */
  started: boolean;
  /** Why it did not start. */
  error: string | null;
  /** `running after 5 s`, `exited with status 0`, `did not start`. */
  state: string;
  /** The exit status when it exited within the time; null while running or when it never started. */
  exitCode: number | null;
  /** Still running at the end of the time. */
  running: boolean;
  ports: SmokePort[];
  /** The last lines the container printed (stdout and stderr). */
  output: string[];
}

export interface SmokeRow {
  /** `run` (the image's own command), `command` (--smoke CMD), or `port 8080/tcp`. */
  check: string;
  docker: string | null;
  nix: string | null;
  /** `unknown`: a port could not be probed in one image, so the row proves nothing. */
  status: EquivalenceStatus | 'unknown';
}

export interface SmokeSection {
  engine: 'podman' | 'docker';
  /** The command run in each image (--smoke CMD), or null for each image's own command. */
  command: string[] | null;
  /** How long each image ran (at most, for a command). */
  seconds: number;
  images: SmokeImageResult[];
  rows: SmokeRow[];
}
