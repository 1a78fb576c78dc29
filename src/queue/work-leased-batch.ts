import { setMaxListeners } from 'node:events';
import type { ClaimedBatch } from '../store/job-store.ts';
import type { DispatcherParts } from './dispatcher.ts';

/** Every back end's lease rules, around one batch already leased to `workerId`. */
export type LeaseParts = Pick<DispatcherParts, 'store' | 'handler' | 'events'> & { leaseMs: number };

/** A lease outlives two missed renewals: renewed every third of its length. */
const RENEWALS_PER_LEASE = 3;

/** Why a batch's work stopped when its lease could not be renewed. */
export class LeaseLostError extends Error {
  constructor(batchId: string) {
    super(`lease on batch ${batchId} lost (cancelled, or taken over after a missed renewal)`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Runs a leased batch through the handler. The lease is renewed while the handler works (a
 * batch may outlast one lease while calls wait on the limiter); when `signal` aborts or the
 * handler throws, the batch is handed back at once rather than making the next worker wait for
 * the lease to run out. Completed results are committed by then and are never sent again.
 *
 * A renewal that finds the lease gone (a cancel released it, or another worker took it over after
 * this one stalled) aborts the work at once: the batch is no longer ours, and going on would send
 * its texts twice. This is also how a cancel reaches a worker that missed the cancel message.
 */
export async function workLeasedBatch(parts: LeaseParts, batch: ClaimedBatch, workerId: string, signal: AbortSignal): Promise<void> {
  const { store, handler, events, leaseMs } = parts;
  const { jobId, batchId } = batch;
  events.emit('batch:claimed', { jobId, batchId, workerId, items: batch.items.length });
  const work = new AbortController();
  setMaxListeners(0, work.signal);
  const forward = () => work.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  const renewLease = async () => {
    const isHeld = await store.renewLease(jobId, batchId, workerId, leaseMs).catch(() => true);
    if (!isHeld && !work.signal.aborted) work.abort(new LeaseLostError(batchId));
  };
  const renew = setInterval(() => void renewLease(), leaseMs / RENEWALS_PER_LEASE);
  let isFailed = false;
  try {
    await handler.run(batch, workerId, work.signal);
  } catch (error) {
    isFailed = true;
    throw error;
  } finally {
    clearInterval(renew);
    signal.removeEventListener('abort', forward);
    if (work.signal.aborted || isFailed) await store.releaseBatch(jobId, batchId, workerId).catch(() => undefined);
  }
  events.emit('batch:finished', { jobId, batchId, workerId });
}
