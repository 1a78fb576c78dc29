import type { EndpointStatus } from '../llm/endpoints/endpoint-pool.ts';
import type { EngineEventMap, EngineEvents } from '../monitor/engine-events.ts';

export interface AdaptiveControlOptions {
  jobId: string;
  events: EngineEvents;
  /** Workers at the start (`--concurrency`). */
  startWorkers: number;
  /** Ceiling for added workers (seed 000 §2.2: 20). */
  maxWorkers: number;
  /** The limiters' view of every endpoint, sampled at each evaluation. */
  endpoints: () => EndpointStatus[];
  /** Estimated tokens (input + output) a full batch may use: the yardstick for "far under budget". */
  batchTokenBudget: number;
  /** Evaluation period. Default 5 s. */
  intervalMs?: number;
  /** Off: the settings never change (only observed). */
  enabled?: boolean;
}

interface Window {
  attempts: number;
  errors: number;
  rateLimited: number;
  answered: number;
  ms: number;
  tokens: number;
}

const emptyWindow = (): Window => ({ attempts: 0, errors: 0, rateLimited: 0, answered: 0, ms: 0, tokens: 0 });
/** Fewer attempts than this in a period say nothing about error rates. */
const MIN_SAMPLE = 5;
const MIN_FACTOR = 0.05;

/**
 * Seed 000 §2.2, evaluated every period over the calls of that period:
 * - error rate above 10% → batches 20% smaller; errors rare and tokens under half the budget → back
 *   up. Only errors a smaller call can avoid count: malformed or truncated replies and timeouts.
 *   A 5xx or a dropped connection strikes a call whatever its size; shrinking on those ratchets
 *   the batches down to a few cells under a steady 10% of them, paying the prompt per few cells;
 * - a 429, or calls queuing at the limiter (the limit binds) → one worker fewer;
 * - calls slower than 5 s on average, or every worker busy with the limit not reached → two more.
 * Each change is emitted as `control:adjusted` (stored as a job event, shown by `status`).
 */
export class AdaptiveControl {
  readonly #o: AdaptiveControlOptions;
  #workers: number;
  #batchFactor = 1;
  #window = emptyWindow();
  #timer: NodeJS.Timeout | undefined;
  readonly #onDone = (e: EngineEventMap['call:done'][0]) => this.#done(e);
  readonly #onError = (e: EngineEventMap['call:error'][0]) => this.#error(e);

  constructor(options: AdaptiveControlOptions) {
    this.#o = options;
    this.#workers = options.startWorkers;
  }

  /** Workers allowed to claim now. */
  get workers(): number {
    return this.#workers;
  }

  /** Most workers there may ever be: the pool is sized for this. */
  get maxWorkers(): number {
    return Math.max(this.#o.startWorkers, this.#o.enabled === false ? 0 : this.#o.maxWorkers);
  }

  itemsPerCall(batchSize: number): number {
    return Math.max(1, Math.floor(batchSize * this.#batchFactor));
  }

  start(): void {
    this.#o.events.on('call:done', this.#onDone);
    this.#o.events.on('call:error', this.#onError);
    if (this.#o.enabled !== false) this.#timer = setInterval(() => this.evaluate(), this.#o.intervalMs ?? 5_000).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#o.events.off('call:done', this.#onDone);
    this.#o.events.off('call:error', this.#onError);
  }

  /** One period's decision (public so tests can step it without waiting). */
  evaluate(): void {
    const w = this.#window;
    this.#window = emptyWindow();
    const endpoints = this.#o.endpoints();
    const waiting = endpoints.reduce((sum, e) => sum + e.waiting, 0);
    const inFlight = endpoints.reduce((sum, e) => sum + e.inFlight, 0);
    this.#adjustBatchSize(w);
    this.#adjustWorkers(w, waiting, inFlight);
  }

  #adjustBatchSize(w: Window): void {
    if (w.attempts < MIN_SAMPLE) return;
    const errorRate = w.errors / w.attempts;
    const tokenUse = w.answered ? w.tokens / w.answered / this.#o.batchTokenBudget : 1;
    if (errorRate > 0.1) {
      this.#setFactor(Math.max(MIN_FACTOR, this.#batchFactor * 0.8), `error rate ${pct(errorRate)} > 10%`);
    } else if (this.#batchFactor < 1 && errorRate < 0.02 && tokenUse < 0.5) {
      this.#setFactor(Math.min(1, this.#batchFactor * 1.25), `error rate ${pct(errorRate)}, calls use ${pct(tokenUse)} of the batch token budget`);
    }
  }

  #adjustWorkers(w: Window, waiting: number, inFlight: number): void {
    const avgMs = w.answered ? w.ms / w.answered : 0;
    if (w.rateLimited > 0) return this.#setWorkers(this.#workers - 1, `${w.rateLimited} calls answered 429`);
    // Two or more calls queuing at the limiter: the limit binds, and a worker fewer loses nothing.
    if (waiting >= 2) return this.#setWorkers(this.#workers - 1, `${waiting} calls waiting for the rate limit`);
    if (waiting === 0 && avgMs > 5_000) return this.#setWorkers(this.#workers + 2, `calls take ${(avgMs / 1000).toFixed(1)} s on average`);
    if (waiting === 0 && w.answered > 0 && inFlight >= this.#workers) return this.#setWorkers(this.#workers + 2, 'every worker busy and the rate limit not reached');
  }

  #setFactor(to: number, reason: string): void {
    const from = this.#batchFactor;
    if (Math.abs(to - from) < 1e-9) return;
    this.#batchFactor = to;
    this.#o.events.emit('control:adjusted', { jobId: this.#o.jobId, setting: 'batch_size', from: round(from), to: round(to), reason });
  }

  #setWorkers(to: number, reason: string): void {
    const bounded = Math.min(this.maxWorkers, Math.max(1, to));
    if (bounded === this.#workers) return;
    const from = this.#workers;
    this.#workers = bounded;
    this.#o.events.emit('control:adjusted', { jobId: this.#o.jobId, setting: 'workers', from, to: bounded, reason });
  }

  #done(e: EngineEventMap['call:done'][0]): void {
    if (e.jobId !== this.#o.jobId) return;
    this.#window.attempts++;
    this.#window.answered++;
    this.#window.ms += e.ms;
    this.#window.tokens += e.promptTokens + e.completionTokens;
    if (!e.ok) this.#window.errors++;
  }

  #error(e: EngineEventMap['call:error'][0]): void {
    if (e.jobId !== this.#o.jobId) return;
    this.#window.attempts++;
    if (e.kind === 'rate_limit') this.#window.rateLimited++;
    else if (e.kind === 'timeout') this.#window.errors++;
  }
}

const pct = (share: number) => `${Math.round(share * 100)}%`;
const round = (value: number) => Math.round(value * 100) / 100;
