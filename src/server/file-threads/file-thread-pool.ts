import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FanyiError } from '../../errors.ts';
import { fromWire, isErrorCode, type FileThreadReply, type FileThreadRequest, type FileThreadSetup } from './file-thread-protocol.ts';

export interface FileThreadPoolOptions {
  setup: FileThreadSetup;
  /** Each thread's heap limit in MB (`resourceLimits.maxOldGenerationSizeMb`): `system.max_memory_usage`. */
  maxMemoryMb: number;
  /** Idle threads kept for the next request: bundled, a 3-row upload took 424 ms on a new thread, 27 ms on a warm one. */
  keepIdle: number;
}

/** A thread left holding more heap than this after a request ends instead of waiting, so its memory goes back at once. */
const RETIRE_HEAP_BYTES = 64 * 1024 * 1024;
/** An idle thread ends after this long without work. */
const IDLE_MS = 30_000;
/** How long a thread asked to close may take (closing its store connection) before it is terminated. */
const CLOSE_MS = 5_000;

/**
 * The file threads: one request at a time each, started on demand, reused while idle. How many
 * run at once is the gate's business (file-thread-gate.ts), not the pool's. A thread that crashes
 * (out of its heap, an error nobody caught) fails only its own request and is not reused.
 */
export class FileThreadPool {
  readonly #o: FileThreadPoolOptions;
  readonly #idle: FileThread[] = [];
  readonly #all = new Set<FileThread>();
  #isClosed = false;

  constructor(options: FileThreadPoolOptions) {
    this.#o = options;
  }

  /** Runs the request in an idle thread or a new one; its answer, or its error as the server's own. */
  async run(request: FileThreadRequest): Promise<unknown> {
    if (this.#isClosed) throw new FanyiError('PROVIDER_UNAVAILABLE', 'the server is shutting down; send the request again once it is back');
    const thread = this.#idle.pop() ?? this.#start();
    let reply: FileThreadReply;
    try {
      reply = await thread.run(request);
    } catch (crash) {
      this.#all.delete(thread);
      throw crashError(crash, request, this.#o.maxMemoryMb);
    }
    this.#park(thread, reply.heapBytes);
    if (!reply.ok) throw fromWire(reply.error);
    return reply.value;
  }

  /** Ends every thread; requests under way fail. */
  async close(): Promise<void> {
    this.#isClosed = true;
    this.#idle.length = 0;
    await Promise.all([...this.#all].map((thread) => thread.close()));
    this.#all.clear();
  }

  #start(): FileThread {
    const thread = new FileThread(this.#o, {
      onIdleTimeout: () => void this.#retire(thread),
      onExit: () => this.#forget(thread),
    });
    this.#all.add(thread);
    return thread;
  }

  #park(thread: FileThread, heapBytes: number): void {
    if (this.#isClosed || heapBytes > RETIRE_HEAP_BYTES || this.#idle.length >= this.#o.keepIdle) return void this.#retire(thread);
    this.#idle.push(thread);
    thread.sleep(IDLE_MS);
  }

  async #retire(thread: FileThread): Promise<void> {
    this.#forget(thread);
    await thread.close();
  }

  #forget(thread: FileThread): void {
    this.#all.delete(thread);
    const at = this.#idle.indexOf(thread);
    if (at >= 0) this.#idle.splice(at, 1);
  }
}

interface Pending {
  resolve: (reply: FileThreadReply) => void;
  reject: (error: unknown) => void;
}

/** One worker thread and the request it is working on. */
class FileThread {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  readonly #onIdleTimeout: () => void;
  #pending?: Pending;
  #idleTimer?: NodeJS.Timeout;

  constructor(options: FileThreadPoolOptions, events: { onIdleTimeout: () => void; onExit: () => void }) {
    this.#onIdleTimeout = events.onIdleTimeout;
    this.#worker = startWorker(options);
    this.#worker.on('message', (reply: FileThreadReply) => this.#settle((p) => p.resolve(reply)));
    // An uncaught error or a heap over its limit: 'error', then 'exit'.
    this.#worker.on('error', (error) => this.#settle((p) => p.reject(error)));
    this.#exited = new Promise((resolve) => {
      this.#worker.on('exit', (code) => {
        clearTimeout(this.#idleTimer);
        this.#settle((p) => p.reject(new Error(`file thread exited with code ${code}`)));
        events.onExit();
        resolve();
      });
    });
  }

  run(request: FileThreadRequest): Promise<FileThreadReply> {
    clearTimeout(this.#idleTimer);
    // Busy, the thread keeps the process alive; idle, it does not (see sleep).
    this.#worker.ref();
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(request);
    });
  }

  sleep(ms: number): void {
    this.#worker.unref();
    this.#idleTimer = setTimeout(this.#onIdleTimeout, ms);
    this.#idleTimer.unref();
  }

  /**
   * An idle thread is asked to close its store connection and end (terminated if it takes too
   * long); a busy one is terminated at once, its request failed: a job it was storing is rolled
   * back with its transaction and stays `analyzing`.
   */
  async close(): Promise<void> {
    clearTimeout(this.#idleTimer);
    if (this.#pending) {
      this.#settle((p) => p.reject(new FanyiError('PROVIDER_UNAVAILABLE', 'the server is shutting down; send the request again once it is back')));
      await this.#worker.terminate();
      return this.#exited;
    }
    this.#worker.postMessage({ kind: 'close' });
    const timer = setTimeout(() => void this.#worker.terminate(), CLOSE_MS);
    await this.#exited;
    clearTimeout(timer);
  }

  #settle(how: (pending: Pending) => void): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) how(pending);
  }
}

/**
 * From the bundle (dist/), the thread is dist/file-thread.js beside this code's chunk. From the
 * sources (bin/fanyi.js without a fresh bundle, tests), tsx's loader hooks belong to the thread
 * that registered them, so the thread registers them itself before importing the TypeScript entry.
 */
function startWorker({ setup, maxMemoryMb }: FileThreadPoolOptions): Worker {
  const options = { workerData: cloneable(setup), resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb } };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./file-thread.js', import.meta.url), options);
  const entry = new URL('./file-thread.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { ...options, eval: true });
}

/** process.env is no plain object: the keys' environment goes as a copy. */
function cloneable(setup: FileThreadSetup): FileThreadSetup {
  const { loaded } = setup.engine;
  return { engine: { ...setup.engine, loaded: { ...loaded, keys: { ...loaded.keys, env: { ...loaded.keys.env } } } } };
}

/**
 * A crashed thread's error as the server answers it: out of its heap, the file was too big for
 * `system.max_memory_usage` (413, as a file refused up front); a FanyiError thrown where nothing
 * caught it keeps its code; anything else is internal (500, logged).
 */
function crashError(crash: unknown, request: FileThreadRequest, maxMemoryMb: number): unknown {
  const code = (crash as { code?: unknown } | undefined)?.code;
  const what = request.kind === 'analyse' ? `reading ${path.basename(request.file)}` : `preparing job ${request.jobId}`;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new FanyiError('FILE_TOO_LARGE', `${what} needed more than the ${maxMemoryMb} MB of system.max_memory_usage; split the workbook or raise system.max_memory_usage`);
  }
  if (isErrorCode(code)) return new FanyiError(code, (crash as Error).message);
  return crash;
}
