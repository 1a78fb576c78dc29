import type { CallSample, EndpointStats, JobEvent, JobReadViews, JobRow } from '../store/job-store.ts';

/** Bucket widths a chart can label plainly, in seconds. */
const BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];
/** About this many points on the throughput chart. */
const POINTS = 40;

/**
 * What the dashboard shows beside the status: who holds which batch, each endpoint's health, the
 * engine's recent decisions, the last settled tasks and throughput over time (from the call log).
 */
export async function activityView(store: JobReadViews, job: JobRow) {
  const id = job.job_id;
  const [paused, leased, endpoints, events, recent, samples] = await Promise.all([
    store.pausedGroups(id),
    store.leasedBatches(id),
    store.endpointStats(id),
    store.jobEvents(id, 15),
    store.recentTasks(id, 15),
    store.callSamples(id),
  ]);
  return {
    session_id: id,
    status: job.status,
    paused_groups: paused,
    workers: leased.map((b) => ({ worker_id: b.workerId, batch_id: b.batchId })),
    endpoints: endpoints.map(endpointView),
    events: events.map(eventView),
    recent_tasks: recent,
    throughput: throughputSeries(samples, job.status === 'running' ? Date.now() : undefined),
  };
}

function endpointView(e: EndpointStats) {
  return { endpoint: e.endpoint, model: e.model, calls: e.calls, answered: e.answered, tokens: e.tokens, rate_limited: e.rateLimited, errors: e.errors, p50_ms: e.p50Ms, p95_ms: e.p95Ms, wait_p50_ms: e.waitP50Ms, wait_p95_ms: e.waitP95Ms };
}

function eventView(e: JobEvent) {
  return { at: new Date(e.at).toISOString(), kind: e.kind, message: e.message };
}

/** Texts answered, calls and failed attempts per bucket, by the time each call ended; empty buckets included. */
export function throughputSeries(samples: CallSample[], now?: number): { bucket_seconds: number; points: Array<{ t: number; texts: number; calls: number; errors: number }> } {
  if (!samples.length) return { bucket_seconds: 1, points: [] };
  const ends = samples.map((s) => s.at + s.ms);
  const first = Math.min(...samples.map((s) => s.at));
  const last = Math.max(now ?? 0, ...ends);
  const seconds = BUCKETS.find((b) => (last - first) / 1000 / b <= POINTS) ?? BUCKETS[BUCKETS.length - 1];
  const width = seconds * 1000;
  const start = Math.floor(first / width) * width;
  const points = Array.from({ length: Math.floor((last - start) / width) + 1 }, (_, i) => ({ t: start + i * width, texts: 0, calls: 0, errors: 0 }));
  samples.forEach((s, i) => {
    const point = points[Math.floor((ends[i] - start) / width)];
    point.calls++;
    if (s.outcome === 'ok') point.texts += s.items;
    else if (s.outcome !== 'format') point.errors++;
  });
  return { bucket_seconds: seconds, points };
}
