/** From an archive path to reports: which images, their config, their layers, their merged filesystem. */
import { basename } from 'node:path';
import { Dock2nixError } from '../errors.js';
import { openArchive, type ArchiveContents } from './archive.js';
import { wantsDigests, type ScanOptions } from './layer-scan.js';
import { listImages, type ImageRef } from './manifest.js';
import type { ArchiveFormat, Finding, ImageConfigSummary, ImageReport, ImageTotals, InspectReport, LayerReport, LayerScan } from './types.js';
import { largest, mergeLayers } from './wasted.js';

/** How many largest files, directories and wasted files a report lists. */
export const LIST_LIMITS = { largestFiles: 20, largestDirectories: 10, wasted: 50 };

/** An image as read: what the reports are made from. */
export interface LoadedImage {
  label: string;
  source: string;
  format: ArchiveFormat;
  contents: ArchiveContents;
  ref: ImageRef;
  config: Record<string, unknown>;
  scans: LayerScan[];
  /** Whether the scans computed the layers' digests (see ScanOptions). */
  digestsChecked: boolean;
}

export interface InspectOptions {
  /** Hash every layer and check the digests against the manifest and the config (reads every byte). */
  verify?: boolean;
}

export async function loadImages(source: string, options: ScanOptions, label?: string): Promise<LoadedImage[]> {
  const contents = await openArchive(source, options);
  const { format, images } = await listImages(contents);
  const loaded: LoadedImage[] = [];
  for (const [index, ref] of images.entries()) {
    const config = await contents.readJson(ref.configPath, 'image config');
    if (!config || typeof config !== 'object' || Array.isArray(config)) {
      throw new Dock2nixError('E_ARCHIVE', `image config ${ref.configPath} is not a JSON object`, { file: source });
    }
    const scans: LayerScan[] = [];
    for (const [at, layer] of ref.layers.entries()) scans.push(await contents.scanBlob(layer.path, `layer ${at}`));
    const fallback = images.length > 1 ? `${basename(source)}#${index}` : basename(source);
    loaded.push({
      label: (index === 0 ? label : undefined) ?? ref.name ?? fallback,
      source,
      format,
      contents,
      ref,
      config: config as Record<string, unknown>,
      scans,
      digestsChecked: wantsDigests(options),
    });
  }
  return loaded;
}

/** Every image of an archive. Nothing is hashed unless `verify` asks for it, so plain layers are only listed. */
export async function inspectArchive(source: string, label?: string, options: InspectOptions = {}): Promise<InspectReport> {
  const images = await loadImages(source, { hashFiles: false, digests: options.verify === true }, label);
  return { images: images.map(buildImageReport) };
}

/** The (first) image of an archive. */
export async function inspectImage(path: string, label?: string, options: InspectOptions = {}): Promise<ImageReport> {
  const [first] = (await inspectArchive(path, label, options)).images;
  if (!first) throw new Dock2nixError('E_ARCHIVE', 'the archive holds no image', { file: path });
  return first;
}

