/** How often a waiter looks again: the limit may rise without anyone leaving (adaptive control). */
const RECHECK_MS = 250;

/**
 * Lets at most `limit()` batches be worked on at once, the limit read anew at every turn: a queue
 * worker takes as many entries as its `--concurrency`, and adaptive control decides how many of
 * them may run (DispatcherParts.activeWorkers). The others wait here, before their claim, holding
 * their queue entry.
 */
export class WorkGate {
  readonly #limit: () => number;
  #inside = 0;
  readonly #waiters = new Set<() => void>();

  constructor(limit: () => number) {
    this.#limit = limit;
  }

  /** Resolves true once inside; false when `signal` aborted first. */
  async enter(signal: AbortSignal): Promise<boolean> {
    while (this.#inside >= Math.max(1, this.#limit())) {
      if (signal.aborted) return false;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', wake);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, RECHECK_MS);
        signal.addEventListener('abort', wake, { once: true });
        this.#waiters.add(wake);
      });
    }
    if (signal.aborted) return false;
    this.#inside++;
    return true;
  }

  leave(): void {
    this.#inside--;
    const [first] = this.#waiters;
    first?.();
  }
}
