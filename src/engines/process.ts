/**
 * Running build tools. Every tool is started through execa with an argument array, never through a shell, so no
 * text from a Dockerfile, a build argument or a file name is ever parsed by a shell on this machine.
 *
 * Each tool runs in its own process group (execa `detached`, which is setsid on POSIX). Cancelling (Ctrl-C)
 * sends SIGTERM to the whole group, so the tool's own children (a RUN step, a Nix builder) stop too, then
 * SIGKILL to whatever is left after a grace period.
 */
import { execa, type ResultPromise } from 'execa';
import { Dock2nixError } from '../errors.js';

/** One tool invocation: a program and its arguments, exactly as passed to execve. */
export interface ToolCommand {
  file: string;
  args: string[];
  /** Extra environment variables (the rest of the environment is inherited: DOCKER_HOST, NIX_REMOTE, …). */
  env?: Record<string, string>;
}

/** Where a tool's output lines go while it runs (the live progress display). */
export type LineSink = (line: string, stream: 'stdout' | 'stderr') => void;

export interface RunOptions {
  /** Aborting stops the tool and its children; the run then rejects with E_INTERRUPTED. */
  signal?: AbortSignal;
  onLine?: LineSink;
  cwd?: string;
  /** Write the tool's stdout to this file instead of reading it (a stream script's image). */
  stdoutFile?: string;
  /** What the tool does, for error messages: `buildah bud`, `nix-build`. */
  what: string;
  /** Exit codes that are not failures (the caller inspects them). */
  allowExitCodes?: number[];
  /** Seconds between SIGTERM and SIGKILL when stopping the group. */
  graceSeconds?: number;
}

export interface RunResult {
  exitCode: number;
  /** The last lines the tool printed (stdout and stderr interleaved), for messages. */
  tail: string[];
  /** Everything the tool printed on stdout, when not redirected to a file (capped at 1 MiB). */
  stdout: string;
}

const TAIL_LINES = 60;
const MAX_STDOUT = 1024 * 1024;

/** Process groups started and not yet finished: stopped on interruption. */
const running = new Set<number>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stop every tool still running (all groups), at once: for a second Ctrl-C. */
export function killAllNow(): void {
  for (const pid of running) killGroup(pid, 'SIGKILL');
}

function splitLines(onLine: (line: string) => void): { push: (chunk: Buffer | string) => void; end: () => void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk.toString();
      // Progress bars redraw with \r: the last state of the line is what counts.
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) onLine(lastRedraw(part));
    },
    end() {
      if (pending !== '') onLine(lastRedraw(pending));
      pending = '';
    },
  };
}

function lastRedraw(line: string): string {
  const parts = line.replace(/\r+$/, '').split('\r');
  return parts[parts.length - 1] ?? '';
}

/** Run a tool; reject with a one-line Dock2nixError when it fails, E_INTERRUPTED when cancelled. */
export async function runTool(command: ToolCommand, options: RunOptions): Promise<RunResult> {
  if (options.signal?.aborted) throw interrupted();
  const tail: string[] = [];
  let stdout = '';
  const remember = (line: string, stream: 'stdout' | 'stderr'): void => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    options.onLine?.(line, stream);
  };
  let child: ResultPromise;
  try {
    child = execa(command.file, command.args, {
      env: command.env,
      cwd: options.cwd,
      stdin: 'ignore',
      stdout: options.stdoutFile ? { file: options.stdoutFile } : 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      detached: true,
      // Progress output in colour would reach a file or a pipe; the tools' own checks look at their stdout.
      windowsHide: true,
    });
  } catch (error) {
    throw new Dock2nixError('E_ENGINE', `${options.what}: cannot start ${command.file} (${(error as Error).message})`);
  }
  const pid = child.pid;
  if (pid !== undefined) running.add(pid);
  const outLines = splitLines((line) => {
    if (stdout.length < MAX_STDOUT) stdout += `${line}\n`;
    remember(line, 'stdout');
  });
  const errLines = splitLines((line) => remember(line, 'stderr'));
  child.stdout?.on('data', (chunk: Buffer) => outLines.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => errLines.push(chunk));

  let cancelled = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    cancelled = true;
    if (pid === undefined) return;
    killGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), (options.graceSeconds ?? 5) * 1000);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let result;
  try {
    result = await child;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    outLines.end();
    errLines.end();
    if (pid !== undefined) {
      // Whatever the tool left running in its group (it exited, its children may not have) goes too.
      if (cancelled) killGroup(pid, 'SIGKILL');
      running.delete(pid);
    }
    if (killTimer) clearTimeout(killTimer);
  }
  if (cancelled) throw interrupted();
  const failed = result as { failed?: boolean; exitCode?: number; code?: string; originalMessage?: string; signal?: string };
  if (failed.code === 'ENOENT' || (failed.exitCode === undefined && failed.originalMessage?.includes('ENOENT'))) {
    throw new Dock2nixError('E_ENGINE', `${options.what}: ${command.file} is not installed (not found on PATH)`);
  }
  const exitCode = failed.exitCode ?? (failed.signal ? 128 : 1);
  if (exitCode !== 0 && !(options.allowExitCodes ?? []).includes(exitCode)) {
    const reason = failureLine(tail);
    const how = failed.signal ? `was killed by ${failed.signal}` : `failed (exit ${exitCode})`;
    throw new Dock2nixError('E_ENGINE', `${options.what} ${how}${reason ? `: ${reason}` : ''}`);
  }
  return { exitCode, tail, stdout };
}

export function interrupted(): Dock2nixError {
  return new Dock2nixError('E_INTERRUPTED', 'interrupted: the builds were stopped and no report was written', { exitCode: 130 });
}

/** The most telling line of a failed tool's output: its last `error:` line, else its last non-empty line. */
export function failureLine(lines: readonly string[]): string {
  const clean = lines.map((line) => line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trim()).filter((line) => line !== '');
  const error = [...clean].reverse().find((line) => /^(error|Error|ERROR|fatal|FATAL)\b[:\s]/.test(line) || /\berror:\s/.test(line));
  const chosen = error ?? clean[clean.length - 1] ?? '';
  return chosen.length > 300 ? `${chosen.slice(0, 297)}...` : chosen;
}

/** True when `file` can be started: an executable file found on PATH (or a path to one). */
export async function toolExists(file: string, pathEnv: string | undefined = process.env.PATH): Promise<boolean> {
  const { delimiter, join, isAbsolute } = await import('node:path');
  const { access, constants, stat } = await import('node:fs/promises');
  const candidates =
    isAbsolute(file) || file.includes('/')
      ? [file]
      : (pathEnv ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, file));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return true;
    } catch {
      // next
    }
  }
  return false;
}

/** Run a quick probe (`docker version`); true when it exits 0 within the time limit. Never throws. */
export async function probe(command: ToolCommand, timeoutMs: number): Promise<boolean> {
  try {
    const result = await execa(command.file, command.args, {
      env: command.env,
      stdin: 'ignore',
      reject: false,
      timeout: timeoutMs,
      stdout: 'ignore',
      stderr: 'ignore',
    });
    return result.exitCode === 0;
  } catch {
    return false;
  }
}

/** Output of a quick query (`nix-instantiate --find-file nixpkgs`), or null when it fails. Never throws. */
export async function query(command: ToolCommand, timeoutMs: number): Promise<string | null> {
  try {
    const result = await execa(command.file, command.args, { env: command.env, stdin: 'ignore', reject: false, timeout: timeoutMs, stderr: 'ignore' });
    return result.exitCode === 0 ? String(result.stdout).trim() : null;
  } catch {
    return null;
  }
}
