/**
 * A file thread's entry (node:worker_threads; bundled as dist/file-thread.js by scripts/build.mjs).
 * It does the server's work that reads a whole file, off the event loop that answers polls:
 * reading and planning an upload (the streaming reader), and planning and storing a job through
 * its own engine and store connection (better-sqlite3 is synchronous: storing a 100,000-row job on
 * the event loop held it for tens of seconds), and a map job's report (every result read and a
 * workbook written). One request at a time; the pool sends the next
 * only after the reply.
 */
import v8 from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { Engine } from '../../engine.ts';
import { createEmbeddedEngine } from '../../presets.ts';
import { analyseFile } from '../../tasks/analyse-file.ts';
import { analysisView, mapStartedView, startedView } from '../analysis-view.ts';
import { toWire, type FileThreadReply, type FileThreadRequest, type FileThreadSetup } from './file-thread-protocol.ts';

const setup = workerData as FileThreadSetup;
const port = parentPort!;
/** Opened at the first job, kept for the thread's life: migrations are checked once, not per job. */
let engine: Promise<Engine> | undefined;

port.on('message', (message: FileThreadRequest | { kind: 'close' }) => {
  if (message.kind === 'close') void close();
  else void answer(message);
});

async function answer(request: FileThreadRequest): Promise<void> {
  const outcome = await work(request).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: toWire(error) }),
  );
  const reply: FileThreadReply = { ...outcome, heapBytes: v8.getHeapStatistics().used_heap_size };
  port.postMessage(reply);
}

async function work(request: FileThreadRequest): Promise<unknown> {
  const { config } = setup.engine.loaded;
  if (request.kind === 'analyse') {
    const { document, prepared } = await analyseFile({ file: request.file }, config);
    return analysisView(document, prepared, config);
  }
  const engine = await openEngine();
  if (request.kind === 'report') return engine.reports.make(request.jobId, { by: request.by });
  if ((await engine.store.getJob(request.jobId))?.kind === 'map') {
    const plan = await engine.prepareMapJob(request.jobId);
    return plan ? mapStartedView(plan) : null;
  }
  const prepared = await engine.prepareJob(request.jobId);
  return prepared ? startedView(prepared, config) : null;
}

function openEngine(): Promise<Engine> {
  // A store that did not answer is tried again by the next job, not remembered as down.
  engine ??= createEmbeddedEngine(setup.engine).catch((error: unknown) => {
    engine = undefined;
    throw error;
  });
  return engine;
}

/** Closes the store connection, then lets the thread end (the port was what kept it alive). */
async function close(): Promise<void> {
  const opened = await engine?.catch(() => undefined);
  await opened?.close().catch(() => undefined);
  port.close();
}
