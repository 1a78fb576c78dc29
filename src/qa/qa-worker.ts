/**
 * The QA worker thread (see qa-workers.ts): runs checkTranslation on each message's inputs and
 * answers with the results under the message's id. Nothing else lives here: the checks are pure.
 */
import { parentPort } from 'node:worker_threads';
import { checkTranslation, type QaInput } from './check-translation.ts';

parentPort?.on('message', ({ id, inputs }: { id: number; inputs: QaInput[] }) => {
  try {
    parentPort!.postMessage({ id, results: inputs.map(checkTranslation) });
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
