import type { EndpointStatus } from '../llm/endpoints/endpoint-pool.ts';
import type { EngineEvents } from '../monitor/engine-events.ts';

/**
 * How many batches of a job this process works on at once and how big its calls are (seed 000
 * §2.2), as the dispatcher and the batch runner read them. Two back ends: AdaptiveControl decides
 * from this process's calls alone (the embedded default); SharedAdaptiveControl from every
 * process's calls on the endpoint, through shared state (a queue with the Redis limiter).
 */
export interface JobControl {
  /** Workers allowed to claim now. */
  readonly workers: number;
  /** Most workers there may ever be: the pool is sized for this. */
  readonly maxWorkers: number;
  itemsPerCall(batchSize: number): number;
  /** Starts listening to the job's calls and evaluating every period. */
  start(): void;
  stop(): void;
}

export interface JobControlOptions {
  jobId: string;
  events: EngineEvents;
  /** Workers at the start (`batch_control.max_concurrent_workers`). */
  startWorkers: number;
  /** Ceiling for added workers (seed 000 §2.2: 20). */
  maxWorkers: number;
  /** The limiters' view of every endpoint of the job, sampled at each evaluation. */
  endpoints: () => EndpointStatus[];
  /** Estimated tokens (input + output) a full batch may use: the yardstick for "far under budget". */
  batchTokenBudget: number;
  /** Evaluation period. Default 5 s. */
  intervalMs?: number;
  /** Off: the settings never change (only observed). */
  enabled?: boolean;
}

/** What identifies the endpoints a job calls, as its limiters' budgets are identified (never a key). */
export interface ControlledEndpoint {
  name: string;
  baseUrl?: string;
  model: string;
  apiKeyEnv?: string;
}

/** Builds a job run's control (EngineOptions.controls); default: an AdaptiveControl per run. */
export type JobControlFactory = (options: JobControlOptions & { jobEndpoints: ControlledEndpoint[] }) => JobControl;