export function buildImageReport(image: LoadedImage): ImageReport {
  const findings: Finding[] = [...image.contents.findings];
  const diffIds = rootfsDiffIds(image.config);
  const createdBy = layerHistory(image.config);
  if (diffIds && diffIds.length !== image.scans.length) {
    findings.push({ message: `the config lists ${diffIds.length} diff_ids for ${image.scans.length} layers` });
  }
  if (createdBy.length !== image.scans.length && historyOf(image.config).length > 0) {
    findings.push({ message: `the config history has ${createdBy.length} non-empty entries for ${image.scans.length} layers; pairing may be off` });
  }
  const layers = image.scans.map((scan, index): LayerReport => {
    const ref = image.ref.layers[index]!;
    for (const finding of scan.findings) findings.push({ layer: index, ...finding });
    // Digests are checked only where they were computed (inspect --verify, diff, audit).
    const configDiffId = diffIds?.[index];
    if (configDiffId && scan.tarDigest && configDiffId !== scan.tarDigest) {
      findings.push({ layer: index, message: `diffID in the config (${short(configDiffId)}) does not match the layer tar (${short(scan.tarDigest)})` });
    }
    if (ref.digest && scan.storedDigest && ref.digest !== scan.storedDigest) {
      findings.push({ layer: index, message: `blob digest ${short(ref.digest)} does not match its content (${short(scan.storedDigest)})` });
    }
    if (ref.size !== undefined && ref.size !== scan.storedBytes) {
      findings.push({ layer: index, message: `the manifest says ${ref.size} bytes, the blob has ${scan.storedBytes}` });
    }
    const files = scan.entries.filter((entry) => entry.type === 'file' && !entry.whiteout);
    const plain = scan.compression === 'none';
    return {
      index,
      // A plain layer's blob is its tar, so its blob digest and its diffID are one value.
      digest: ref.digest ?? scan.storedDigest ?? (plain ? configDiffId : undefined) ?? null,
      diffId: configDiffId ?? scan.tarDigest ?? (plain ? ref.digest : undefined) ?? null,
      path: ref.path,
      compression: scan.compression,
      uncompressedBytes: scan.uncompressedBytes,
      compressedBytes: scan.compression === 'none' ? null : scan.storedBytes,
      contentBytes: files.reduce((sum, entry) => sum + entry.size, 0),
      files: files.length,
      createdBy: createdBy[index] ?? null,
      storePaths: storePathsOf(scan),
    };
  });
  const merged = mergeLayers(image.scans.map((scan) => scan.entries));
  const contentBytes = layers.reduce((sum, layer) => sum + layer.contentBytes, 0);
  const compressed = layers.filter((layer) => layer.compressedBytes !== null);
  const totals: ImageTotals = {
    layers: layers.length,
    uncompressedBytes: layers.reduce((sum, layer) => sum + layer.uncompressedBytes, 0),
    compressedBytes: compressed.length > 0 ? compressed.reduce((sum, layer) => sum + layer.compressedBytes!, 0) : null,
    contentBytes,
    files: layers.reduce((sum, layer) => sum + layer.files, 0),
    wastedBytes: merged.wastedBytes,
    wastedFiles: merged.wasted.length,
    efficiency: contentBytes === 0 ? 1 : 1 - merged.wastedBytes / contentBytes,
    visibleFiles: merged.visible.length,
    visibleBytes: merged.visibleBytes,
  };
  return {
    label: image.label,
    source: image.source,
    format: image.format,
    archiveCompression: image.contents.compression,
    digestsChecked: image.digestsChecked,
    config: summariseConfig(image.config),
    layers,
    totals,
    largestFiles: largest(merged.visible, LIST_LIMITS.largestFiles),
    largestDirectories: largest(merged.directories, LIST_LIMITS.largestDirectories),
    wasted: largest(merged.wasted, LIST_LIMITS.wasted),
    findings,
  };
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

function rootfsDiffIds(config: Record<string, unknown>): string[] | null {
  const ids = (config.rootfs as { diff_ids?: unknown } | undefined)?.diff_ids;
  return Array.isArray(ids) ? ids.map(String) : null;
}

interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export function historyOf(config: Record<string, unknown>): HistoryEntry[] {
  return Array.isArray(config.history) ? (config.history as HistoryEntry[]).filter((entry) => entry && typeof entry === 'object') : [];
}

/** The history entries that made a layer, in layer order: empty_layer entries skipped. */
function layerHistory(config: Record<string, unknown>): (string | null)[] {
  return historyOf(config)
    .filter((entry) => entry.empty_layer !== true)
    .map((entry) => (typeof entry.created_by === 'string' ? entry.created_by : typeof entry.comment === 'string' ? entry.comment : null));
}

function storePathsOf(scan: LayerScan): string[] {
  const paths = new Set<string>();
  for (const entry of scan.entries) {
    if (!entry.path.startsWith('nix/store/')) continue;
    const match = /^nix\/store\/([^/]+)/.exec(entry.path);
    if (match && !entry.whiteout) paths.add(`/nix/store/${match[1]}`);
  }
  return [...paths].sort();
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : null;
}

function summariseConfig(config: Record<string, unknown>): ImageConfigSummary {
  const inner = (config.config ?? {}) as Record<string, unknown>;
  const labels = (inner.Labels ?? {}) as Record<string, unknown>;
  return {
    created: typeof config.created === 'string' ? config.created : null,
    architecture: typeof config.architecture === 'string' ? config.architecture : null,
    os: typeof config.os === 'string' ? config.os : null,
    entrypoint: stringList(inner.Entrypoint),
    cmd: stringList(inner.Cmd),
    env: stringList(inner.Env) ?? [],
    user: typeof inner.User === 'string' && inner.User !== '' ? inner.User : null,
    workingDir: typeof inner.WorkingDir === 'string' && inner.WorkingDir !== '' ? inner.WorkingDir : null,
    exposedPorts: inner.ExposedPorts && typeof inner.ExposedPorts === 'object' ? Object.keys(inner.ExposedPorts).sort() : [],
    labels: labels && typeof labels === 'object' ? Object.fromEntries(Object.entries(labels).map(([key, value]) => [key, String(value)])) : {},
  };
}
