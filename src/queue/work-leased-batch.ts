import type { ClaimedBatch } from '../store/job-store.ts';
import type { DispatcherParts } from './dispatcher.ts';

/** Every back end's lease rules, around one batch already leased to `workerId`. */
export type LeaseParts = Pick<DispatcherParts, 'store' | 'handler' | 'events'> & { leaseMs: number };

/** A lease outlives two missed renewals: renewed every third of its length. */
const RENEWALS_PER_LEASE = 3;

/**
 * Runs a leased batch through the handler. The lease is renewed while the handler works (a
 * batch may outlast one lease while calls wait on the limiter); when `signal` aborts or the
 * handler throws, the batch is handed back at once rather than making the next worker wait for
 * the lease to run out. Completed results are committed by then and are never sent again.
 */
export async function workLeasedBatch(parts: LeaseParts, batch: ClaimedBatch, workerId: string, signal: AbortSignal): Promise<void> {
  const { store, handler, events, leaseMs } = parts;
  const { jobId, batchId } = batch;
  events.emit('batch:claimed', { jobId, batchId, workerId, items: batch.items.length });
  const renew = setInterval(() => void store.renewLease(jobId, batchId, workerId, leaseMs).catch(() => undefined), leaseMs / RENEWALS_PER_LEASE);
  let isFailed = false;
  try {
    await handler.run(batch, workerId, signal);
  } catch (error) {
    isFailed = true;
    throw error;
  } finally {
    clearInterval(renew);
    if (signal.aborted || isFailed) await store.releaseBatch(jobId, batchId, workerId).catch(() => undefined);
  }
  events.emit('batch:finished', { jobId, batchId, workerId });
}
