/**
 * What one run of a job is built from, per the config: its adaptive control, its batch runner
 * and the dispatcher that hands the runner its batches. The engine makes these once per run.
 */
import type { FanyiConfig } from '../config/config-schema.ts';
import type { EndpointPool } from '../llm/endpoints/endpoint-pool.ts';
import type { PromptStyle } from '../llm/prompts/prompt-style.ts';
import type { EngineEvents } from '../monitor/engine-events.ts';
import type { Dispatcher, DispatcherFactory } from '../queue/dispatcher.ts';
import { laneOf } from '../queue/queue-lanes.ts';
import type { JobRow, JobStore } from '../store/job-store.ts';
import { PROMPT_OVERHEAD_TOKENS } from '../tasks/batching/estimate-tokens.ts';
import { fromGlossaryRows } from '../tasks/glossary/glossary.ts';
import { GlossaryMatcher } from '../tasks/glossary/match-terms.ts';
import type { MapSpec } from '../map/map-spec.ts';
import { AdaptiveControl } from './adaptive-control.ts';
import type { BatchStrategy } from './batch-strategy.ts';
import type { ControlledEndpoint, JobControl, JobControlFactory } from './job-control.ts';
import { MapStrategy } from './map-strategy.ts';
import { BatchRunner } from './run-batch.ts';

/** The engine's parts a run uses. */
export interface JobRunParts {
  store: JobStore;
  config: FanyiConfig;
  provider: EndpointPool;
  events: EngineEvents;
  prompts: PromptStyle;
  /** The back end that hands the runner its batches (EngineOptions.dispatchers). */
  dispatchers: DispatcherFactory;
  /** The job's endpoints, for a control shared per endpoint. */
  endpoints: ControlledEndpoint[];
  /** Builds the run's adaptive control (EngineOptions.controls); default an in-process AdaptiveControl. */
  controls?: JobControlFactory;
}

/** What every call of the job is sent besides its texts. */
export interface JobPromptInputs {
  gameContext?: string;
  glossary?: GlossaryMatcher;
}

/**
 * In process: starts at `batch_control.max_concurrent_workers` and, when `adaptive.enabled`,
 * moves within `adaptive.max_workers`. Shared (parts.controls): see shared-adaptive-control.ts.
 */
export function createJobControl(parts: JobRunParts, jobId: string): JobControl {
  const { batch_control: batch, model_limits: limits, adaptive } = parts.config.llm;
  const options = {
    jobId,
    events: parts.events,
    startWorkers: batch.max_concurrent_workers,
    maxWorkers: adaptive.max_workers,
    enabled: adaptive.enabled,
    intervalMs: adaptive.interval_seconds * 1000,
    endpoints: () => parts.provider.status(),
    batchTokenBudget: (batch.max_batch_tokens ?? limits.input_tokens) + limits.output_tokens,
  };
  return parts.controls ? parts.controls({ ...options, jobEndpoints: parts.endpoints }) : new AdaptiveControl(options);
}

/**
 * The job's own game context and glossary, as stored at creation (a resume uses the same ones).
 * `stored` is the job's stored options (engine.ts JobOptions).
 */
export async function jobPromptInputs(parts: JobRunParts, stored: { gameContext?: string; glossaryVersion?: string }): Promise<JobPromptInputs> {
  // Jobs stored before the option existed used the config's.
  const gameContext = (stored.gameContext ?? parts.config.translation.game_context) || undefined;
  if (!stored.glossaryVersion) return { gameContext };
  const rows = await parts.store.loadGlossary(stored.glossaryVersion);
  return { gameContext, glossary: new GlossaryMatcher(fromGlossaryRows(stored.glossaryVersion, rows)) };
}

/**
 * A dispatcher running the job's batches through a batch runner, as many at once as `control`
 * allows, every call on the job's `lane`. `strategy`: how the job's calls are built and read (a
 * map job's); default a translation's.
 */
export function createJobDispatcher(parts: JobRunParts, control: JobControl, prompt: JobPromptInputs, strategy?: BatchStrategy, lane?: string): Dispatcher {
  const { config, store, events } = parts;
  const perf = config.llm.performance;
  const runner = new BatchRunner({
    store,
    provider: parts.provider,
    events,
    itemsPerCall: (size) => control.itemsPerCall(size),
    giveUpMs: config.llm.failover.give_up_seconds * 1000,
    retry: { maxRetries: perf.max_retries, baseDelayMs: perf.retry_delay * 1000, maxDelayMs: 60_000, max429Waits: 50 },
    timeoutMs: perf.timeout * 1000,
    ...prompt,
    prompts: parts.prompts,
    promptOverheadTokens: PROMPT_OVERHEAD_TOKENS,
    lane,
    // Pseudo-localization is not a translation: judging its script or length would flag every cell.
    qa: isPseudo(parts.provider) ? undefined : { repair: true },
    strategy,
  });
  return parts.dispatchers({ store, handler: runner, events, concurrency: control.maxWorkers, activeWorkers: () => control.workers });
}

/** What one run of a job works with: its adaptive control and its dispatcher (the batch runner inside). */
export interface JobRun {
  control: JobControl;
  dispatcher: Dispatcher;
}

/**
 * Builds a job's run from its stored options: the engine's own run and a queue worker's batches
 * of the job (Engine.workBatch) use this one path, so a worker runs a batch exactly as the engine
 * would. The control is not started: the caller decides whether it adapts.
 */
export async function buildJobRun(parts: JobRunParts, job: JobRow): Promise<JobRun> {
  const control = createJobControl(parts, job.job_id);
  const stored = JSON.parse(job.options) as { gameContext?: string; glossaryVersion?: string; map?: MapSpec };
  const prompt = await jobPromptInputs(parts, stored);
  return { control, dispatcher: createJobDispatcher(parts, control, prompt, jobStrategy(job, stored.map), laneOf(job)) };
}

/** A map job's calls are built from its stored spec; a translation's (undefined) by the runner's default. */
function jobStrategy(job: JobRow, map: MapSpec | undefined): BatchStrategy | undefined {
  if (job.kind !== 'map') return undefined;
  if (!map) throw new Error(`job ${job.job_id} is a map job stored without its map spec`);
  return new MapStrategy(map);
}

function isPseudo(provider: EndpointPool): boolean {
  return provider.status().every((e) => e.name === 'pseudo' && e.model === 'pseudo');
}
