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
import { SMOKE_DEFAULT_SECONDS, SMOKE_MAX_SECONDS, smokeWords } from '../../audit/smoke.js';
import type { AuditReport } from '../../audit/types.js';
import type { EngineName } from '../../engines/container.js';
import { killAllNow } from '../../engines/process.js';
import { Dock2nixError } from '../../errors.js';
import { visibleText } from '../../visible-text.js';
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
  /** --smoke alone: true; --smoke 'CMD ARGS': the command. */
  smoke?: string | boolean;
  smokeSeconds?: string;
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

export function renderAudit(report: AuditReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      // The verdict line first, so that it heads the JSON report as it heads the others.
      return `${JSON.stringify(report.equivalence ? { verdict: report.equivalence.verdict.line, ...report } : report, null, 2)}\n`;
    case 'markdown':
      return visibleText(renderAuditMarkdown(report));
    case 'html':
      return renderAuditHtml(report);
    case 'text':
      return visibleText(renderAuditText(report));
  }
}

function parseTimestamp(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value)) throw new Dock2nixError('E_USAGE', `--timestamp ${JSON.stringify(value)} is not a number of seconds since 1970`);
  return Number(value);
}

/** --smoke and --smoke-seconds, checked before anything is built. */
export function parseSmoke(options: Pick<AuditCommandOptions, 'smoke' | 'smokeSeconds'>): { command: string[] | null; seconds: number } | null {
  if (options.smoke === undefined || options.smoke === false) {
    if (options.smokeSeconds !== undefined) throw new Dock2nixError('E_USAGE', '--smoke-seconds needs --smoke');
    return null;
  }
  let seconds = SMOKE_DEFAULT_SECONDS;
  if (options.smokeSeconds !== undefined) {
    seconds = Number(options.smokeSeconds);
    if (!/^\d+(\.\d+)?$/.test(options.smokeSeconds) || seconds < 1 || seconds > SMOKE_MAX_SECONDS)
      throw new Dock2nixError('E_USAGE', `--smoke-seconds ${JSON.stringify(options.smokeSeconds)}: a number of seconds from 1 to ${SMOKE_MAX_SECONDS}`);
  }
  return { command: options.smoke === true ? null : smokeWords(options.smoke), seconds };
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

  const smoke = parseSmoke(options);
  if (smoke && plannedSides(options).length < 2) throw new Dock2nixError('E_USAGE', '--smoke needs both a Dockerfile image and a Nix image');

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
      ...(smoke ? { smoke } : {}),
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
