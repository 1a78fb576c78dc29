/**
 * Adaptive control's state shared by every process that calls an endpoint (seed 003: one
 * controller per endpoint, not per process). The executor's SharedAdaptiveControl sees only this
 * contract; the Redis back end is limits/redis/redis-control-state.ts.
 */

/** What the calls of one period showed, summed over every process that reported it. */
export interface ControlWindow {
  attempts: number;
  /** Errors a smaller call avoids: malformed or truncated replies and timeouts. */
  errors: number;
  rateLimited: number;
  answered: number;
  /** Call milliseconds and tokens, summed over the answered calls. */
  ms: number;
  tokens: number;
  /**
   * Calls waiting at the limiter. One process: a sample of its limiters at the end of the period.
   * Shared: the mean over the period, waitMs ÷ period (whole calls), since every process's
   * limiter queues each call for a moment while it asks Redis, and instant samples summed over
   * the processes would count those moments as a binding limit.
   */
  waiting: number;
  /** Milliseconds the calls of the window waited at the limiter before they were sent, summed. */
  waitMs: number;
  /** Calls in flight on the endpoint when sampled: the largest sample (each process sees every worker's). */
  inFlight: number;
}

export const emptyWindow = (): ControlWindow => ({ attempts: 0, errors: 0, rateLimited: 0, answered: 0, ms: 0, tokens: 0, waiting: 0, waitMs: 0, inFlight: 0 });

/** The settings one evaluation decided for an endpoint; every process applies them. */
export interface SharedSettings {
  /** Items per call as a share of the batch, 0.05..1. */
  batchFactor: number;
  /**
   * Batches in flight on the endpoint across all processes; null: no cap below every live
   * process's own ceiling (its `--concurrency`).
   */
  workers: number | null;
}

/** A process working on the endpoint (one job run in it), and the most batches it works on at once. */
export interface ControlMember {
  id: string;
  ceiling: number;
}

export interface ControlReport {
  /** The endpoints a job calls: one control per scope (limits/redis/redis-control-state.ts controlScope). */
  scope: string;
  intervalMs: number;
  member: ControlMember;
  jobId: string;
  /** This process's calls since its last report. */
  observed: ControlWindow;
  /** The clock periods are counted on; default the shared store's own. */
  now?: number;
}

/** What a report brings back. */
export interface ControlTick {
  /** The period the report was counted in (its start is period × intervalMs). */
  period: number;
  /** As last stored; undefined before any evaluation (full batches, no cap). */
  settings?: SharedSettings;
  /** How many times settings were stored (0: never): an evaluation saves only over the version it read. */
  version: number;
  /** Processes heard from within the last three periods, this one included, by id. */
  members: ControlMember[];
  /** Set for the one process that evaluates this period: the previous period's window and the jobs whose calls are in it. */
  lead?: { window: ControlWindow; jobs: string[] };
}

export interface ControlState {
  /** Adds this process's observations to the current period and, for one caller per period, hands it the evaluation. */
  report(report: ControlReport): Promise<ControlTick>;
  /**
   * Stores the evaluating process's decision for every process to apply, if the stored settings
   * are still those of `version` (what its report read); false when another period's evaluation
   * stored first. Without that check a slow evaluation (one period's lead stalled on a busy host
   * while the next period's lead read the old settings) forked the trajectory: two adjustments
   * from the same starting point, the later one overwriting the other.
   */
  save(scope: string, settings: SharedSettings, version: number): Promise<boolean>;
}
