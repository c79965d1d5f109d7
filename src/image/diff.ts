/**
 * Reproducibility: two images compared layer by layer (by index) and file by file (by path inside the layer),
 * content by sha256 computed while streaming; and their configs key by key.
 */
import { Dock2nixError } from '../errors.js';
import { historyOf, loadImages, type LoadedImage } from './inspect.js';
import type { CompareOptions, ConfigDifference, DifferenceKind, FileDifference, LayerEntry, ReproducibilityReport } from './types.js';

export const DIFFERENCE_KINDS: readonly DifferenceKind[] = ['content', 'mtime', 'mode', 'owner', 'added', 'removed', 'link'];

export async function compareImages(a: string, b: string, options: CompareOptions): Promise<ReproducibilityReport> {
  const imageA = await loadFirst(a);
  const imageB = await loadFirst(b);
  return compareLoaded(imageA, imageB, options);
}

async function loadFirst(source: string): Promise<LoadedImage> {
  const [image] = await loadImages(source, { hashFiles: true });
  if (!image) throw new Dock2nixError('E_ARCHIVE', 'the archive holds no image', { file: source });
  return image;
}

export function compareLoaded(a: LoadedImage, b: LoadedImage, options: CompareOptions): ReproducibilityReport {
  const differences: FileDifference[] = [];
  const layers = Math.max(a.scans.length, b.scans.length);
  for (let layer = 0; layer < layers; layer++) {
    const scanA = a.scans[layer];
    const scanB = b.scans[layer];
    const found = compareLayer(layer, scanA?.entries ?? [], scanB?.entries ?? []);
    if (scanA && scanB && scanA.tarDigest !== scanB.tarDigest && found.every(isTimestampDifference)) {
      // loadFirst hashes, so both tar digests are there.
      const whole = wholeLayerDifference(layer, scanA.entries, scanB.entries, scanA.tarDigest ?? '', scanB.tarDigest ?? '', found.length === 0);
      if (whole) found.push(whole);
    }
    if (!scanA || !scanB) {
      found.push({ layer, path: '', kind: scanA ? 'removed' : 'added', detail: `layer ${layer} exists only in ${scanA ? 'A' : 'B'}` });
    }
    differences.push(...found);
  }
  const configDifferences = compareConfigs(a.config, b.config);
  const counts = Object.fromEntries(DIFFERENCE_KINDS.map((kind) => [kind, 0])) as Record<DifferenceKind, number>;
  for (const difference of differences) counts[difference.kind]++;
  const identical = differences.length === 0 && configDifferences.length === 0;
  const identicalIgnoringTimestamps = differences.every(isTimestampDifference) && configDifferences.every(isTimeConfigDifference);
  return {
    a: { source: a.source, label: a.label, layers: a.scans.length },
    b: { source: b.source, label: b.label, layers: b.scans.length },
    identical,
    identicalIgnoringTimestamps,
    ignoreTimestamps: options.ignoreTimestamps,
    differences: options.ignoreTimestamps ? differences.filter((difference) => !isTimestampDifference(difference)) : differences,
    configDifferences: options.ignoreTimestamps ? configDifferences.filter((difference) => !isTimeConfigDifference(difference)) : configDifferences,
    counts,
  };
}

function isTimestampDifference(difference: FileDifference): boolean {
  return difference.kind === 'mtime';
}

/** Entries by path; for duplicates the last wins, as when the tar is applied. */
function byPath(entries: readonly LayerEntry[]): Map<string, LayerEntry> {
  return new Map(entries.map((entry) => [entry.path, entry]));
}

export function compareLayer(layer: number, entriesA: readonly LayerEntry[], entriesB: readonly LayerEntry[]): FileDifference[] {
  const mapA = byPath(entriesA);
  const mapB = byPath(entriesB);
  const differences: FileDifference[] = [];
  for (const [path, entryA] of mapA) {
    const entryB = mapB.get(path);
    if (!entryB) differences.push({ layer, path, kind: 'removed', a: describe(entryA) });
    else differences.push(...compareEntries(layer, entryA, entryB));
  }
  for (const [path, entryB] of mapB) {
    if (!mapA.has(path)) differences.push({ layer, path, kind: 'added', b: describe(entryB) });
  }
  return differences;
}

function compareEntries(layer: number, a: LayerEntry, b: LayerEntry): FileDifference[] {
  const found: FileDifference[] = [];
  const path = a.path;
  const isLink = (entry: LayerEntry): boolean => entry.type === 'symlink' || entry.type === 'hardlink';
  if (a.type !== b.type) {
    found.push({ layer, path, kind: isLink(a) || isLink(b) ? 'link' : 'content', a: describe(a), b: describe(b), detail: 'entry type differs' });
  } else if (isLink(a) && a.linkname !== b.linkname) {
    found.push({ layer, path, kind: 'link', a: a.linkname ?? '', b: b.linkname ?? '' });
  } else if (a.type === 'file' && (a.size !== b.size || a.sha256 !== b.sha256)) {
    found.push({ layer, path, kind: 'content', a: contentOf(a), b: contentOf(b) });
  }
  if (a.mode !== b.mode) found.push({ layer, path, kind: 'mode', a: octal(a.mode), b: octal(b.mode) });
  if ((a.xattrs ?? '') !== (b.xattrs ?? ''))
    found.push({ layer, path, kind: 'mode', a: a.xattrs ?? '', b: b.xattrs ?? '', detail: 'extended attributes differ' });
  if (a.uid !== b.uid || a.gid !== b.gid || a.uname !== b.uname || a.gname !== b.gname) {
    found.push({ layer, path, kind: 'owner', a: ownerOf(a), b: ownerOf(b) });
  }
  if (a.mtime !== b.mtime) {
    found.push({ layer, path, kind: 'mtime', a: timeOf(a.mtime), b: timeOf(b.mtime) });
  } else if ((a.paxTimes ?? '') !== (b.paxTimes ?? '')) {
    found.push({ layer, path, kind: 'mtime', a: a.paxTimes ?? '', b: b.paxTimes ?? '', detail: 'PAX access/change times differ' });
  }
  return found;
}

