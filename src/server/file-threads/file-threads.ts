import { FanyiError } from '../../errors.ts';
import { FileThreadGate, type FileThreadGateOptions, type GateTicket } from './file-thread-gate.ts';
import { FileThreadPool, type FileThreadPoolOptions } from './file-thread-pool.ts';
import type { FileThreadRequest } from './file-thread-protocol.ts';

export type FileThreadsOptions = FileThreadGateOptions & Omit<FileThreadPoolOptions, 'keepIdle'>;

/** A request's answer and its `Server-Timing` header: how long it waited in line and ran. */
export interface ThreadRun {
  value: unknown;
  serverTiming: string;
}

/**
 * The server's work that reads a whole file (an upload's analysis, a job's planning and storing),
 * each in a worker thread off the event loop, admitted through one bounded line per server and
 * per tenant. A route takes a place ({@link enter}; 429 when the tenant's line is full), may do
 * its own quick work meanwhile, then {@link run}s.
 */
export class FileThreads {
  readonly #gate: FileThreadGate;
  readonly #pool: FileThreadPool;

  constructor(options: FileThreadsOptions) {
    this.#gate = new FileThreadGate(options);
    this.#pool = new FileThreadPool({ ...options, keepIdle: options.threads });
  }

  /** Work running and waiting now. */
  get load(): { running: number; waiting: number } {
    return this.#gate.load;
  }

  /** @throws HttpError 429 when `tenant`'s line is full now (checked before an upload's body is read). */
  assertRoom(tenant: string): void {
    this.#gate.assertRoom(tenant);
  }

  /** @throws HttpError 429 when `tenant`'s line is full. */
  enter(tenant: string): GateTicket {
    return this.#gate.enter(tenant);
  }

  /** Waits for the ticket's turn, runs the request in a thread, and gives the place back. */
  async run(ticket: GateTicket, request: FileThreadRequest): Promise<ThreadRun> {
    const queued = performance.now();
    try {
      await ticket.admitted;
      const started = performance.now();
      const value = await this.#pool.run(request);
      return { value, serverTiming: `wait;dur=${(started - queued).toFixed(1)}, ${request.kind};dur=${(performance.now() - started).toFixed(1)}` };
    } finally {
      ticket.release();
    }
  }

  /** Refuses what waits and ends every thread (what runs fails). */
  async close(): Promise<void> {
    this.#gate.close(new FanyiError('PROVIDER_UNAVAILABLE', 'the server is shutting down; send the request again once it is back'));
    await this.#pool.close();
  }
}
