/**
 * `dock2nix audit`: build both images (or read them), report side by side, apply the --fail-on gates.
 * Exit status: 0 done (gates passed), 3 a --fail-on gate failed, 1 an error, 2 a usage error, 130 interrupted.
 * The report is written only once everything is done, atomically, and never over a file without --force.
 */
import path from 'node:path';
import { checkGatesApplicable, evaluateGates, parseGates } from '../../audit/gates.js';
import { createProgress } from '../../audit/progress.js';
import { renderAuditHtml } from '../../audit/render-html.js';
import { renderAuditMarkdown } from '../../audit/render-markdown.js';
import { renderAuditText } from '../../audit/render-text.js';
import { plannedSides, runAudit } from '../../audit/run.js';
import { sbomFiles } from '../../audit/sbom.js';
import type { AuditReport } from '../../audit/types.js';
import type { EngineName } from '../../engines/container.js';
import { killAllNow } from '../../engines/process.js';
import { Dock2nixError } from '../../errors.js';
import { ensureWritable, writeFilesAtomically } from '../../io/write.js';
import type { CliIo } from '../io.js';

export type ReportFormat = 'text' | 'json' | 'markdown' | 'html';

export interface AuditCommandOptions {
  dockerfile?: string;
  engine: EngineName | 'auto';
  context?: string;
  target?: string;
  buildArg: string[];
  platform?: string;
  timestamp?: string;
  storageDriver?: string;
  isolation?: string;
  pull?: string;
  nix?: string;
  nixAttr?: string;
  nixFormat: 'layered' | 'stream';
  saveNix?: string | boolean;
  builders?: string;
  nixOption: string[];
  dockerArchive?: string;
  nixArchive?: string;
  repro?: boolean;
  ignoreTimestamps?: boolean;
  format?: ReportFormat;
  json?: boolean;
  output?: string;
  force?: boolean;
  failOn: string[];
  keepArchives?: string;
  allFiles?: boolean;
  sbomDir?: string;
  progress: 'auto' | 'plain' | 'none';
}

/** Exit status when a --fail-on gate failed. */
export const GATE_FAILED = 3;

const EXTENSIONS: Record<string, ReportFormat> = {
  '.json': 'json',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
};

export function reportFormat(options: Pick<AuditCommandOptions, 'format' | 'json' | 'output'>): ReportFormat {
  if (options.json && options.format && options.format !== 'json')
    throw new Dock2nixError('E_USAGE', `--json and --report ${options.format} contradict each other`);
  if (options.json) return 'json';
  if (options.format) return options.format;
  if (options.output) return EXTENSIONS[path.extname(options.output).toLowerCase()] ?? 'text';
  return 'text';
}

/**
 * Control characters from an image (a file named with an escape sequence) must not reach a terminal or a CI log
 * as such: they are shown as \xNN. JSON escapes them itself; HTML shows them inertly.
 */
export function visibleControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function renderAudit(report: AuditReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      // The verdict line first, so that it heads the JSON report as it heads the others.
      return `${JSON.stringify(report.equivalence ? { verdict: report.equivalence.verdict.line, ...report } : report, null, 2)}\n`;
    case 'markdown':
      return visibleControls(renderAuditMarkdown(report));
    case 'html':
      return renderAuditHtml(report);
    case 'text':
      return visibleControls(renderAuditText(report));
  }
}

function parseTimestamp(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value)) throw new Dock2nixError('E_USAGE', `--timestamp ${JSON.stringify(value)} is not a number of seconds since 1970`);
  return Number(value);
}

