import { hostname } from 'node:os';
import type { JobStore } from '../../store/job-store.ts';

/**
 * Releases at once every lease of the job held by a process on this host that no longer exists,
 * rather than waiting for the lease to run out. Worker ids are `host:pid:n` (local-dispatcher.ts);
 * a lease held on another host is left to its expiry, since its process cannot be checked from here.
 */
export async function releaseDeadLeases(store: JobStore, jobId: string): Promise<void> {
  for (const { batchId, workerId } of await store.leasedBatches(jobId)) {
    const [host, pid] = (workerId ?? '').split(':');
    if (host === hostname() && !isAlive(Number(pid))) await store.releaseBatch(jobId, batchId, workerId ?? undefined);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false; // our own old workers from an earlier run in this process are gone too
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
