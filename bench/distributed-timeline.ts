/**
 * Where the time of a queue run goes, for `npm run bench:distributed`: from the store's audit
 * trail (each batch's `claimed` and `done`), how many batches were in flight on average against
 * the slots the workers offer, how long a batch took from claim to done (the provider answers in
 * 300 ms: the rest is fanyi), and how long a slot sat idle between batches (the queue hand-off).
 * From /proc, the CPU seconds the worker processes and the whole machine used meanwhile.
 */
import { readFileSync } from 'node:fs';
import type { BenchStore } from './distributed-store.ts';

export interface Timeline {
  batches: number;
  /** Batches in flight on average, from the first claim to the last done. */
  meanInFlight: number;
  claimToDone: { p50: number; p90: number };
  /** Per slot, from a batch's done to that slot's next claim. */
  slotGap: { p50: number; p90: number };
  /** Per worker process, from the first claim of the job to its own first claim. */
  firstClaimLagMs: number[];
  /** From the last batch done to the job stored completed. */
  completedAfterMs: number;
}

interface Span {
  workerId: string;
  start: number;
  end: number;
}

export async function timelineOf(store: BenchStore, name: string, jobId: string): Promise<Timeline> {
  const rows = await store.query<{ batch_id: string; event: string; worker_id: string; at: number }>(name, "select batch_id, event, worker_id, at from task_logs where job_id = ? and event in ('claimed', 'done') order by at", jobId);
  const claims = new Map<string, { worker_id: string; at: number }>();
  const spans: Span[] = [];
  for (const row of rows) {
    if (row.event === 'claimed') claims.set(row.batch_id, row);
    else if (claims.has(row.batch_id)) spans.push({ workerId: claims.get(row.batch_id)!.worker_id, start: claims.get(row.batch_id)!.at, end: row.at });
  }
  const first = Math.min(...spans.map((s) => s.start));
  const last = Math.max(...spans.map((s) => s.end));
  const busy = spans.reduce((sum, s) => sum + s.end - s.start, 0);
  const bySlot = groupBy(spans, (s) => s.workerId);
  const gaps = [...bySlot.values()].flatMap((list) => list.sort((a, b) => a.start - b.start).slice(1).map((s, i) => s.start - list[i].end));
  const byProcess = groupBy(spans, (s) => s.workerId.split(':')[1]);
  const [job] = await store.query<{ finished_at: number }>(name, 'select finished_at from jobs where job_id = ?', jobId);
  return {
    batches: spans.length,
    meanInFlight: busy / Math.max(1, last - first),
    claimToDone: quantiles(spans.map((s) => s.end - s.start)),
    slotGap: quantiles(gaps),
    firstClaimLagMs: [...byProcess.values()].map((list) => Math.min(...list.map((s) => s.start)) - first).sort((a, b) => a - b),
    completedAfterMs: job.finished_at - last,
  };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function quantiles(values: number[]): { p50: number; p90: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { p50: at(0.5), p90: at(0.9) };
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15 (clock ticks, 100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The machine's busy and total CPU seconds so far (all cores, every process, /proc/stat). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = ticks[3] + ticks[4];
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}
