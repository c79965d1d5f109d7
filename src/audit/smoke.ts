/**
 * The smoke run: start each image with Podman (or Docker) and compare what happens. By default each image's own
 * command runs for a few seconds: does it keep running, or with which status does it exit, and does something
 * answer on each exposed TCP port (with an HTTP status when it speaks HTTP)? With `--smoke 'CMD ARGS'` that
 * command runs in each image instead (as the entrypoint) and its exit status is compared.
 *
 * Containers run with `--network none`: their only network is their own loopback. The ports are probed from
 * inside the container's network namespace: `nsenter --net` into the namespace of the container's first process
 * runs this Node with a small TCP/HTTP client (the image needs no tools of its own). That needs root; otherwise
 * the ports are reported as not probed. Every container and every image loaded for the run is removed again,
 * also when the run fails or is interrupted.
 */
import { randomBytes } from 'node:crypto';
import { Dock2nixError } from '../errors.js';
import { failureLine, interrupted, runTool, type ToolCommand } from '../engines/process.js';
import type { Progress } from './progress.js';
import type { EquivalenceStatus, Side, SmokeImageResult, SmokePort, SmokeRow, SmokeSection } from './types.js';

export interface SmokeImage {
  role: Side;
  label: string;
  /** The archive to load (docker-archive or OCI archive, compressed or not). */
  archive: string;
  /** The image ID (sha256 of its config) when the archive says it, to know whether the image was there before. */
  id: string | null;
  /** ExposedPorts keys of the image config (`8080/tcp`). */
  ports: string[];
}

export interface SmokeOptions {
  program: 'podman' | 'docker';
  storageDriver?: string;
  /** The command to run in each image, as words; null runs the image's own command. */
  command: string[] | null;
  /** How long each image runs (and how long a command may take). */
  seconds: number;
  signal: AbortSignal;
  progress: Progress;
}

export const SMOKE_DEFAULT_SECONDS = 5;
export const SMOKE_MAX_SECONDS = 300;
const OUTPUT_LINES = 20;
const OUTPUT_LINE_CHARS = 200;

/** Words of `--smoke 'CMD ARGS'`: split on blanks, with single and double quotes and backslashes as a shell reads them. */
export function smokeWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Dock2nixError('E_USAGE', `--smoke ${JSON.stringify(text)}: the ${quote} quote is not closed`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new Dock2nixError('E_USAGE', '--smoke needs a command, or no value at all to run each image as it is');
  return words;
}

/** The image ID an archive's config path or digest gives (`<hex>.json`, `blobs/sha256/<hex>`), or null. */
export function imageIdFrom(configPath: string, configDigest?: string): string | null {
  const digest = configDigest?.match(/^sha256:([0-9a-f]{64})$/)?.[1];
  if (digest) return digest;
  return configPath.match(/(?:^|\/)([0-9a-f]{64})(?:\.json)?$/)?.[1] ?? null;
}

/**
 * The probe that runs inside the container's network namespace: for each TCP port, connect to the loopback until
 * something answers or the time is up, then send an HTTP request and read the status line. Prints JSON.
 */
export const PROBE_SCRIPT = `
const net = require('node:net');
const [deadline, ...ports] = process.argv.slice(1).map(Number);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function once(port, host) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let data = '';
    let connected = false;
    const done = (result) => { socket.destroy(); resolve(result); };
    socket.setTimeout(2000, () => done(connected ? { answered: true, http: null, detail: 'no reply to an HTTP request' } : null));
    socket.on('connect', () => { connected = true; socket.write('GET / HTTP/1.0\\r\\nHost: localhost\\r\\nUser-Agent: dock2nix-smoke\\r\\n\\r\\n'); });
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      const m = data.match(/^HTTP\\/\\d(?:\\.\\d)? (\\d{3})/);
      if (m) done({ answered: true, http: Number(m[1]), detail: data.split('\\r\\n')[0].slice(0, 120) });
      else if (data.includes('\\n') || data.length > 64) done({ answered: true, http: null, detail: 'answers, not HTTP' });
    });
    socket.on('end', () => done(connected ? { answered: true, http: null, detail: data ? 'answers, not HTTP' : 'accepts connections, closes without a reply' } : null));
    socket.on('error', () => done(connected ? { answered: true, http: null, detail: 'accepts connections, then resets' } : null));
  });
}
(async () => {
  const results = {};
  for (const port of ports) {
    let result = null;
    while (!result) {
      result = (await once(port, '127.0.0.1')) || (await once(port, '::1'));
      if (result || Date.now() > deadline) break;
      await sleep(200);
    }
    results[port] = result || { answered: false, http: null, detail: 'nothing answers' };
  }
  process.stdout.write(JSON.stringify(results));
})();
`;

function engineArgs(options: SmokeOptions, args: string[]): ToolCommand {
  const storage = options.program === 'podman' && options.storageDriver ? ['--storage-driver', options.storageDriver] : [];
  return { file: options.program, args: [...storage, ...args] };
}

