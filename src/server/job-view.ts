import type { JobReadViews, JobRow, JobTotals, StatusCounts, TaskStatistics } from '../store/job-store.ts';
import { CpuSampler } from './cpu-sampler.ts';
import { DEFAULT_TENANT } from './server-security.ts';
import { FanyiError } from '../errors.ts';
import { laneOf } from '../queue/queue-lanes.ts';

const cpu = new CpuSampler();

/**
 * The job if it exists and belongs to `tenant`. Another tenant's job answers exactly like a
 * missing one (404, not 403): its existence is none of the caller's business.
 */
export async function tenantJob(store: JobReadViews, jobId: string, tenant: string): Promise<JobRow> {
  const job = await store.getJob(jobId);
  if (!job || (job.tenant ?? DEFAULT_TENANT) !== tenant) throw new FanyiError('JOB_NOT_FOUND', `no job ${jobId}; upload a workbook and start it with POST /api/v3/translate`);
  return job;
}

const iso = (ms: number | null): string | null => (ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString());

export function jobSummary(job: JobRow) {
  return {
    session_id: job.job_id,
    /** `translate` or `map`. */
    kind: job.kind,
    status: job.status,
    lane: laneOf(job),
    source_name: job.source_name,
    total_tasks: Number(job.total_tasks),
    error: job.error_msg,
    created_at: iso(job.created_at)!,
    updated_at: iso(job.updated_at)!,
    finished_at: iso(job.finished_at),
  };
}

/** What the status view reads from the task table (through StatusReads, cached per job). */
export interface JobProgress {
  counts: StatusCounts;
  stats: TaskStatistics;
  /** Batches held under a lease. */
  workers: number;
}

/**
 * `GET /api/v3/status/:id`: state, progress, seed 000 §8.1 statistics and an ETA. State, calls and
 * tokens come from the job row as read for this request; counts and statistics from `progress`.
 */
export function statusView(job: JobRow, progress: JobProgress) {
  const { counts, stats, workers } = progress;
  const settled = counts.completed + counts.needs_review + counts.failed;
  // Nothing to do is done, but a job still `analyzing` has simply not been split yet.
  const rate = counts.total ? settled / counts.total : job.status === 'analyzing' ? 0 : 1;
  const perMin = throughputPerMin(stats, settled, job);
  const totals = { apiCalls: Number(job.api_calls ?? 0), promptTokens: Number(job.prompt_tokens ?? 0), completionTokens: Number(job.completion_tokens ?? 0), estimatedTokens: Number(job.estimated_tokens ?? 0) };
  return {
    ...jobSummary(job),
    progress: { ...pick(counts), completion_rate: round(rate, 4) },
    statistics: statistics(counts, stats, totals, workers, rate, perMin),
    eta_seconds: eta(counts, settled, perMin),
  };
}

function pick(c: StatusCounts) {
  return { total: c.total, completed: c.completed, pending: c.pending, processing: c.processing, failed: c.failed, needs_review: c.needs_review };
}

function statistics(c: StatusCounts, s: TaskStatistics, totals: JobTotals, workers: number, rate: number, perMin: number | null) {
  const settled = c.completed + c.needs_review + c.failed;
  return {
    total_tasks: c.total,
    completed_tasks: c.completed,
    pending_tasks: c.pending,
    processing_tasks: c.processing,
    failed_tasks: c.failed,
    completion_rate: round(rate, 4),
    avg_duration_ms: roundOrNull(s.avgDurationMs, 1),
    p95_duration_ms: s.p95DurationMs,
    throughput_per_min: roundOrNull(perMin, 1),
    avg_confidence: roundOrNull(s.avgConfidence, 4),
    avg_quality_score: roundOrNull(s.avgQualityScore, 2),
    active_workers: workers,
    memory_usage_mb: round(process.memoryUsage.rss() / 1024 / 1024, 1),
    cpu_usage_percent: cpu.percent(),
    api_calls_count: totals.apiCalls,
    token_usage_total: totals.promptTokens + totals.completionTokens,
    prompt_tokens: totals.promptTokens,
    completion_tokens: totals.completionTokens,
    error_rate: settled ? round(c.failed / settled, 4) : 0,
    retry_rate: c.total ? round(s.retriedTasks / c.total, 4) : 0,
    timeout_count: s.timeouts,
  };
}

/** Settled tasks per minute between the first call and the last result (or now, while running). */
function throughputPerMin(s: TaskStatistics, settled: number, job: JobRow): number | null {
  if (!settled || s.firstStartedAt === null) return null;
  const end = job.status === 'running' ? Date.now() : (s.lastEndedAt ?? Date.now());
  return (settled / Math.max(end - s.firstStartedAt, 1000)) * 60_000;
}

function eta(c: StatusCounts, settled: number, perMin: number | null): number | null {
  const remaining = c.total - settled;
  if (remaining <= 0) return 0;
  return perMin ? Math.round((remaining / perMin) * 60) : null;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function roundOrNull(n: number | null, digits: number): number | null {
  return n === null ? null : round(n, digits);
}
