/**
 * Hands a job's batches to workers until none is left open. `local` runs an in-process pool over
 * the store; `bullmq` (later) spreads the same batches over many machines.
 */
export interface Dispatcher {
  /** Resolves when every batch of the job is done, or when `signal` aborts (claimed batches are released). */
  run(jobId: string, signal: AbortSignal): Promise<void>;
}
