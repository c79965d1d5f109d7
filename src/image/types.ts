/**
 * The shapes the image reader produces. Everything here is plain data, safe to JSON.stringify.
 * Paths are as in the layer tar, normalised: no leading `/` or `./`, no trailing `/`.
 */

/** How a blob (a layer, or the archive itself) is stored, detected from its first bytes. */
export type Compression = 'none' | 'gzip' | 'zstd';

/** `docker-archive`: `docker save`, `buildah push … docker-archive:`, nixpkgs dockerTools. OCI: image layout, as a tar or a directory. */
export type ArchiveFormat = 'docker-archive' | 'oci-archive' | 'oci-layout';

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** One entry of a layer tar, as much as the reports need. */
export interface LayerEntry {
  path: string;
  type: EntryType;
  /** Data size for regular files; 0 for everything else. */
  size: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Modification time in seconds since the epoch (fractional when a PAX header says so). */
  mtime: number;
  /** Other time stamps found in PAX headers (atime, ctime), as written. */
  paxTimes?: string;
  /** Extended attributes from PAX headers, `name=value` joined by spaces, sorted. */
  xattrs?: string;
  /** Symlink target or hardlink target. */
  linkname?: string;
  /** sha256 (hex) of the file's data; only for regular files and only when hashing was asked for. */
  sha256?: string;
  /** `.wh.NAME` (remove NAME from lower layers) or `.wh..wh..opq` (hide the lower layers' content of this directory). */
  whiteout?: 'file' | 'opaque';
}

/** Something odd about the input that is worth telling, but not worth failing for. */
export interface Finding {
  layer?: number;
  path?: string;
  message: string;
}

/** What one pass over one layer blob tells. */
export interface LayerScan {
  compression: Compression;
  /** Bytes as stored in the archive. */
  storedBytes: number;
  /** sha256 of the stored bytes, `sha256:<hex>`; absent when not computed (inspect computes it only with --verify). */
  storedDigest?: string;
  /** Length of the (decompressed) layer tar. */
  uncompressedBytes: number;
  /** sha256 of the decompressed layer tar, `sha256:<hex>`: what the config calls the diffID; absent when not computed. */
  tarDigest?: string;
  entries: LayerEntry[];
  findings: Finding[];
  /** The data (as UTF-8) of the files ScanOptions.capture asked for, by normalised path. */
  captured?: Record<string, string>;
  /** The same, as bytes, when ScanOptions.rawCapture asked for them. */
  capturedRaw?: Record<string, Buffer>;
}

export interface ImageConfigSummary {
  created: string | null;
  architecture: string | null;
  os: string | null;
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  user: string | null;
  workingDir: string | null;
  exposedPorts: string[];
  labels: Record<string, string>;
}

export interface LayerReport {
  index: number;
  /**
   * Digest of the blob: as the manifest names it (OCI); else computed from the stored bytes, when digests were
   * computed (`inspect --verify`, `diff`, `audit`); else, for a plain layer, its diffID from the config (a plain
   * layer's blob is its tar); else null.
   */
  digest: string | null;
  /** From the image config (rootfs.diff_ids); else computed, when digests were; else, for a plain layer, the manifest's digest; else null. */
  diffId: string | null;
  /** Where the blob is inside the archive or layout. */
  path: string;
  compression: Compression;
  uncompressedBytes: number;
  /** Stored size when the layer is stored compressed; null when stored as a plain tar. */
  compressedBytes: number | null;
  /** Sum of the sizes of the regular files in this layer (whiteout markers not counted). */
  contentBytes: number;
  /** Number of regular files in this layer (whiteout markers not counted). */
  files: number;
  /** The history entry that created the layer (empty_layer entries skipped when pairing). */
  createdBy: string | null;
  /** For Nix images: the /nix/store paths this layer holds. Empty otherwise. */
  storePaths: string[];
}

export type WasteReason = 'replaced' | 'whiteout' | 'opaque' | 'parent-replaced' | 'duplicate';

export interface WastedFile {
  path: string;
  bytes: number;
  /** Layer that holds the invisible copy. */
  layer: number;
  /** Layer whose entry hides it. */
  hiddenBy: number;
  reason: WasteReason;
}