/** A command that must not be cut short by Ctrl-C (removing what the run made): 60 s at most, never throws. */
async function cleanupRun(command: ToolCommand, what: string): Promise<boolean> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), 60_000);
  try {
    const result = await runTool(command, { signal: timeout.signal, what, allowExitCodes: Array.from({ length: 255 }, (_, i) => i + 1) });
    return result.exitCode === 0;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function quiet(command: ToolCommand, options: SmokeOptions, what: string) {
  return runTool(command, { signal: options.signal, what, allowExitCodes: Array.from({ length: 255 }, (_, i) => i + 1) });
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

interface State {
  status: string;
  exitCode: number;
  pid: number;
}

async function inspectState(name: string, options: SmokeOptions): Promise<State | null> {
  const result = await quiet(
    engineArgs(options, ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}}', name]),
    options,
    `${options.program} inspect`,
  );
  const match = result.stdout.trim().match(/^(\S+) (-?\d+) (\d+)$/);
  return result.exitCode === 0 && match ? { status: match[1]!, exitCode: Number(match[2]), pid: Number(match[3]) } : null;
}

/** Run the smoke test of every image; the images are loaded into the engine's storage for the run and removed after. */
export async function smokeRun(images: SmokeImage[], options: SmokeOptions): Promise<SmokeSection> {
  const results: SmokeImageResult[] = [];
  const loadedIds: string[] = [];
  const containers: string[] = [];
  const seen = new Map<string, string>();
  try {
    for (const image of images) {
      if (options.signal.aborted) throw interrupted();
      options.progress.phase(`smoke run: starting the ${image.role === 'docker' ? 'Dockerfile' : 'Nix'} image with ${options.program}`);
      let ref = image.id ? seen.get(image.id) : undefined;
      if (!ref) {
        const existed = image.id
          ? (await quiet(engineArgs(options, ['image', 'inspect', '--format', '{{.Id}}', image.id]), options, 'inspect')).exitCode === 0
          : false;
        const load = await quiet(engineArgs(options, ['load', '-i', image.archive]), options, `${options.program} load`);
        if (load.exitCode !== 0) {
          results.push(failedStart(image, `${options.program} load failed: ${failureLine(load.tail)}`));
          continue;
        }
        let id = image.id;
        if (!id) {
          const name = load.stdout.match(/Loaded image(?:\(s\))?:\s*(\S+)/)?.[1];
          const inspected = name ? await quiet(engineArgs(options, ['image', 'inspect', '--format', '{{.Id}}', name]), options, 'inspect') : null;
          id = inspected?.stdout.trim().replace(/^sha256:/, '') || null;
        }
        if (!id) {
          results.push(failedStart(image, `${options.program} load did not say which image it loaded`));
          continue;
        }
        if (!existed) loadedIds.push(id);
        ref = id;
        if (image.id) seen.set(image.id, id);
      }
      results.push(await runOne(image, ref, options, containers));
    }
  } finally {
    // --force stops it at once (SIGKILL); Podman's rm would first wait 10 s after SIGTERM without --time 0.
    const time = options.program === 'podman' ? ['--time', '0'] : [];
    for (const name of containers) await cleanupRun(engineArgs(options, ['rm', '--force', ...time, name]), `${options.program} rm`);
    for (const id of loadedIds) {
      if (!(await cleanupRun(engineArgs(options, ['rmi', '--force', id]), `${options.program} rmi`)))
        options.progress.note(
          `could not remove the image ${id.slice(0, 12)} loaded for the smoke run; remove it with ${options.program} rmi ${id.slice(0, 12)}`,
        );
    }
  }
  if (options.signal.aborted) throw interrupted();
  return {
    engine: options.program,
    command: options.command,
    seconds: options.seconds,
    images: results,
    rows: compareSmoke(results, options.command !== null),
  };
}

function failedStart(image: SmokeImage, error: string): SmokeImageResult {
  return { image: image.role, label: image.label, started: false, error, state: 'did not start', exitCode: null, running: false, ports: [], output: [] };
}

async function runOne(image: SmokeImage, ref: string, options: SmokeOptions, containers: string[]): Promise<SmokeImageResult> {
  const name = `dock2nix-smoke-${process.pid}-${randomBytes(4).toString('hex')}-${image.role}`;
  containers.push(name);
  // The first word replaces the entrypoint and the others the command: Docker's --entrypoint takes one word.
  const entrypoint = options.command ? ['--entrypoint', options.command[0]!] : [];
  const args = options.command ? options.command.slice(1) : [];
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  const run = await quiet(
    engineArgs(options, ['run', '--detach', '--network', 'none', '--name', name, ...entrypoint, ref, ...args]),
    options,
    `${options.program} run`,
  );
  if (run.exitCode !== 0) {
    const result = failedStart(image, failureLine(run.tail) || `${options.program} run failed (exit ${run.exitCode})`);
    result.output = await logs(name, options);
    return result;
  }
  let state = await inspectState(name, options);
  // Probe the ports while the container runs; the probe itself waits for them up to the deadline.
  const tcp = image.ports.map((port) => (port.includes('/') ? port : `${port}/tcp`));
  const ports: SmokePort[] = [];
  if (tcp.length > 0 && !options.command) {
    const numbers = tcp.filter((port) => port.endsWith('/tcp')).map((port) => Number(port.split('/')[0]));
    type Probed = Record<string, { answered: boolean; http: number | null; detail: string }>;
    let probed: Probed | null = null;
    let why = '';
    if (process.getuid?.() !== 0) why = 'not probed: entering the container network namespace (nsenter) needs root';
    else if (!state || state.status !== 'running' || state.pid <= 0) probed = {};
    else if (numbers.length > 0) {
      const probe = await quiet(
        {
          file: 'nsenter',
          args: ['--target', String(state.pid), '--net', '--', process.execPath, '-e', PROBE_SCRIPT, String(deadline), ...numbers.map(String)],
        },
        options,
        'the port probe',
      );
      try {
        probed = JSON.parse(probe.stdout) as Probed;
      } catch {
        why = `not probed: ${failureLine(probe.tail) || 'the probe failed'}`;
      }
    }
    for (const port of tcp) {
      const number = port.split('/')[0]!;
      const found = port.endsWith('/tcp') ? probed?.[number] : undefined;
      if (found) ports.push({ port, probed: true, answered: found.answered, http: found.http, detail: found.detail });
      else if (probed && port.endsWith('/tcp'))
        ports.push({ port, probed: true, answered: false, http: null, detail: 'nothing answers: the container had stopped' });
      else
        ports.push({
          port,
          probed: false,
          answered: false,
          http: null,
          detail: port.endsWith('/tcp') ? why || 'not probed' : 'not probed: only TCP ports are',
        });
    }
  }
  // Wait out the time: the whole of it for the image's own command (does it keep running?), until it exits for a command.
  while (state && state.status === 'running' && Date.now() < deadline && !options.signal.aborted) {
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())), options.signal);
    state = await inspectState(name, options);
  }
  if (options.signal.aborted) throw interrupted();
  const running = state?.status === 'running';
  const exitCode = state && !running && state.status === 'exited' ? state.exitCode : null;
  const stateText = running
    ? options.command
      ? `still running after ${options.seconds} s`
      : `running after ${options.seconds} s`
    : exitCode !== null
      ? `exited with status ${exitCode}`
      : (state?.status ?? 'unknown');
  return { image: image.role, label: image.label, started: true, error: null, state: stateText, exitCode, running, ports, output: await logs(name, options) };
}

