import { emptyWindow, type ControlWindow } from '../limits/control-state.ts';
import type { EndpointStatus } from '../llm/endpoints/endpoint-pool.ts';
import type { EngineEventMap, EngineEvents } from '../monitor/engine-events.ts';

/** One job's calls in this process since the last {@link take}, as the engine's events report them. */
export class CallWindow {
  readonly #events: EngineEvents;
  readonly #jobId: string;
  #window = emptyWindow();
  /** When this process last saw a call of the job end (0: never). */
  #lastCallAt = 0;
  readonly #onDone = (e: EngineEventMap['call:done'][0]) => this.#done(e);
  readonly #onError = (e: EngineEventMap['call:error'][0]) => this.#error(e);

  constructor(events: EngineEvents, jobId: string) {
    this.#events = events;
    this.#jobId = jobId;
  }

  get lastCallAt(): number {
    return this.#lastCallAt;
  }

  attach(): void {
    this.#events.on('call:done', this.#onDone);
    this.#events.on('call:error', this.#onError);
  }

  detach(): void {
    this.#events.off('call:done', this.#onDone);
    this.#events.off('call:error', this.#onError);
  }

  /** The calls since the last take (limiter fields zero: the caller samples those). */
  take(): ControlWindow {
    const window = this.#window;
    this.#window = emptyWindow();
    return window;
  }

  #done(e: EngineEventMap['call:done'][0]): void {
    if (e.jobId !== this.#jobId) return;
    this.#lastCallAt = Date.now();
    this.#window.attempts++;
    this.#window.answered++;
    this.#window.ms += e.ms;
    this.#window.tokens += e.promptTokens + e.completionTokens;
    this.#window.waitMs += e.waitMs ?? 0;
    if (!e.ok) this.#window.errors++;
  }

  #error(e: EngineEventMap['call:error'][0]): void {
    if (e.jobId !== this.#jobId) return;
    this.#lastCallAt = Date.now();
    this.#window.attempts++;
    this.#window.waitMs += e.waitMs ?? 0;
    if (e.kind === 'rate_limit') this.#window.rateLimited++;
    else if (e.kind === 'timeout') this.#window.errors++;
  }
}

/** Calls waiting at and in flight through the job's limiters now, over all its endpoints. */
export function sampleLimiters(endpoints: EndpointStatus[]): Pick<ControlWindow, 'waiting' | 'inFlight'> {
  return { waiting: endpoints.reduce((n, e) => n + e.waiting, 0), inFlight: endpoints.reduce((n, e) => n + e.inFlight, 0) };
}
