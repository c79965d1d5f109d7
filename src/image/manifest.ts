/** Which images an archive holds: docker-archive `manifest.json`, or OCI `index.json` (nested indexes followed). */
import { Dock2nixError } from '../errors.js';
import { isDirectoryContents, type ArchiveContents } from './archive.js';
import { blobPathForDigest, normaliseEntryPath } from './paths.js';
import type { ArchiveFormat } from './types.js';

export interface LayerRef {
  /** Where the blob is, inside the archive or layout. */
  path: string;
  /** The digest the manifest gives (OCI); absent for docker-archive. */
  digest?: string;
  /** The size the manifest gives (OCI). */
  size?: number;
}

export interface ImageRef {
  name: string | null;
  configPath: string;
  /** The config digest the manifest gives (OCI). */
  configDigest?: string;
  layers: LayerRef[];
}

const MAX_IMAGES = 64;
const MAX_INDEX_DEPTH = 4;
const MAX_INDEX_DOCUMENTS = 256;

export async function listImages(contents: ArchiveContents): Promise<{ format: ArchiveFormat; images: ImageRef[] }> {
  if (isDirectoryContents(contents)) {
    await contents.probe('manifest.json');
    await contents.probe('index.json');
  }
  if (contents.has('manifest.json')) return { format: 'docker-archive', images: await dockerImages(contents) };
  if (contents.has('index.json')) {
    return { format: contents.container === 'directory' ? 'oci-layout' : 'oci-archive', images: await ociImages(contents) };
  }
  throw new Dock2nixError('E_ARCHIVE', 'no manifest.json (docker-archive) or index.json (OCI layout) in it; is this an image archive?', {
    file: contents.source,
  });
}

function fail(contents: ArchiveContents, message: string): Dock2nixError {
  return new Dock2nixError('E_ARCHIVE', message, { file: contents.source });
}

function archivePath(contents: ArchiveContents, value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw fail(contents, `manifest.json: ${what} is not a path`);
  const normal = normaliseEntryPath(value);
  if (normal.escapes || normal.absolute || normal.path === '')
    throw fail(contents, `manifest.json names ${JSON.stringify(value)} as ${what}, outside the archive`);
  return normal.path;
}

async function dockerImages(contents: ArchiveContents): Promise<ImageRef[]> {
  const manifest = await contents.readJson('manifest.json', 'manifest');
  if (!Array.isArray(manifest) || manifest.length === 0) throw fail(contents, 'manifest.json is not a non-empty list of images');
  if (manifest.length > MAX_IMAGES) throw fail(contents, `manifest.json lists ${manifest.length} images; at most ${MAX_IMAGES} are read`);
  return manifest.map((item: unknown, index) => {
    const record = (item ?? {}) as Record<string, unknown>;
    const layers = record.Layers;
    if (!Array.isArray(layers)) throw fail(contents, `manifest.json: image ${index} has no Layers list`);
    const tags = Array.isArray(record.RepoTags) ? record.RepoTags.filter((tag): tag is string => typeof tag === 'string') : [];
    return {
      name: tags[0] ?? null,
      configPath: archivePath(contents, record.Config, 'the config'),
      layers: layers.map((layer: unknown, at) => ({ path: archivePath(contents, layer, `layer ${at}`) })),
    };
  });
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

async function ociImages(contents: ArchiveContents): Promise<ImageRef[]> {
  const images: ImageRef[] = [];
  const index = await contents.readJson('index.json', 'index');
  await collectFromIndex(contents, index, 'index.json', null, 0, images, { documents: new Map(), walked: new Set() });
  if (images.length === 0) throw fail(contents, 'index.json lists no image manifest');
  return images;
}

/**
 * What one walk over nested indexes has read: each blob is read and parsed once, each nested index is walked
 * once (an index listing the same nested index many times, at every level, would otherwise fan out
 * exponentially), and the number of distinct documents is capped.
 */
interface IndexWalk {
  documents: Map<string, unknown>;
  walked: Set<string>;
}

async function collectFromIndex(
  contents: ArchiveContents,
  index: unknown,
  where: string,
  name: string | null,
  depth: number,
  images: ImageRef[],
  walk: IndexWalk,
): Promise<void> {
  if (depth > MAX_INDEX_DEPTH) throw fail(contents, `${where}: indexes nested more than ${MAX_INDEX_DEPTH} deep`);
  const manifests = (index as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(manifests)) throw fail(contents, `${where} has no manifests list`);
  for (const item of manifests) {
    const descriptor = asDescriptor(contents, item, where);
    const path = blobPath(contents, descriptor.digest, where);
    let document = walk.documents.get(path);
    if (!walk.documents.has(path)) {
      if (walk.documents.size >= MAX_INDEX_DOCUMENTS)
        throw fail(contents, `the index lists more than ${MAX_INDEX_DOCUMENTS} distinct manifests and indexes; at most ${MAX_INDEX_DOCUMENTS} are read`);
      document = await contents.readJson(path, 'manifest');
      walk.documents.set(path, document);
    }
    const label = descriptor.annotations?.['org.opencontainers.image.ref.name'] ?? descriptor.annotations?.['io.containerd.image.name'] ?? name;
    const mediaType = descriptor.mediaType ?? (document as { mediaType?: string } | null)?.mediaType;
    if ((mediaType && INDEX_TYPES.has(mediaType)) || Array.isArray((document as { manifests?: unknown } | null)?.manifests)) {
      if (walk.walked.has(path)) continue;
      walk.walked.add(path);
      await collectFromIndex(contents, document, path, label, depth + 1, images, walk);
      continue;
    }
    if (images.length >= MAX_IMAGES) throw fail(contents, `more than ${MAX_IMAGES} images in the index`);
    images.push(imageFromManifest(contents, document, path, platformLabel(label, descriptor)));
  }
}

function platformLabel(label: string | null, descriptor: Descriptor): string | null {
  const platform = descriptor.platform;
  if (!platform?.os) return label;
  const suffix = [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
  return label ? `${label} (${suffix})` : suffix;
}

function imageFromManifest(contents: ArchiveContents, document: unknown, where: string, name: string | null): ImageRef {
  const manifest = (document ?? {}) as { config?: unknown; layers?: unknown };
  const config = asDescriptor(contents, manifest.config, `${where} config`);
  if (!Array.isArray(manifest.layers)) throw fail(contents, `${where}: the manifest has no layers list`);
  return {
    name,
    configPath: blobPath(contents, config.digest, where),
    configDigest: config.digest,
    layers: manifest.layers.map((item: unknown) => {
      const layer = asDescriptor(contents, item, `${where} layer`);
      const ref: LayerRef = { path: blobPath(contents, layer.digest, where), digest: layer.digest };
      if (typeof layer.size === 'number') ref.size = layer.size;
      return ref;
    }),
  };
}

function asDescriptor(contents: ArchiveContents, value: unknown, where: string): Descriptor {
  const record = value as Partial<Descriptor> | null;
  if (!record || typeof record !== 'object' || typeof record.digest !== 'string') throw fail(contents, `${where}: a descriptor without a digest`);
  return record as Descriptor;
}

function blobPath(contents: ArchiveContents, digest: string, where: string): string {
  const path = blobPathForDigest(digest);
  if (!path) throw fail(contents, `${where} names a malformed digest ${JSON.stringify(digest.slice(0, 100))}`);
  return path;
}
