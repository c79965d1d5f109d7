/** A worker thread of a batch conversion (see convert-pool.ts): converts the Dockerfiles the main thread hands it. */
import { parentPort, workerData } from 'node:worker_threads';
import { Dock2nixError } from '../../errors.js';
import { convertOne } from './convert.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './convert-pool.js';

const port = parentPort;
if (!port) throw new Error('convert-worker.js runs only as a worker thread');
const { options, answers } = workerData as WorkerSetup;

port.on('message', (request: WorkerRequest) => {
  if (request === null) {
    port.close();
    return;
  }
  convertOne({ ...options, ...request.job }, answers).then(
    ({ plan, written }) => port.postMessage({ index: request.index, outcome: { ok: true, plan, written } } satisfies WorkerReply),
    (error: unknown) => {
      const reply: WorkerReply =
        error instanceof Dock2nixError
          ? { index: request.index, outcome: { ok: false, error: error.oneLine() } }
          : { index: request.index, crash: { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined } };
      port.postMessage(reply);
    },
  );
});
port.postMessage('ready');