/** The layer tars differ although every entry compares equal: say what is left to differ. */
function wholeLayerDifference(
  layer: number,
  entriesA: readonly LayerEntry[],
  entriesB: readonly LayerEntry[],
  digestA: string,
  digestB: string,
  nothingElse: boolean,
): FileDifference | null {
  const orderA = entriesA.map((entry) => entry.path).join('\n');
  const orderB = entriesB.map((entry) => entry.path).join('\n');
  if (orderA !== orderB) return { layer, path: '', kind: 'content', a: digestA, b: digestB, detail: 'entry order differs' };
  if (!nothingElse) return null; // the time stamps found explain the different bytes
  return { layer, path: '', kind: 'content', a: digestA, b: digestB, detail: 'layer tar bytes differ although every entry matches (padding or header fields)' };
}

function describe(entry: LayerEntry): string {
  switch (entry.type) {
    case 'file':
      return `file ${entry.size} bytes${entry.sha256 ? ` sha256:${entry.sha256.slice(0, 12)}` : ''}`;
    case 'symlink':
      return `symlink -> ${entry.linkname ?? ''}`;
    case 'hardlink':
      return `hardlink -> ${entry.linkname ?? ''}`;
    default:
      return entry.type;
  }
}

function contentOf(entry: LayerEntry): string {
  return `${entry.size} bytes sha256:${entry.sha256 ?? '?'}`;
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function ownerOf(entry: LayerEntry): string {
  const names = entry.uname || entry.gname ? ` (${entry.uname}:${entry.gname})` : '';
  return `${entry.uid}:${entry.gid}${names}`;
}

function timeOf(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? String(seconds) : date.toISOString();
}

/** Config keys compared; rootfs.diff_ids is left to the layer comparison, which says more. */
export function compareConfigs(a: Record<string, unknown>, b: Record<string, unknown>): ConfigDifference[] {
  const differences: ConfigDifference[] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of [...keys].sort()) {
    if (key === 'history' || key === 'rootfs') continue;
    if (key === 'created') {
      if (a.created !== b.created) differences.push({ key, kind: 'created', ...pair(a.created, b.created) });
      continue;
    }
    diffValues(key, a[key], b[key], differences);
  }
  compareHistory(historyOf(a) as Record<string, unknown>[], historyOf(b) as Record<string, unknown>[], differences);
  const rootfsA = { ...(a.rootfs as object | undefined), diff_ids: undefined };
  const rootfsB = { ...(b.rootfs as object | undefined), diff_ids: undefined };
  diffValues('rootfs', rootfsA, rootfsB, differences);
  return differences;
}

function compareHistory(a: Record<string, unknown>[], b: Record<string, unknown>[], out: ConfigDifference[]): void {
  if (a.length !== b.length) out.push({ key: 'history', kind: 'history', a: `${a.length} entries`, b: `${b.length} entries` });
  const count = Math.min(a.length, b.length);
  for (let index = 0; index < count; index++) {
    const entryA = a[index]!;
    const entryB = b[index]!;
    for (const field of [...new Set([...Object.keys(entryA), ...Object.keys(entryB)])].sort()) {
      if (stable(entryA[field]) === stable(entryB[field])) continue;
      const kind =
        field === 'created' ? 'created' : field === 'comment' && isParentIdComment(entryA[field]) && isParentIdComment(entryB[field]) ? 'derived' : 'history';
      out.push({ key: `history[${index}].${field}`, kind, ...pair(entryA[field], entryB[field]) });
    }
  }
}

/** Buildah writes `FROM <parent image id>` as the comment of each history entry after the first. */
function isParentIdComment(value: unknown): boolean {
  return typeof value === 'string' && /^FROM [0-9a-f]{12,64}$/.test(value);
}

/** Time stamps, and values computed from them, are what --ignore-timestamps leaves out. */
export function isTimeConfigDifference(difference: ConfigDifference): boolean {
  return difference.kind === 'created' || difference.kind === 'derived';
}

function diffValues(key: string, a: unknown, b: unknown, out: ConfigDifference[]): void {
  if (stable(a) === stable(b)) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const field of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffValues(`${key}.${field}`, a[field], b[field], out);
    return;
  }
  out.push({ key, kind: 'other', ...pair(a, b) });
}

function pair(a: unknown, b: unknown): { a?: string; b?: string } {
  const result: { a?: string; b?: string } = {};
  if (a !== undefined) result.a = typeof a === 'string' ? a : stable(a);
  if (b !== undefined) result.b = typeof b === 'string' ? b : stable(b);
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with sorted keys, so key order never counts as a difference. */
function stable(value: unknown): string {
  return (
    JSON.stringify(value, (_key, inner: unknown) =>
      isPlainObject(inner)
        ? Object.fromEntries(
            Object.entries(inner)
              .filter(([, v]) => v !== undefined)
              .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
          )
        : inner,
    ) ?? 'undefined'
  );
}
