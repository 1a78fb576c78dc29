import { sql, type Kysely, type Transaction } from 'kysely';
import type { CallMeta, ItemFailure, ItemResult } from '../job-store.ts';
import type { Database } from '../schema.ts';
import { OPEN_TASK_STATUSES } from '../statuses.ts';
import type { SqlType, StoreAdapter } from '../store-adapter.ts';
import { chunks } from '../sql-chunks.ts';
import { appendLog, insertCall } from './call-queries.ts';
import { markMemoryPending } from './memory-queries.ts';

/**
 * The task write path: results, failures, retries, batch completion and release, each with its
 * audit-trail row. Functions take the caller's transaction so a commit group is one transaction.
 */

/** A task's open state is `pending`: the lease lives on its batch row (see countByStatus). */

export interface PendingCommit {
  jobId: string;
  batchId: string;
  results: ItemResult[];
  meta: CallMeta;
  finish: boolean;
}

export async function applyCommit(trx: Transaction<Database>, commit: PendingCommit, adapter: StoreAdapter): Promise<void> {
  const { jobId, batchId, results, meta } = commit;
  let tasks = 0;
  for (const chunk of chunks(results, Math.floor(adapter.maxParameters / 8))) tasks += await writeResults(trx, adapter, { jobId, batchId, results: chunk, meta });
  // Translation memory is filled from the task rows in one statement later (memory-queries.ts rememberJob).
  await markMemoryPending(trx, adapter, jobId, meta.endedAt);
  const review = results.filter((r) => r.status === 'needs_review').length;
  const detail = `${tasks} tasks from ${results.length} texts${review ? ` (${review} need review)` : ''} via ${meta.endpoint ?? 'default'}`;
  await appendLog(trx, { jobId, batchId, event: 'completed', detail, workerId: meta.workerId });
  await addCall(trx, jobId, meta);
  if (commit.finish) await finishBatch(trx, jobId, batchId, false);
}

/** One statement per chunk: CASE on dedupe_key sets each text's result on every task sharing it. */
async function writeResults(trx: Transaction<Database>, adapter: StoreAdapter, commit: Omit<PendingCommit, 'finish'>): Promise<number> {
  const { jobId, batchId, results, meta } = commit;
  // A column whose value is the same for every item (a clean batch: completed, score 100, no
  // flags) is one bound value, not a CASE over the batch: that CASE was most of the update's cost.
  // A CASE's values are typed for the column: PostgreSQL would read them as text.
  const byKey = (pick: (r: ItemResult) => unknown, type: SqlType) => {
    const first = pick(results[0]);
    if (results.every((r) => pick(r) === first)) return first;
    return sql`case ${sql.ref('dedupe_key')} ${sql.join(results.map((r) => sql`when ${r.dedupeKey} then ${adapter.typed(pick(r), type)}`), sql` `)} end`;
  };
  const written = await trx
    .updateTable('tasks')
    .set({
      status: byKey((r) => r.status ?? 'completed', 'text'),
      result: byKey((r) => r.result, 'text'),
      token_count: byKey((r) => r.tokenCount, 'integer'),
      quality_score: byKey((r) => r.qualityScore ?? null, 'integer'),
      qa_flags: byKey((r) => (r.qaFlags?.length ? JSON.stringify(r.qaFlags) : null), 'text'),
      confidence: byKey((r) => r.confidence ?? null, 'real'),
      model_name: meta.model,
      worker_id: meta.workerId,
      start_time: meta.startedAt,
      end_time: meta.endedAt,
      is_persisted: 1,
      persist_time: meta.endedAt,
      duration_ms: meta.endedAt - meta.startedAt,
      lease_until: null,
      error_type: null,
      error_msg: null,
    } as never)
    .where('job_id', '=', jobId)
    .where('batch_id', '=', batchId)
    .where('dedupe_key', 'in', results.map((r) => r.dedupeKey))
    .where('status', 'in', OPEN_TASK_STATUSES)
    .executeTakeFirst();
  return Number(written.numUpdatedRows);
}

