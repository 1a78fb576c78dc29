import type { Kysely, Transaction } from 'kysely';
import type { CallMeta, EndpointStats, JobEvent } from '../job-store.ts';
import type { Database } from '../schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The audit trail (task_logs), calls and job events: appended as work happens, read by `status` and the API. */

export interface LogEntry {
  jobId: string;
  batchId?: string | null;
  taskId?: string | null;
  /** `claimed`, `completed`, `retry`, `failed`, `done`, `released`, `requeued`… */
  event: string;
  detail?: string | null;
  workerId?: string | null;
}

/**
 * One row per state change of a batch's tasks (seed 001 audit trail). Tasks change state together
 * per call, so a row names the batch and the count rather than repeating itself per task.
 */
export async function appendLog(db: Db, entry: LogEntry): Promise<void> {
  await db
    .insertInto('task_logs')
    .values({ job_id: entry.jobId, batch_id: entry.batchId ?? null, task_id: entry.taskId ?? null, event: entry.event, detail: entry.detail ?? null, worker_id: entry.workerId ?? null, at: Date.now() })
    .execute();
}

export async function insertCall(db: Db, jobId: string, meta: CallMeta): Promise<void> {
  await db
    .insertInto('calls')
    .values({
      job_id: jobId,
      at: meta.startedAt,
      endpoint: meta.endpoint ?? 'default',
      model: meta.model,
      batch_id: meta.batchId ?? null,
      items: meta.items ?? 0,
      outcome: meta.outcome ?? 'ok',
      ms: Math.max(0, Math.round(meta.endedAt - meta.startedAt)),
      wait_ms: Math.max(0, Math.round(meta.waitMs ?? 0)),
      prompt_tokens: meta.promptTokens,
      completion_tokens: meta.completionTokens,
      tokens_estimated: meta.tokensEstimated ? 1 : 0,
      worker_id: meta.workerId,
    })
    .execute();
}

/**
 * Per endpoint: calls, tokens, 429s, other errors; latency p50/p95 of answered calls (the call
 * alone) and, apart, p50/p95 of the wait at the limiter before every attempt.
 */
export async function endpointStats(db: Db, jobId: string): Promise<EndpointStats[]> {
  const rows = await db.selectFrom('calls').select(['endpoint', 'model', 'outcome', 'ms', 'wait_ms', 'prompt_tokens', 'completion_tokens']).where('job_id', '=', jobId).execute();
  const byEndpoint = new Map<string, { stats: EndpointStats; latencies: number[]; waits: number[] }>();
  for (const row of rows) {
    let entry = byEndpoint.get(row.endpoint);
    if (!entry) {
      const stats = { endpoint: row.endpoint, model: row.model, calls: 0, answered: 0, tokens: 0, rateLimited: 0, errors: 0, p50Ms: null, p95Ms: null, waitP50Ms: null, waitP95Ms: null };
      entry = { stats, latencies: [], waits: [] };
      byEndpoint.set(row.endpoint, entry);
    }
    const { stats } = entry;
    stats.calls++;
    stats.tokens += Number(row.prompt_tokens) + Number(row.completion_tokens);
    if (row.wait_ms !== null) entry.waits.push(Number(row.wait_ms));
    if (row.outcome === 'ok' || row.outcome === 'format') {
      stats.answered++;
      entry.latencies.push(Number(row.ms));
    } else if (row.outcome === 'rate_limit') stats.rateLimited++;
    else stats.errors++;
  }
  return [...byEndpoint.values()].map(({ stats, latencies, waits }) => {
    latencies.sort((a, b) => a - b);
    waits.sort((a, b) => a - b);
    return { ...stats, p50Ms: percentile(latencies, 0.5), p95Ms: percentile(latencies, 0.95), waitP50Ms: percentile(waits, 0.5), waitP95Ms: percentile(waits, 0.95) };
  });
}

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

export async function insertEvent(db: Db, jobId: string, event: Omit<JobEvent, 'at'> & { at?: number }): Promise<void> {
  await db
    .insertInto('job_events')
    .values({ job_id: jobId, at: event.at ?? Date.now(), kind: event.kind, message: event.message, data: event.data === undefined ? null : JSON.stringify(event.data) })
    .execute();
}

/** The newest `limit` events (of `kinds` only, when given), oldest first. */
export async function recentEvents(db: Db, jobId: string, limit: number, kinds?: readonly string[]): Promise<JobEvent[]> {
  let query = db.selectFrom('job_events').selectAll().where('job_id', '=', jobId);
  if (kinds?.length) query = query.where('kind', 'in', [...kinds]);
  const rows = await query.orderBy('at', 'desc').limit(limit).execute();
  return rows.reverse().map((row) => ({ at: Number(row.at), kind: row.kind, message: row.message, data: row.data ? JSON.parse(row.data) : undefined }));
}
