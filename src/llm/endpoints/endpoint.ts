import { circuitBreaker, CircuitState, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import type { RateLimiter } from '../../limits/rate-limiter.ts';
import { ProviderError, type LlmProvider } from '../provider.ts';

export interface EndpointSpec {
  /** Shown in `status` and logs; never the URL's credentials or the key. */
  name: string;
  provider: LlmProvider;
  limiter: RateLimiter;
  /** Share of traffic relative to other endpoints with spare capacity. Default 1. */
  weight?: number;
  /** Used only while every non-fallback endpoint is cooling down or out of service. */
  fallback?: boolean;
}

export type EndpointState = 'ready' | 'probe' | 'cooling' | 'disabled';

export interface EndpointChange {
  state: EndpointState;
  message: string;
}

/** Failures that say the endpoint is unwell; 429s (capacity) and bad replies (the model) do not. */
const outage = handleWhen((error) => error instanceof ProviderError && (error.kind === 'timeout' || error.kind === 'server' || error.kind === 'network'));

/**
 * One configured endpoint: its provider, its own limiter, and a circuit breaker (cockatiel) that
 * opens after `failoverAfter` consecutive outages; after `cooldownMs` one call probes it, and
 * only a success closes it again. A rejected key or unknown model disables it for the run.
 */
export class Endpoint {
  readonly name: string;
  readonly provider: LlmProvider;
  readonly limiter: RateLimiter;
  readonly weight: number;
  readonly fallback: boolean;
  readonly breaker: CircuitBreakerPolicy;
  readonly #cooldownMs: number;
  #openedAt = 0;
  #disabled: ProviderError | undefined;
  readonly #onChange?: (endpoint: Endpoint, change: EndpointChange) => void;

  constructor(spec: EndpointSpec, options: { failoverAfter: number; cooldownMs: number; onChange?: (endpoint: Endpoint, change: EndpointChange) => void }) {
    this.name = spec.name;
    this.provider = spec.provider;
    this.limiter = spec.limiter;
    this.weight = spec.weight ?? 1;
    this.fallback = spec.fallback ?? false;
    this.#cooldownMs = options.cooldownMs;
    this.breaker = circuitBreaker(outage, { halfOpenAfter: options.cooldownMs, breaker: new ConsecutiveBreaker(options.failoverAfter) });
    this.breaker.onBreak(() => {
      this.#openedAt = Date.now();
      options.onChange?.(this, { state: 'cooling', message: `endpoint ${this.name} cools down for ${Math.round(this.#cooldownMs / 1000)} s after ${options.failoverAfter} failures in a row` });
    });
    this.breaker.onReset(() => options.onChange?.(this, { state: 'ready', message: `endpoint ${this.name} answered its probe and is back in rotation` }));
    this.#onChange = options.onChange;
  }

  get disabledBy(): ProviderError | undefined {
    return this.#disabled;
  }

  disable(reason: ProviderError): void {
    if (this.#disabled) return;
    this.#disabled = reason;
    this.#onChange?.(this, { state: 'disabled', message: `endpoint ${this.name} is out of service for this run: ${reason.message}` });
  }

  state(now = Date.now()): EndpointState {
    if (this.#disabled) return 'disabled';
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'ready';
      case CircuitState.HalfOpen:
        return 'cooling';
      default:
        return now - this.#openedAt >= this.#cooldownMs ? 'probe' : 'cooling';
    }
  }

  /** When a cooling endpoint may be probed. */
  get probeAt(): number {
    return this.#openedAt + this.#cooldownMs;
  }
}
