import { FanyiError } from '../errors.ts';

/**
 * Queue lanes (seed 003: one queue and one worker pool per kind of work, so a large translation
 * never blocks analysis). Every job runs on one lane (`jobs.lane`, migration 011); with a queue
 * its batches go to that lane's BullMQ queue, and a worker takes work only from the lanes it
 * subscribes to. Not to be confused with a batch's length class (`batches.lane`: short, standard,
 * long; tasks/batching/lanes.ts), which decides how many texts go in one call.
 */

/** The lane of a job that names none: translate jobs. */
export const DEFAULT_LANE = 'translation';

/**
 * Seed 003's lanes that run model calls: `learning` is the VIP fast lane (per-product modelling),
 * `reports` assembles summaries. A job may name any other lane that matches {@link LANE_NAME}.
 */
export const SEED_LANES = ['translation', 'insight_extraction', 'theme_extraction', 'learning', 'reports'] as const;

/**
 * The lane where reports are made (`fanyi report`, `POST /api/v3/jobs/:id/report` with a queue):
 * its report entries call no model; a job may still name it for its batches.
 */
export const REPORTS_LANE = 'reports';

/**
 * The lane where a job submitted through the API with a queue is read, split and packed
 * (Engine.ingestJob), so the API answers before any of that work (seed 004). Its entries are
 * jobs, not batches; no job runs on it.
 */
export const INGESTION_LANE = 'ingestion';

/** Every lane a `fanyi worker` listens to unless told otherwise. */
export const WORKER_LANES: readonly string[] = [...SEED_LANES, INGESTION_LANE];

/** A lane name: lower case, digits and `_`, at most 32 characters (it names a BullMQ queue and a Redis key part). */
export const LANE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * `lane`, checked: a usage error naming `what` (`--lane`, `lane`) and the bad value otherwise.
 * `ingestion` is refused for jobs: it prepares jobs, it does not run them.
 */
export function checkJobLane(lane: string, what = '--lane'): string {
  if (!LANE_NAME.test(lane)) throw new FanyiError('USAGE', `${what}: '${lane}' is not a lane name (lower case letters, digits and _, starting with a letter, at most 32 characters; e.g. ${SEED_LANES.join(', ')})`);
  if (lane === INGESTION_LANE) throw new FanyiError('USAGE', `${what}: '${INGESTION_LANE}' prepares jobs and runs none; pick another lane (${SEED_LANES.join(', ')})`);
  return lane;
}

/** A comma-separated lane list of a worker or server (`--lanes`), each name checked; `ingestion` allowed. */
export function parseLaneList(list: string, what = '--lanes'): string[] {
  const lanes = [...new Set(list.split(',').map((l) => l.trim()).filter(Boolean))];
  if (!lanes.length) throw new FanyiError('USAGE', `${what}: name at least one lane (${WORKER_LANES.join(', ')})`);
  for (const lane of lanes) if (lane !== INGESTION_LANE) checkJobLane(lane, what);
  return lanes;
}

/** The lane a stored job runs on (rows read before migration 011 ran have none). */
export function laneOf(job: { lane?: string | null }): string {
  return job.lane || DEFAULT_LANE;
}
