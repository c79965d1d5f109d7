/**
 * Converting many Dockerfiles on several cores. Conversion is synchronous CPU work (parsing the Dockerfile and
 * its RUN scripts, and planning; slower until the JIT has warmed up), so a batch is shared between the
 * main thread and worker threads, each taking the next Dockerfile when it is free. A worker costs about a
 * module load, so workers are started only for batches big enough to pay for them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Answers } from '../../convert/answers.js';
import type { MigrationPlan } from '../../convert/types.js';
import type { ConvertCommandOptions } from './convert.js';

/** The result of one Dockerfile of a batch. */
export type BatchOutcome = { ok: true; plan: MigrationPlan; written: string[] } | { ok: false; error: string };

export interface BatchJob {
  dockerfile: string;
  output: string;
}

export type BatchOptions = Omit<ConvertCommandOptions, 'dockerfile' | 'output'>;

/** Below this many Dockerfiles per thread, starting a worker costs more than it saves. */
export const FILES_PER_THREAD = 8;

/**
 * --jobs when not given: one fewer than the cores. V8 compiles and collects garbage on threads of its own, so a
 * conversion thread per core leaves them none (measured in docs/benchmarks.md).
 */
export function defaultJobs(cores = availableParallelism()): number {
  return Math.max(1, cores - 1);
}

/** How many threads (the main one included) a batch of `files` gets with `--jobs jobs`. */
export function threadCount(files: number, jobs: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(jobs, cores, Math.floor(files / FILES_PER_THREAD)));
}

/** What a worker sends back. A `crash` is a bug (not bad input): the main thread rethrows it. */
export type WorkerReply = { index: number; outcome: BatchOutcome } | { index: number; crash: { message: string; stack?: string } };

/** What the main thread sends a worker: the next job, or null when there is none. */
export type WorkerRequest = { index: number; job: BatchJob } | null;

export interface WorkerSetup {
  options: BatchOptions;
  answers: Answers | null;
}

/**
 * Run `convertOne` on every job with `threads` threads; results come back in job order. `convertOne` is the
 * main thread's own; workers load theirs from convert-worker.js.
 */
export async function convertBatch(
  jobs: BatchJob[],
  setup: WorkerSetup,
  threads: number,
  convertHere: (job: BatchJob) => Promise<BatchOutcome>,
): Promise<BatchOutcome[]> {
  const results: BatchOutcome[] = new Array(jobs.length);
  let next = 0;
  const take = (): number | null => (next < jobs.length ? next++ : null);

  const workers: Worker[] = [];
  const workerRuns: Promise<void>[] = [];
  /** The first failure of a worker (a bug, never bad input: that comes back as an outcome). */
  let failure: unknown = null;
  let stopping = false;
  for (let i = 1; i < threads; i++) {
    const worker = new Worker(new URL('./convert-worker.js', import.meta.url), { workerData: setup });
    workers.push(worker);
    // Settles, never rejects: a failure is kept and thrown once every thread has stopped.
    workerRuns.push(
      new Promise<void>((resolve) => {
        const fail = (error: unknown): void => {
          failure ??= error;
          resolve();
        };
        const send = (): void => {
          const index = failure === null ? take() : null;
          const request: WorkerRequest = index === null ? null : { index, job: jobs[index]! };
          // After the last job the worker ends of itself (its exit handlers write its cache files); 'exit' settles this run.
          worker.postMessage(request);
        };
        worker.on('message', (reply: WorkerReply | 'ready') => {
          if (reply === 'ready') return send();
          if ('crash' in reply) {
            const error = new Error(reply.crash.message);
            if (reply.crash.stack) error.stack = reply.crash.stack;
            return fail(error);
          }
          results[reply.index] = reply.outcome;
          send();
        });
        worker.on('error', fail);
        worker.on('exit', (code) => (code === 0 || stopping ? resolve() : fail(new Error(`a conversion worker stopped with exit code ${code}`))));
      }),
    );
  }
  try {
    // The main thread works too; it yields between Dockerfiles (the writes are asynchronous), so workers get their next job.
    for (let index = take(); index !== null && failure === null; index = take()) results[index] = await convertHere(jobs[index]!);
    await Promise.all(workerRuns);
  } finally {
    stopping = true;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  if (failure !== null) throw failure;
  return results;
}
