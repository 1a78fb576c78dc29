import type { Kysely } from 'kysely';
import type { OpenBatch, WorkerInfo } from '../job-store.ts';
import type { Database } from '../schema.ts';
import type { StoreAdapter } from '../store-adapter.ts';

/**
 * The worker registry (migration 008) and what a queue needs from the task table: the open
 * batches to enqueue, and the one conditional update that completes a job.
 */

/** Writes the worker's row (insert or replace): its start and every heartbeat. */
export async function saveWorker(db: Kysely<Database>, adapter: StoreAdapter, worker: WorkerInfo): Promise<void> {
  const row = {
    worker_id: worker.workerId,
    name: worker.name,
    host: worker.host,
    pid: worker.pid,
    lanes: worker.lanes.join(','),
    concurrency: worker.concurrency,
    current_batches: JSON.stringify(worker.currentBatches),
    started_at: worker.startedAt,
    heartbeat_at: worker.heartbeatAt,
  };
  const update = ['name', 'lanes', 'concurrency', 'current_batches', 'heartbeat_at'] as const;
  await adapter.upsert(db.insertInto('worker_registry').values(row), 'worker_registry', { keys: ['worker_id'], update: [...update] }).execute();
}

export async function removeWorker(db: Kysely<Database>, workerId: string): Promise<void> {
  await db.deleteFrom('worker_registry').where('worker_id', '=', workerId).execute();
}

/** Workers whose last heartbeat is at or after `since`, by name; rows older than `pruneBefore` are deleted first. */
export async function listWorkers(db: Kysely<Database>, since: number, pruneBefore?: number): Promise<WorkerInfo[]> {
  if (pruneBefore !== undefined) await db.deleteFrom('worker_registry').where('heartbeat_at', '<', pruneBefore).execute();
  const rows = await db.selectFrom('worker_registry').selectAll().where('heartbeat_at', '>=', since).orderBy('name').orderBy('worker_id').execute();
  return rows.map((r) => ({
    workerId: r.worker_id,
    name: r.name,
    host: r.host,
    pid: Number(r.pid),
    lanes: r.lanes.split(',').filter(Boolean),
    concurrency: Number(r.concurrency),
    currentBatches: JSON.parse(r.current_batches) as WorkerInfo['currentBatches'],
    startedAt: Number(r.started_at),
    heartbeatAt: Number(r.heartbeat_at),
  }));
}

/** Batches not done, by (priority, seq): what a queue must hold an entry for. */
export async function openBatches(db: Kysely<Database>, jobId: string): Promise<OpenBatch[]> {
  const rows = await db
    .selectFrom('batches')
    .select(['batch_id', 'lane', 'priority', 'status', 'lease_until'])
    .where('job_id', '=', jobId)
    .where('status', '!=', 'done')
    .orderBy('priority')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ batchId: r.batch_id, lane: r.lane, priority: Number(r.priority), leaseUntil: r.status === 'processing' && r.lease_until !== null ? Number(r.lease_until) : null }));
}

/**
 * `completed`, only if the job is still queued or running and no batch of it is open: one
 * conditional update, so of several workers finishing the last batches at once exactly one
 * completes the job (true), and a cancel or pause stored meanwhile is never overwritten.
 */
export async function completeJob(db: Kysely<Database>, jobId: string): Promise<boolean> {
  const now = Date.now();
  const result = await db
    .updateTable('jobs')
    .set({ status: 'completed', error_msg: null, updated_at: now, finished_at: now })
    .where('job_id', '=', jobId)
    .where('status', 'in', ['queued', 'running'])
    .where((eb) => eb.not(eb.exists(eb.selectFrom('batches').select('batches.batch_id').whereRef('batches.job_id', '=', 'jobs.job_id').where('batches.status', '!=', 'done'))))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
