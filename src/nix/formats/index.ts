/**
 * The output formats, listed once. `OutputFormat` and every list of formats (CLI choices, the answers file's
 * enum, the wizard's choices, the HEALTHCHECK decision) derive from FORMATS; test/nix/formats.test.ts fails
 * when a format lacks a label or a golden fixture (fixtures/<case>/case.json with its "format").
 */
import type { FormatDefinition } from './define.js';
import { layered } from './layered.js';
import { nix2container } from './nix2container.js';
import { nixos } from './nixos.js';
import { stream } from './stream.js';

/** The default first. */
export const FORMATS = [layered, stream, nix2container, nixos] as const;

export type OutputFormat = (typeof FORMATS)[number]['id'];

/** The format ids, in registry order (a non-empty tuple, as zod's enum wants). */
export const FORMAT_IDS = FORMATS.map((f) => f.id) as [OutputFormat, ...OutputFormat[]];

export const DEFAULT_FORMAT: OutputFormat = FORMATS[0].id;

export function formatOf(id: OutputFormat): FormatDefinition<OutputFormat> {
  const format = FORMATS.find((f) => f.id === id);
  if (!format) throw new Error(`internal error: no output format ${JSON.stringify(id)}`);
  return format;
}

/** Whether the image config of this format keeps a HEALTHCHECK. */
export function formatKeepsHealthcheck(id: OutputFormat): boolean {
  return formatOf(id).keepsHealthcheck;
}

/** Why this format drops a HEALTHCHECK (the planner's manual finding), or null when it keeps it. */
export function healthcheckDropped(id: OutputFormat): string | null {
  const format = formatOf(id);
  return format.keepsHealthcheck ? null : format.healthcheckDropped;
}

/** Formats whose result `docker load` takes (an archive, or a script that writes one). */
export const ARCHIVE_FORMAT_IDS = FORMATS.filter((f) => f.dockerArchive).map((f) => f.id);
