/**
 * What changed inside the text files whose content differs between two images (`dock2nix diff`): both versions
 * are read again (only those files, only up to a size bound) and compared line by line with the `diff` package,
 * as a unified diff with 3 lines of context. Binary files (a NUL byte, or bytes that are not UTF-8) only say so;
 * each diff is cut at a number of lines and bytes, and only the first files get one.
 */
import { loadImages } from './inspect.js';
import type { FileDifference, ReproducibilityReport, TextDiff } from './types.js';

export interface TextDiffLimits {
  /** Versions larger than this are not read (bytes). */
  fileBytes: number;
  /** Lines of one file's diff. */
  lines: number;
  /** Bytes of one file's diff. */
  bytes: number;
  /** Files that get a diff; the others say `not-shown`. */
  files: number;
}

export const TEXT_DIFF_LIMITS: TextDiffLimits = { fileBytes: 1024 * 1024, lines: 200, bytes: 16 * 1024, files: 50 };

/** A content difference between two regular files (not a type change, not a whole layer). */
function isFileContent(difference: FileDifference): boolean {
  return difference.kind === 'content' && difference.path !== '' && difference.detail === undefined && /^\d+ bytes/.test(difference.a ?? '');
}

function sizeOf(side: string | undefined): number {
  return Number(/^(\d+) bytes/.exec(side ?? '')?.[1] ?? Number.NaN);
}

/** Adds `text` to each content difference of the report: reads both archives again for those files only. */
export async function addTextDiffs(report: ReproducibilityReport, sourceA: string, sourceB: string, limits: TextDiffLimits = TEXT_DIFF_LIMITS): Promise<void> {
  const candidates = report.differences.filter(isFileContent);
  if (candidates.length === 0) return;
  const wanted: FileDifference[] = [];
  for (const difference of candidates) {
    const largest = Math.max(sizeOf(difference.a), sizeOf(difference.b));
    if (!(largest <= limits.fileBytes)) difference.text = { kind: 'too-large', note: `larger than ${limits.fileBytes} bytes: not compared as text` };
    else if (wanted.length >= limits.files) difference.text = { kind: 'not-shown', note: `only the first ${limits.files} files get a text diff` };
    else wanted.push(difference);
  }
  if (wanted.length === 0) return;
  const paths = new Set(wanted.map((difference) => difference.path));
  const read = async (source: string) => {
    const [image] = await loadImages(source, { hashFiles: false, capture: (path) => paths.has(path), captureLimit: limits.fileBytes, rawCapture: true });
    return image?.scans ?? [];
  };
  const [scansA, scansB] = await Promise.all([read(sourceA), read(sourceB)]);
  const { structuredPatch } = await import('diff');
  for (const difference of wanted) {
    const a = scansA[difference.layer]?.capturedRaw?.[difference.path];
    const b = scansB[difference.layer]?.capturedRaw?.[difference.path];
    if (a === undefined || b === undefined) {
      difference.text = { kind: 'not-shown', note: 'the file could not be read again' };
      continue;
    }
    const textA = asText(a);
    const textB = asText(b);
    if (textA === null || textB === null) {
      difference.text = { kind: 'binary', note: `binary file${textA === null && textB === null ? 's differ' : ` in ${textA === null ? 'A' : 'B'}`}` };
      continue;
    }
    difference.text = unifiedDiff(structuredPatch, difference.path, textA, textB, limits);
  }
}

/** The text of a file, or null when it is binary: a NUL byte, or bytes that are not valid UTF-8. */
export function asText(bytes: Buffer): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

type StructuredPatch = (typeof import('diff'))['structuredPatch'];

export function unifiedDiff(structuredPatch: StructuredPatch, path: string, a: string, b: string, limits: Pick<TextDiffLimits, 'lines' | 'bytes'>): TextDiff {
  const patch = structuredPatch(`a/${path}`, `b/${path}`, a, b, undefined, undefined, { context: 3 });
  const lines = [`--- a/${path}`, `+++ b/${path}`];
  let added = 0;
  let removed = 0;
  for (const hunk of patch.hunks) {
    lines.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) {
      if (line.startsWith('+')) added++;
      else if (line.startsWith('-')) removed++;
      lines.push(line);
    }
  }
  const kept: string[] = [];
  let bytes = 0;
  let truncated = false;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (kept.length >= limits.lines || bytes + size > limits.bytes) {
      truncated = true;
      break;
    }
    kept.push(line);
    bytes += size;
  }
  return {
    kind: 'diff',
    unified: kept.join('\n'),
    added,
    removed,
    ...(truncated ? { truncated: true, note: `cut at ${kept.length} of ${lines.length} lines` } : {}),
  };
}
