/** `dock2nix inspect <archive> [--json] [--verify]`: one archive's images, their layers, sizes and wasted space. */
import { inspectArchive } from '../../image/inspect.js';
import { renderInspectReport } from '../../image/render.js';
import type { CliIo } from '../io.js';

export interface InspectOptions {
  archive: string;
  json?: boolean;
  /** Hash every layer and check its digests against the manifest and the config. */
  verify?: boolean;
}

export async function runInspect(options: InspectOptions, io: CliIo): Promise<number> {
  const report = await inspectArchive(options.archive, undefined, { verify: options.verify === true });
  io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderInspectReport(report));
  return 0;
}
