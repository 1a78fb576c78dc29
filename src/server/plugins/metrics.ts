import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../../engine.ts';
import type { EngineEventMap } from '../../monitor/engine-events.ts';
import type { ActiveLoad } from '../../store/job-store.ts';
import { TASK_STATUSES } from '../../store/statuses.ts';
import type { FileThreads } from '../file-threads/file-threads.ts';
import type { JobRunner } from '../job-runner.ts';
import { lanesInUse, onlineWorkers } from '../../queue/worker-registry.ts';
import { bearerSecurity, fileAnswer, protectedErrors } from '../schemas/common-schemas.ts';


/**
 * Prometheus metrics (seed 000 §8.1, seed 004 monitoring) in a registry of this app's own, so two
 * servers in one process (tests) never share counters. Counters follow the engine's events;
 * gauges read the task table at scrape time, so they count work of other processes on the same
 * store too.
 */
export function registerMetrics(app: FastifyInstance, engine: Engine, runner: JobRunner, threads: FileThreads): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const unsubscribe = countEvents(register, engine);
  loadGauges(register, engine, runner);
  new Gauge({
    name: 'fanyi_file_threads',
    help: 'uploads being read and jobs being stored in file threads (state="running"), and those waiting in line for one (state="waiting")',
    labelNames: ['state'],
    registers: [register],
    collect() {
      const { running, waiting } = threads.load;
      this.set({ state: 'running' }, running);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  app.addHook('onClose', async () => unsubscribe());
  app.get('/metrics', { schema: { tags: ['health'], summary: 'Prometheus metrics', security: bearerSecurity, response: { 200: fileAnswer('Prometheus text format', ['text/plain']), ...protectedErrors } } }, async (_request, reply) => {
    return reply.header('content-type', register.contentType).send(await register.metrics());
  });
  return register;
}

function countEvents(register: Registry, engine: Engine): () => void {
  const registers = [register];
  const calls = new Counter({ name: 'fanyi_llm_calls_total', help: 'LLM calls by outcome (ok: a usable reply; error: see fanyi_llm_call_errors_total)', labelNames: ['outcome'], registers });
  const errors = new Counter({ name: 'fanyi_llm_call_errors_total', help: 'failed LLM calls by kind (rate_limit counts the 429s)', labelNames: ['kind'], registers });
  // `source`: a reply without `usage` is counted from fanyi's estimate, never passed off as the provider's count.
  const tokens = new Counter({ name: 'fanyi_llm_tokens_total', help: 'tokens of answered calls: source="reported" from the reply\'s usage, source="estimated" by fanyi for replies without usage', labelNames: ['kind', 'source'], registers });
  const buckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
  const latency = new Histogram({ name: 'fanyi_llm_call_duration_seconds', help: 'LLM call latency of answered calls, from sending the request to the reply (the wait at the limiter excluded)', buckets, registers });
  // Apart from the latency: under a binding rate limit the wait is most of a batch's time.
  const wait = new Histogram({ name: 'fanyi_llm_limiter_wait_seconds', help: 'time each call attempt waited for its endpoint rate limiter (RPM, TPM, concurrency, a 429 pause) before it was sent', buckets, registers });
  const settled = new Counter({ name: 'fanyi_texts_settled_total', help: 'unique texts (one per dedupe key, fanned out to its duplicate cells) that reached a final state', labelNames: ['outcome'], registers });
  const handlers: { [K in keyof EngineEventMap]?: (...args: EngineEventMap[K]) => void } = {
    'call:done': (e) => {
      calls.inc({ outcome: e.ok ? 'ok' : 'unusable' });
      const source = e.tokensEstimated ? 'estimated' : 'reported';
      tokens.inc({ kind: 'prompt', source }, e.promptTokens);
      tokens.inc({ kind: 'completion', source }, e.completionTokens);
      latency.observe(e.ms / 1000);
      wait.observe((e.waitMs ?? 0) / 1000);
    },
    'call:error': (e) => {
      calls.inc({ outcome: 'error' });
      errors.inc({ kind: e.kind });
      wait.observe((e.waitMs ?? 0) / 1000);
    },
    'tasks:settled': (e) => {
      if (e.completed) settled.inc({ outcome: 'completed' }, e.completed);
      if (e.failed) settled.inc({ outcome: 'failed' }, e.failed);
    },
  };
  for (const [name, handler] of Object.entries(handlers)) engine.events.on(name as keyof EngineEventMap, handler as never);
  return () => {
    for (const [name, handler] of Object.entries(handlers)) engine.events.off(name as keyof EngineEventMap, handler as never);
  };
}

function loadGauges(register: Registry, engine: Engine, runner: JobRunner): void {
  const registers = [register];
  // One store read per scrape, shared by the gauges below.
  let pending: { at: number; load: Promise<ActiveLoad> } | undefined;
  const load = () => {
    if (!pending || Date.now() - pending.at > 500) pending = { at: Date.now(), load: engine.store.activeLoad() };
    return pending.load;
  };
  new Gauge({
    name: 'fanyi_tasks',
    help: 'tasks of unfinished jobs by status',
    labelNames: ['status'],
    registers,
    async collect() {
      const { tasks } = await load();
      for (const status of TASK_STATUSES) this.set({ status }, tasks[status] ?? 0);
    },
  });
  new Gauge({ name: 'fanyi_queue_depth_batches', help: 'batches of unfinished jobs not yet done', registers, async collect() { this.set((await load()).openBatches); } });
  new Gauge({ name: 'fanyi_active_workers', help: 'batches held under a lease: workers busy on a call', registers, async collect() { this.set((await load()).leasedBatches); } });
  new Gauge({ name: 'fanyi_jobs_running', help: 'jobs this server process is running', registers, collect() { this.set(runner.activeJobIds.length); } });
  clusterGauges(register, engine);
}

/** Across every worker (issue 14): the queue's entries per lane and the worker registry. */
function clusterGauges(register: Registry, engine: Engine): void {
  const registers = [register];
  new Gauge({
    name: 'fanyi_queue_depth',
    help: 'entries queued or in work on the queue, per lane: batches (translation and every other lane a job or worker uses), jobs to split (ingestion); absent without --queue',
    labelNames: ['lane'],
    registers,
    async collect() {
      if (!engine.queue) return;
      // Lanes come and go with jobs and workers: a lane no longer in use is dropped, not left at its last depth.
      this.reset();
      for (const lane of await lanesInUse(engine.store)) this.set({ lane }, await engine.queue.depth(lane).catch(() => Number.NaN));
    },
  });
  new Gauge({ name: 'fanyi_workers_online', help: 'fanyi worker processes heard from within 30 s (worker registry)', registers, async collect() { this.set((await onlineWorkers(engine.store)).length); } });
  new Gauge({
    name: 'fanyi_worker_heartbeat_age_seconds',
    help: 'seconds since each online worker last wrote its heartbeat (every 10 s)',
    labelNames: ['worker'],
    registers,
    async collect() {
      this.reset();
      for (const w of await onlineWorkers(engine.store)) this.set({ worker: w.name }, (Date.now() - w.heartbeatAt) / 1000);
    },
  });
}
