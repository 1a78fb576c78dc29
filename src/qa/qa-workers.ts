/**
 * checkTranslation for a whole reply at once, on a worker thread when the machine has a core to
 * spare. The checks are a tenth of a fast run's main-thread time (bench:pipeline), and the main
 * thread is the one that also parses replies and writes SQLite; on a second core they overlap
 * with both. Small sets are checked inline (a round trip costs more than they do), and a worker
 * that cannot start or dies hands its work back to the main thread: QA never fails a batch.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkTranslation, type QaInput, type QaResult } from './check-translation.ts';

/** Below this many texts a reply is checked inline. */
const MIN_OFFLOAD = 16;

interface Pending {
  inputs: QaInput[];
  resolve: (results: QaResult[]) => void;
  reject: (error: unknown) => void;
}

/** Checks a request on this thread: after a worker error, or for a worker that is gone. */
function checkHere({ inputs, resolve, reject }: Pending): void {
  try {
    resolve(inputs.map(checkTranslation));
  } catch (error) {
    reject(error);
  }
}

/**
 * Starts the worker thread. The bundle ships qa-worker.js beside its chunks. From source the
 * worker is qa-worker.ts, loaded through tsx's API: a worker does not get the `--import tsx`
 * hooks for its own entry module.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./qa-worker.js', import.meta.url));
  const [api, entry] = [import.meta.resolve('tsx/esm/api'), new URL('./qa-worker.ts', import.meta.url).href];
  return new Worker(`import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}

/**
 * One worker thread, started on first use. While requests are out it keeps the process alive
 * (the caller awaits them); idle, it does not.
 */
export class QaWorkerPool {
  #worker?: Worker;
  #broken = false;
  #nextId = 0;
  readonly #pending = new Map<number, Pending>();

  constructor(private readonly start: () => Worker = startWorker) {}

  /** True once the worker failed: everything runs inline from then on. */
  get broken(): boolean {
    return this.#broken;
  }

  check(inputs: QaInput[]): Promise<QaResult[]> {
    const worker = this.#broken ? undefined : this.#start();
    if (!worker) return Promise.resolve(inputs.map(checkTranslation));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { inputs, resolve, reject });
      if (this.#pending.size === 1) worker.ref();
      worker.postMessage({ id, inputs });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#broken = true;
    this.#failPending();
    await worker?.terminate();
  }

  #start(): Worker | undefined {
    if (this.#worker) return this.#worker;
    try {
      const worker = this.start();
      worker.unref();
      worker.on('message', (message: { id: number; results?: QaResult[]; error?: string }) => this.#answer(message));
      worker.on('error', () => this.#fail());
      worker.on('exit', () => this.#fail());
      this.#worker = worker;
      return worker;
    } catch {
      this.#broken = true;
      return undefined;
    }
  }

  #answer({ id, results, error }: { id: number; results?: QaResult[]; error?: string }): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (!this.#pending.size) this.#worker?.unref();
    // A check that threw in the worker throws the same way here, where the caller sees it.
    if (results && error === undefined) pending.resolve(results);
    else checkHere(pending);
  }

  /** The worker is gone: its open requests are checked here, and later ones too. */
  #fail(): void {
    this.#broken = true;
    this.#worker = undefined;
    this.#failPending();
  }

  #failPending(): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    pending.forEach(checkHere);
  }
}

const sharedPool = availableParallelism() > 1 ? new QaWorkerPool() : undefined;

/** checkTranslation for each input, in order; off the main thread when that pays. */
export function checkAll(inputs: QaInput[]): Promise<QaResult[]> {
  if (!sharedPool || inputs.length < MIN_OFFLOAD) return Promise.resolve(inputs.map(checkTranslation));
  return sharedPool.check(inputs);
}
