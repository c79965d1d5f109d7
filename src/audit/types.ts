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

export const METRICS = ['layers', 'uncompressedBytes', 'compressedBytes', 'contentBytes', 'files', 'visibleBytes', 'visibleFiles', 'wastedBytes', 'wastedFiles', 'efficiency'] as const;
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
  tool: { name: 'dock2nix'; version: string };
  dockerfile: string | null;
  /** Present when the Nix side was converted from the Dockerfile for this audit. */
  conversion: ConversionInfo | null;
  images: AuditImage[];
  /** Present when there is one image of each side. */
  comparison: AuditComparison | null;
  /** Present with --repro. */
  reproducibility?: AuditReproducibility;
  gates: GateResult[];
}
