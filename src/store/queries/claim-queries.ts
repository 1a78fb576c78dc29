import type { Transaction } from 'kysely';
import type { BatchRow, ClaimedBatch } from '../job-store.ts';
import type { Database } from '../schema.ts';
import { appendLog } from './call-queries.ts';
import { inRunnableGroup, isJobClaimable } from './control-queries.ts';

/** Claiming: inside the caller's transaction, so a batch is leased by exactly one worker. */

export interface ClaimRequest {
  jobId: string;
  workerIds: string[];
  leaseMs: number;
  now: number;
  /** `for update skip locked` where the dialect has it; SQLite's single writer needs none. */
  skipLocked: boolean;
}

/** Up to one batch per worker id, by (priority, seq), pending first, then batches whose lease ran out. */
export async function claimBatches(trx: Transaction<Database>, request: ClaimRequest): Promise<ClaimedBatch[]> {
  // A paused or cancelled job hands out nothing, whichever process asks.
  if (!(await isJobClaimable(trx, request.jobId))) return [];
  const batches = await nextClaimable(trx, request);
  const claimed: ClaimedBatch[] = [];
  for (const [i, batch] of batches.entries()) claimed.push(await lease(trx, batch, request.workerIds[i], request));
  return claimed;
}

/**
 * The batch `batchId` if it is claimable (pending, or its lease ran out; its job and group not
 * paused), leased to the one worker of `request`. What a queue's processor, handed a batch id,
 * calls: a batch done, or leased by a live worker, is not run twice.
 */
export async function claimBatchById(trx: Transaction<Database>, batchId: string, request: ClaimRequest): Promise<ClaimedBatch | undefined> {
  const { jobId, now, skipLocked } = request;
  if (!(await isJobClaimable(trx, jobId))) return undefined;
  const query = trx
    .selectFrom('batches')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('batch_id', '=', batchId)
    .where(inRunnableGroup)
    .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', now)])]));
  const batch = await (skipLocked ? query.forUpdate().skipLocked() : query).executeTakeFirst();
  return batch && lease(trx, batch, request.workerIds[0], request);
}

/** Leases `batch` to `workerId` until `now + leaseMs` and reads its open items. */
async function lease(trx: Transaction<Database>, batch: BatchRow, workerId: string, { leaseMs, now }: ClaimRequest): Promise<ClaimedBatch> {
  await trx
    .updateTable('batches')
    .set({ status: 'processing', worker_id: workerId, lease_until: now + leaseMs, attempts: batch.attempts + 1, updated_at: now })
    .where('job_id', '=', batch.job_id)
    .where('batch_id', '=', batch.batch_id)
    .execute();
  const claimed = await claimedItems(trx, batch);
  await appendLog(trx, { jobId: batch.job_id, batchId: batch.batch_id, event: 'claimed', detail: `${claimed.items.length} texts, attempt ${batch.attempts + 1}`, workerId });
  return claimed;
}

/** One item per dedupe key: duplicates (same text, language and meaning-bearing context, under other keys or sheets) are sent once and their result fanned out on commit. */
async function claimedItems(trx: Transaction<Database>, batch: BatchRow): Promise<ClaimedBatch> {
  const rows = await trx
    .selectFrom('tasks')
    .select(['dedupe_key', 'source_text', 'source_context', 'source_lang', 'retry_count'])
    .where('job_id', '=', batch.job_id)
    .where('batch_id', '=', batch.batch_id)
    .where('status', '=', 'pending')
    .execute();
  // Deduplicated here rather than with GROUP BY: a temp b-tree per claim cost more than this loop.
  const byKey = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const seen = byKey.get(row.dedupe_key);
    if (!seen || row.retry_count > seen.retry_count) byKey.set(row.dedupe_key, row);
  }
  const items = [...byKey.values()];
  return {
    jobId: batch.job_id,
    batchId: batch.batch_id,
    groupId: batch.group_id,
    lane: batch.lane,
    targetLang: batch.target_lang,
    sourceLang: items[0]?.source_lang ?? '',
    attempts: batch.attempts + 1,
    items: items.map((row) => ({ dedupeKey: row.dedupe_key, sourceText: row.source_text, sourceContext: row.source_context, retryCount: Number(row.retry_count ?? 0) })),
  };
}

async function nextClaimable(trx: Transaction<Database>, { jobId, now, workerIds, skipLocked }: ClaimRequest): Promise<BatchRow[]> {
  const limit = workerIds.length;
  const locked = <Q extends { forUpdate(): Q; skipLocked(): Q }>(query: Q): Q => (skipLocked ? query.forUpdate().skipLocked() : query);
  const base = trx.selectFrom('batches').selectAll().where('job_id', '=', jobId).where(inRunnableGroup).orderBy('priority').orderBy('seq').limit(limit);
  const pending = await locked(base.where('status', '=', 'pending')).execute();
  if (pending.length === limit) return pending;
  // A worker that died leaves its lease to run out; then anyone may take the batch over.
  const expired = await locked(base.where('status', '=', 'processing').where('lease_until', '<', now).limit(limit - pending.length)).execute();
  return pending.concat(expired);
}
