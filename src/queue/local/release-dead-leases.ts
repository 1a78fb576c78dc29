import { hostname } from 'node:os';
import type { BatchClaims, JobReadViews } from '../../store/job-store.ts';
import { isProcessAlive } from './process-liveness.ts';
import { parseWorkerId } from './worker-id.ts';

/**
 * Releases at once every lease of the job held by a process on this host that no longer exists
 * (gone, a zombie, or its pid reused by another process), rather than waiting for the lease to run
 * out. A lease held on another host is left to its expiry, since its process cannot be checked
 * from here.
 */
export async function releaseDeadLeases(store: BatchClaims & Pick<JobReadViews, 'leasedBatches'>, jobId: string, options: { ownLeasesAreStale: boolean }): Promise<void> {
  for (const { batchId, workerId } of await store.leasedBatches(jobId)) {
    if (isHolderDead(workerId, options.ownLeasesAreStale)) await store.releaseBatch(jobId, batchId, workerId ?? undefined);
  }
}

function isHolderDead(workerId: string | null, ownLeasesAreStale: boolean): boolean {
  const holder = parseWorkerId(workerId ?? '');
  if (!holder || holder.host !== hostname()) return false;
  // The local pool's workers from an earlier run in this process are gone too: a run starts none
  // before this. Not so with a queue: this process may host queue workers (`serve --workers`)
  // holding the job's batches right now, and releasing those would send their texts twice.
  if (holder.pid === process.pid) return ownLeasesAreStale;
  return !isProcessAlive(holder.pid, holder.startTime);
}