export interface LargestFile {
  path: string;
  bytes: number;
  layer: number;
}

export interface LargestDirectory {
  path: string;
  bytes: number;
  files: number;
}

export interface ImageTotals {
  layers: number;
  uncompressedBytes: number;
  /** Sum over the layers stored compressed; null when none is. */
  compressedBytes: number | null;
  contentBytes: number;
  files: number;
  wastedBytes: number;
  wastedFiles: number;
  /** 1 - wastedBytes / contentBytes; 1 when contentBytes is 0. */
  efficiency: number;
  /** Regular files visible in the merged filesystem, and their size. */
  visibleFiles: number;
  visibleBytes: number;
}

export interface ImageReport {
  label: string;
  source: string;
  format: ArchiveFormat;
  /** Compression of the archive file itself (a .tar.gz docker-archive, say). */
  archiveCompression: Compression;
  /**
   * Whether the layers' digests were computed from their bytes and checked against the manifest and the config
   * (`inspect --verify`; always for `diff` and `audit`). When false, the digests reported are the ones written
   * in the archive, unchecked.
   */
  digestsChecked: boolean;
  config: ImageConfigSummary;
  layers: LayerReport[];
  totals: ImageTotals;
  /** The largest files of the merged filesystem, largest first. */
  largestFiles: LargestFile[];
  /** The largest directories of the merged filesystem (sizes include subdirectories), largest first. */
  largestDirectories: LargestDirectory[];
  /** The largest invisible files, largest first (totals.wastedFiles tells how many there are in all). */
  wasted: WastedFile[];
  findings: Finding[];
}

export interface InspectReport {
  images: ImageReport[];
}

export type DifferenceKind = 'content' | 'mtime' | 'mode' | 'owner' | 'added' | 'removed' | 'link';

export interface FileDifference {
  /** 0-based layer index. */
  layer: number;
  /** Path as in the layer tar; empty when the difference is about the layer as a whole. */
  path: string;
  kind: DifferenceKind;
  a?: string;
  b?: string;
  detail?: string;
  /** `diff` only, for a file whose content differs: what changed inside it (see TextDiff). */
  text?: TextDiff;
}

/**
 * What changed inside a file whose content differs: a unified diff (3 lines of context) when both versions are
 * text, bounded in lines and bytes; otherwise why there is none (binary, too large, not among the first files).
 */
export interface TextDiff {
  /** `diff`: the unified diff is in `unified`; the others say why there is none. */
  kind: 'diff' | 'binary' | 'too-large' | 'not-shown';
  /** The unified diff (`--- a/PATH`, `+++ b/PATH`, hunks), without trailing newline. */
  unified?: string;
  /** The diff was cut at the line or byte bound. */
  truncated?: boolean;
  /** Lines added and removed (over the whole diff, even when cut). */
  added?: number;
  removed?: number;
  note?: string;
}

/**
 * `created`: a time stamp (the image's or a history entry's); `derived`: a value computed from time-stamped
 * content, namely Buildah's `FROM <parent image id>` history comments (the parent's ID hashes its config,
 * created dates included); `history`: any other history field; `other`: any other config key.
 */
export type ConfigDifferenceKind = 'created' | 'derived' | 'history' | 'other';

export interface ConfigDifference {
  /** Where in the config, e.g. `created`, `history[3].created_by`, `config.Env`. */
  key: string;
  kind: ConfigDifferenceKind;
  a?: string;
  b?: string;
}

export interface ReproducibilityReport {
  a: { source: string; label: string; layers: number };
  b: { source: string; label: string; layers: number };
  identical: boolean;
  /** True when every difference is a time stamp (file mtimes, created dates) or derived from one (kind `derived`). */
  identicalIgnoringTimestamps: boolean;
  /** Whether the lists below leave time-stamp differences out. */
  ignoreTimestamps: boolean;
  differences: FileDifference[];
  configDifferences: ConfigDifference[];
  /** How many differences of each kind, over all layers (time stamps included). */
  counts: Record<DifferenceKind, number>;
}

export interface CompareOptions {
  ignoreTimestamps: boolean;
}
