/** One run of a job in this process, as its registry hands it to the engine. */
export interface LocalRun {
  /** Aborts when the caller's signal does, or when the registry aborts the run (cancel). */
  readonly signal: AbortSignal;
  /** The job's `running` status is stored: a pause or cancel may now be written over it. */
  markStarted(): void;
  /** The run is over (its batches handed back or done). */
  close(): void;
}

interface Entry {
  controller: AbortController;
  started: Promise<void>;
  closed: Promise<void>;
}

/**
 * The jobs this process is running, so a pause or cancel can reach a run's in-flight calls: the
 * store stops claims in every process, but only the process holding a call can abort it.
 */
export class RunRegistry {
  readonly #runs = new Map<string, Entry>();

  /** Registers a run; call it before the run's first await, so a pause can never slip in before it. */
  open(jobId: string, callerSignal: AbortSignal): LocalRun {
    const controller = new AbortController();
    const forward = () => controller.abort(callerSignal.reason);
    if (callerSignal.aborted) forward();
    else callerSignal.addEventListener('abort', forward, { once: true });
    const started = deferred();
    const closed = deferred();
    const entry: Entry = { controller, started: started.promise, closed: closed.promise };
    this.#runs.set(jobId, entry);
    return {
      signal: controller.signal,
      markStarted: started.resolve,
      close: () => {
        callerSignal.removeEventListener('abort', forward);
        if (this.#runs.get(jobId) === entry) this.#runs.delete(jobId);
        started.resolve();
        closed.resolve();
      },
    };
  }

  has(jobId: string): boolean {
    return this.#runs.has(jobId);
  }

  /**
   * Resolves once a run of the job in this process has stored its `running` status (at once when
   * there is none): a pause written before that would be overwritten by it.
   */
  async whenStarted(jobId: string): Promise<void> {
    await this.#runs.get(jobId)?.started;
  }

  /** Aborts the job's run in this process (its in-flight calls too) and waits until it is over. */
  async abort(jobId: string, reason: Error): Promise<void> {
    const entry = this.#runs.get(jobId);
    if (!entry) return;
    entry.controller.abort(reason);
    await entry.closed;
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
