/** `dock2nix diff <a> <b> [--json] [--ignore-timestamps]`: exit 0 when the images are identical, 1 when not. */
import { compareImages } from '../../image/diff.js';
import { renderReproducibilityReport } from '../../image/render.js';
import { addTextDiffs } from '../../image/text-diff.js';
import type { CliIo } from '../io.js';

export interface DiffOptions {
  archiveA: string;
  archiveB: string;
  json?: boolean;
  ignoreTimestamps?: boolean;
}

export async function runDiff(options: DiffOptions, io: CliIo): Promise<number> {
  const ignoreTimestamps = options.ignoreTimestamps === true;
  const report = await compareImages(options.archiveA, options.archiveB, { ignoreTimestamps });
  await addTextDiffs(report, options.archiveA, options.archiveB);
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReproducibilityReport(report));
  const same = ignoreTimestamps ? report.identicalIgnoringTimestamps : report.identical;
  return same ? 0 : 1;
}
