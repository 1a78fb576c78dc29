import type { JobStore, WorkerInfo } from '../store/job-store.ts';
import { DEFAULT_LANE, INGESTION_LANE, laneOf } from './queue-lanes.ts';

/** A worker writes its registry row this often (seed 001: heartbeat every 10 s). */
export const HEARTBEAT_MS = 10_000;
/** A worker not heard from for three heartbeats is offline (dead, or cut off). */
export const WORKER_STALE_MS = 3 * HEARTBEAT_MS;
/** Rows of workers offline this long are deleted when the registry is read. */
const PRUNE_AFTER_MS = 10 * 60_000;

/** Workers online now (heard from within {@link WORKER_STALE_MS}); long-dead rows are pruned. */
export function onlineWorkers(store: JobStore, now = Date.now()): Promise<WorkerInfo[]> {
  return store.listWorkers(now - WORKER_STALE_MS, now - PRUNE_AFTER_MS);
}

/** True when some online worker listens to `lane`. */
export async function hasWorkerFor(store: JobStore, lane: string): Promise<boolean> {
  return (await onlineWorkers(store)).some((w) => w.lanes.includes(lane));
}

/**
 * The lanes worth a queue depth (`fanyi status`, `/metrics`): those an online worker listens to
 * or an unfinished job runs on, and always `translation` and `ingestion` (those two first, the
 * rest by name). A lane nobody uses has no entries; one a job uses but no worker serves shows its
 * waiting entries.
 */
export async function lanesInUse(store: JobStore): Promise<string[]> {
  const others = new Set<string>();
  for (const w of await onlineWorkers(store)) for (const lane of w.lanes) others.add(lane);
  for (const job of await store.listJobs({ active: true })) others.add(laneOf(job));
  others.delete(DEFAULT_LANE);
  others.delete(INGESTION_LANE);
  return [DEFAULT_LANE, INGESTION_LANE, ...[...others].sort()];
}

/**
 * Keeps one worker's registry row fresh: written at start, every {@link HEARTBEAT_MS} with the
 * batches it holds, and deleted at a clean stop. A failed write (the database restarting) is
 * retried at the next beat; it never stops the worker.
 */
export class WorkerHeartbeat {
  readonly #store: JobStore;
  readonly #info: Omit<WorkerInfo, 'heartbeatAt' | 'currentBatches'>;
  readonly #current: () => WorkerInfo['currentBatches'];
  #timer?: NodeJS.Timeout;

  constructor(store: JobStore, info: Omit<WorkerInfo, 'heartbeatAt' | 'currentBatches'>, current: () => WorkerInfo['currentBatches']) {
    this.#store = store;
    this.#info = info;
    this.#current = current;
  }

  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => void this.beat().catch(() => undefined), HEARTBEAT_MS);
    this.#timer.unref();
  }

  beat(): Promise<void> {
    return this.#store.saveWorker({ ...this.#info, currentBatches: this.#current(), heartbeatAt: Date.now() });
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#store.removeWorker(this.#info.workerId).catch(() => undefined);
  }
}
