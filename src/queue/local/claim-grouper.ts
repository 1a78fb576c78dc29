import type { BatchClaims, ClaimedBatch } from '../../store/job-store.ts';

/**
 * Workers that ask for a batch in the same turn of the event loop are served by one claim
 * transaction: at full speed the pool's claims cost one commit per handful of batches.
 */
export class ClaimGrouper {
  readonly #store: BatchClaims;
  readonly #jobId: string;
  readonly #leaseMs: number;
  #waiting: Array<{ workerId: string; resolve: (batch: ClaimedBatch | undefined) => void; reject: (error: unknown) => void }> = [];

  constructor(store: BatchClaims, jobId: string, leaseMs: number) {
    this.#store = store;
    this.#jobId = jobId;
    this.#leaseMs = leaseMs;
  }

  claim(workerId: string): Promise<ClaimedBatch | undefined> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.push({ workerId, resolve, reject }) === 1) setImmediate(() => void this.#claimAll());
    });
  }

  async #claimAll(): Promise<void> {
    const waiting = this.#waiting;
    this.#waiting = [];
    try {
      const batches = await this.#store.claimBatches(this.#jobId, waiting.map((w) => w.workerId), this.#leaseMs);
      waiting.forEach((w, i) => w.resolve(batches[i]));
    } catch (error) {
      for (const w of waiting) w.reject(error);
    }
  }
}
