import { HttpError } from '../http-error.ts';

export interface FileThreadGateOptions {
  /** Work admitted at once on this server (`server.file_threads`, default 2). */
  threads: number;
  /** Of which at once per tenant (`server.file_threads_per_tenant`, default 1). */
  perTenant: number;
  /** A tenant's work waiting in line past which the next is refused (`server.file_queue_per_tenant`, default 4). */
  queuePerTenant: number;
}

/** A place in line: `admitted` resolves when the work may run; `release` frees the place, run or not (twice is harmless). */
export interface GateTicket {
  readonly admitted: Promise<void>;
  release(): void;
}

interface Waiter {
  tenant: string;
  admit: () => void;
  refuse: (error: Error) => void;
}

/** Seconds a refused client is told to wait: a big upload takes seconds to a minute to read. */
const RETRY_AFTER_S = 5;

/**
 * Admission to the file threads: at most `threads` at once on the server and `perTenant` per
 * tenant; the rest wait in one first-come line. When a place frees, the earliest waiter whose
 * tenant is under its own bound goes next, so a tenant with several uploads waiting never holds
 * up another tenant's first (every waiter left in line is blocked by one of the two bounds).
 */
export class FileThreadGate {
  readonly #o: FileThreadGateOptions;
  readonly #running = new Map<string, number>();
  #total = 0;
  readonly #line: Waiter[] = [];

  constructor(options: FileThreadGateOptions) {
    this.#o = options;
  }

  /** Work running and waiting now, for the log and tests. */
  get load(): { running: number; waiting: number } {
    return { running: this.#total, waiting: this.#line.length };
  }

  /**
   * Throws what {@link enter} would if the tenant's line is full now: checked before an upload's
   * body is read, so a refused client does not send its whole file first.
   */
  assertRoom(tenant: string): void {
    if (!this.#canRun(tenant) && this.#waiting(tenant) >= this.#o.queuePerTenant) throw this.#lineFull(tenant);
  }

  /**
   * Takes `tenant`'s place: admitted at once when both bounds allow it, else in line.
   * @throws HttpError 429 `RATE_LIMITED` (with `Retry-After`) when the tenant already has
   *   `queuePerTenant` waiting.
   */
  enter(tenant: string): GateTicket {
    this.assertRoom(tenant);
    let state: 'waiting' | 'running' | 'released' = 'waiting';
    let admit!: () => void;
    let refuse!: (error: Error) => void;
    const admitted = new Promise<void>((resolve, reject) => {
      admit = resolve;
      refuse = reject;
    });
    // Refused while its holder awaits something else (storing the job): not an unhandled rejection.
    admitted.catch(() => undefined);
    const waiter: Waiter = {
      tenant,
      admit: () => {
        state = 'running';
        this.#count(tenant, +1);
        admit();
      },
      refuse: (error) => {
        state = 'released';
        refuse(error);
      },
    };
    if (this.#canRun(tenant)) waiter.admit();
    else this.#line.push(waiter);
    const release = () => {
      if (state === 'running') this.#count(tenant, -1);
      else if (state === 'waiting') this.#line.splice(this.#line.indexOf(waiter), 1);
      state = 'released';
      this.#drain();
    };
    return { admitted, release };
  }

  /** Refuses everyone waiting (the server is shutting down); work already running finishes or is ended by its thread's close. */
  close(error: Error): void {
    for (const waiter of this.#line.splice(0)) waiter.refuse(error);
  }

  #canRun(tenant: string): boolean {
    return this.#total < this.#o.threads && (this.#running.get(tenant) ?? 0) < this.#o.perTenant;
  }

  #waiting(tenant: string): number {
    return this.#line.filter((w) => w.tenant === tenant).length;
  }

  #count(tenant: string, delta: number): void {
    this.#total += delta;
    const now = (this.#running.get(tenant) ?? 0) + delta;
    if (now) this.#running.set(tenant, now);
    else this.#running.delete(tenant);
  }

  /** Admits, in line order, every waiter the bounds now allow. */
  #drain(): void {
    for (let i = 0; i < this.#line.length && this.#total < this.#o.threads; ) {
      const waiter = this.#line[i];
      if (!this.#canRun(waiter.tenant)) {
        i++;
        continue;
      }
      this.#line.splice(i, 1);
      waiter.admit();
    }
  }

  #lineFull(tenant: string): HttpError {
    const limit = this.#o.queuePerTenant;
    return new HttpError(
      429,
      'RATE_LIMITED',
      `tenant ${tenant} already has ${limit} upload${limit === 1 ? '' : 's'} or job start${limit === 1 ? '' : 's'} waiting for a file thread (server.file_queue_per_tenant: ${limit}); retry in ${RETRY_AFTER_S}s or once one has answered`,
      { 'retry-after': String(RETRY_AFTER_S) },
    );
  }
}