export async function runAuditCommand(options: AuditCommandOptions, io: CliIo): Promise<number> {
  const format = reportFormat(options);
  const timestamp = parseTimestamp(options.timestamp);
  const repro = options.repro === true;
  const gates = parseGates(options.failOn);
  checkGatesApplicable(gates, plannedSides(options), repro);
  const output = options.output ? path.resolve(options.output) : null;
  if (output) ensureWritable([output], Boolean(options.force));
  const sbomDir = options.sbomDir ? path.resolve(options.sbomDir) : null;
  const sbomPaths = sbomDir ? ['docker', 'nix'].flatMap((side) => [`${side}.cdx.json`, `${side}.spdx.json`]).map((name) => path.join(sbomDir, name)) : [];
  if (sbomDir) {
    if (plannedSides(options).length < 2) throw new Dock2nixError('E_USAGE', '--sbom-dir needs both a Dockerfile image and a Nix image');
    ensureWritable(sbomPaths, Boolean(options.force));
  }

  const showProgress = options.progress === 'plain' || (options.progress === 'auto' && process.stdout.isTTY === true && format !== 'json');
  const progress = createProgress({ enabled: showProgress, write: io.stderr, width: process.stderr.isTTY ? (process.stderr.columns ?? 120) : null });

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr(`\ndock2nix: ${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping the builds and cleaning up (again to force)\n`);
      controller.abort();
    } else killAllNow();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let report: AuditReport;
  try {
    report = await runAudit({
      ...(options.dockerfile !== undefined ? { dockerfile: options.dockerfile } : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
      ...(options.target !== undefined ? { target: options.target } : {}),
      engine: options.engine,
      buildArgs: options.buildArg,
      ...(options.platform !== undefined ? { platform: options.platform } : {}),
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(options.storageDriver !== undefined ? { storageDriver: options.storageDriver } : {}),
      ...(options.isolation !== undefined ? { isolation: options.isolation } : {}),
      ...(options.pull !== undefined ? { pull: options.pull } : {}),
      ...(options.nix !== undefined ? { nix: options.nix } : {}),
      ...(options.nixAttr !== undefined ? { nixAttr: options.nixAttr } : {}),
      nixFormat: options.nixFormat,
      ...(options.saveNix !== undefined ? { saveNix: options.saveNix } : {}),
      ...(options.builders !== undefined ? { builders: options.builders } : {}),
      nixOptions: options.nixOption,
      ...(options.dockerArchive !== undefined ? { dockerArchive: options.dockerArchive } : {}),
      ...(options.nixArchive !== undefined ? { nixArchive: options.nixArchive } : {}),
      repro,
      ignoreTimestamps: options.ignoreTimestamps === true,
      ...(options.keepArchives !== undefined ? { keepArchives: options.keepArchives } : {}),
      allFiles: options.allFiles === true,
      force: options.force === true,
      signal: controller.signal,
      progress,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (controller.signal.aborted) throw new Dock2nixError('E_INTERRUPTED', 'interrupted: the builds were stopped and no report was written', { exitCode: 130 });

  report.gates = evaluateGates(gates, report);
  if (sbomDir && report.equivalence) {
    const created = new Date();
    const label = (side: 'docker' | 'nix') => report.images.find((image) => image.role === side)?.label ?? side;
    const files = sbomFiles([
      { side: 'docker', input: { label: label('docker'), packages: report.equivalence.packages.docker, tool: report.tool, created } },
      { side: 'nix', input: { label: label('nix'), packages: report.equivalence.packages.nix, tool: report.tool, created } },
    ]);
    ensureWritable(sbomPaths, Boolean(options.force));
    await writeFilesAtomically(
      files.map((file) => ({ path: path.join(sbomDir, file.name), content: file.content })),
      { replace: Boolean(options.force) },
    );
    report.sboms = files.map((file) => {
      const relative = path.relative(process.cwd(), path.join(sbomDir, file.name));
      return relative && !relative.startsWith('..') ? relative : path.join(sbomDir, file.name);
    });
  }
  const text = renderAudit(report, format);
  if (output) {
    ensureWritable([output], Boolean(options.force)); // it may have appeared while the images were built
    await writeFilesAtomically([{ path: output, content: text }], { replace: Boolean(options.force) });
    const relative = path.relative(process.cwd(), output);
    io.stderr(`dock2nix: ${format} report written to ${relative && !relative.startsWith('..') ? relative : output}\n`);
  } else {
    io.stdout(text);
  }
  const failed = report.gates.filter((gate) => !gate.passed);
  if (failed.length > 0) {
    io.stderr(`dock2nix: --fail-on: ${failed.map((gate) => `${gate.rule} (${gate.detail})`).join('; ')}\n`);
    return GATE_FAILED;
  }
  return 0;
}