/** Answered calls count in the job's totals; every attempt goes into the call log. */
export async function addCall(trx: Kysely<Database> | Transaction<Database>, jobId: string, meta: CallMeta): Promise<void> {
  const answered = meta.outcome === undefined || meta.outcome === 'ok' || meta.outcome === 'format';
  if (answered) {
    await trx
      .updateTable('jobs')
      .set((eb) => ({
        api_calls: eb('api_calls', '+', 1),
        prompt_tokens: eb('prompt_tokens', '+', meta.promptTokens),
        completion_tokens: eb('completion_tokens', '+', meta.completionTokens),
        estimated_tokens: eb('estimated_tokens', '+', meta.tokensEstimated ? meta.promptTokens + meta.completionTokens : 0),
        updated_at: meta.endedAt,
      }))
      .where('job_id', '=', jobId)
      .execute();
  }
  await insertCall(trx, jobId, meta);
}

export async function failItems(trx: Transaction<Database>, jobId: string, batchId: string, failures: ItemFailure[], workerId: string): Promise<void> {
  const now = Date.now();
  for (const failure of failures) {
    await trx
      .updateTable('tasks')
      .set({ status: 'failed', error_type: failure.errorType, error_msg: failure.errorMsg.slice(0, 2000), end_time: now, worker_id: workerId, lease_until: null })
      .where('job_id', '=', jobId)
      .where('batch_id', '=', batchId)
      .where('dedupe_key', '=', failure.dedupeKey)
      .where('status', 'in', OPEN_TASK_STATUSES)
      .execute();
    await appendLog(trx, { jobId, batchId, event: 'failed', detail: `${failure.errorType}: ${failure.errorMsg.slice(0, 300)} (text ${failure.dedupeKey})`, workerId });
  }
}

export interface RetryRecord {
  jobId: string;
  batchId: string;
  dedupeKeys: string[];
  errorType: string;
  errorMsg: string;
}

export async function recordRetry(db: Kysely<Database>, { jobId, batchId, dedupeKeys, errorType, errorMsg }: RetryRecord, maxParameters: number): Promise<void> {
  if (!dedupeKeys.length) return;
  for (const keys of chunks(dedupeKeys, maxParameters - 10)) {
    await db
      .updateTable('tasks')
      .set((eb) => ({ retry_count: eb('retry_count', '+', 1), error_type: errorType, error_msg: errorMsg.slice(0, 2000) }))
      .where('job_id', '=', jobId)
      .where('batch_id', '=', batchId)
      .where('dedupe_key', 'in', keys)
      .where('status', 'in', OPEN_TASK_STATUSES)
      .execute();
  }
  await appendLog(db, { jobId, batchId, event: 'retry', detail: `${dedupeKeys.length} texts after ${errorType}: ${errorMsg.slice(0, 300)}` });
}

/** Done when no task is open; otherwise handed back (`releaseIfOpen`) or left with its holder. */
export async function finishBatch(trx: Transaction<Database>, jobId: string, batchId: string, releaseIfOpen: boolean, workerId?: string): Promise<void> {
  const open = await trx
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', '=', jobId)
    .where('batch_id', '=', batchId)
    .where('status', 'in', OPEN_TASK_STATUSES)
    .executeTakeFirstOrThrow();
  if (Number(open.n) === 0) {
    await trx.updateTable('batches').set({ status: 'done', lease_until: null, updated_at: Date.now() }).where('job_id', '=', jobId).where('batch_id', '=', batchId).execute();
    await appendLog(trx, { jobId, batchId, event: 'done', workerId });
  } else if (releaseIfOpen) {
    await releaseBatch(trx, jobId, batchId, workerId);
  }
}

/** With a worker id, only that worker's own lease is given back: a lease taken over stays with its new holder. */
export async function releaseBatch(trx: Transaction<Database>, jobId: string, batchId: string, workerId?: string): Promise<void> {
  let query = trx
    .updateTable('batches')
    .set({ status: 'pending', worker_id: null, lease_until: null, updated_at: Date.now() })
    .where('job_id', '=', jobId)
    .where('batch_id', '=', batchId)
    .where('status', '=', 'processing');
  if (workerId) query = query.where('worker_id', '=', workerId);
  const released = await query.executeTakeFirst();
  if (Number(released.numUpdatedRows)) await appendLog(trx, { jobId, batchId, event: 'released', workerId });
}
