/** A worker thread of a batch conversion (see convert-pool.ts): converts the Dockerfiles the main thread hands it. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadShellReader } from '../../io/shell-reader.js';
import { convertJob } from './convert.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './convert-pool.js';

const port = parentPort;
if (!port) throw new Error('convert-worker.js runs only as a worker thread');
const { options, answers } = workerData as WorkerSetup;

port.on('message', (request: WorkerRequest) => {
  if (request === null) {
    port.close();
    return;
  }
  convertJob(options, request.job, answers).then(
    (outcome) => port.postMessage({ index: request.index, outcome } satisfies WorkerReply),
    // Bad input came back as an outcome: what is thrown is a bug, rethrown by the main thread.
    (error: unknown) =>
      port.postMessage({
        index: request.index,
        crash: { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined },
      } satisfies WorkerReply),
  );
});
void loadShellReader(); // the grammar loads while the first job is on its way
port.postMessage('ready');