async function logs(name: string, options: SmokeOptions): Promise<string[]> {
  const result = await quiet(engineArgs(options, ['logs', '--tail', String(OUTPUT_LINES), name]), options, `${options.program} logs`);
  if (result.exitCode !== 0) return [];
  return result.tail
    .slice(-OUTPUT_LINES)
    .map((line) => (line.length > OUTPUT_LINE_CHARS ? `${line.slice(0, OUTPUT_LINE_CHARS - 3)}...` : line))
    .filter((line, index, all) => line !== '' || index < all.length - 1);
}

function portText(port: SmokePort | undefined): string | null {
  if (!port) return null;
  if (!port.probed) return port.detail;
  if (port.http !== null) return `HTTP ${port.http}`;
  return port.detail;
}

/** The rows the two images are compared by: how each run ended, and each exposed port. */
export function compareSmoke(results: SmokeImageResult[], command: boolean): SmokeRow[] {
  const docker = results.find((result) => result.image === 'docker');
  const nix = results.find((result) => result.image === 'nix');
  const rows: SmokeRow[] = [];
  const row = (check: string, a: string | null, b: string | null, unknown = false): void => {
    const status: EquivalenceStatus = a === b ? 'equal' : a === null || b === null ? 'missing' : 'different';
    rows.push({ check, docker: a, nix: b, status: unknown && status !== 'equal' ? 'unknown' : status });
  };
  row(
    command ? 'command' : 'run',
    docker ? (docker.started ? docker.state : `did not start: ${docker.error}`) : null,
    nix ? (nix.started ? nix.state : `did not start: ${nix.error}`) : null,
  );
  const ports = [...new Set([...(docker?.ports ?? []), ...(nix?.ports ?? [])].map((port) => port.port))].sort();
  for (const port of ports) {
    const a = docker?.ports.find((candidate) => candidate.port === port);
    const b = nix?.ports.find((candidate) => candidate.port === port);
    // A port that could not be probed on one side proves nothing either way.
    row(`port ${port}`, portText(a), portText(b), (a !== undefined && !a.probed) || (b !== undefined && !b.probed));
  }
  return rows;
}
