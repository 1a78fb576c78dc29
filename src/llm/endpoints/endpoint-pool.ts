import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError, IsolatedCircuitError } from 'cockatiel';
import type { Permit } from '../../limits/rate-limiter.ts';
import { callTokenLimit } from '../../limits/estimate-ratio.ts';
import { ProviderError, type LlmProvider, type ProviderReply, type TranslateRequest } from '../provider.ts';
import { Endpoint, type EndpointChange, type EndpointSpec, type EndpointState } from './endpoint.ts';

export interface EndpointPoolOptions {
  /** Consecutive outages (timeouts, 5xx, network) after which an endpoint cools down (seed 000 auto-degrade: 3). */
  failoverAfter?: number;
  /** How long a failing endpoint rests before one call probes it. Default 30 s. */
  cooldownMs?: number;
}

export type EndpointListener = (change: EndpointChange & { endpoint: string }) => void;

export interface EndpointStatus {
  name: string;
  model: string;
  state: EndpointState;
  fallback: boolean;
  inFlight: number;
  waiting: number;
  rpm: number;
  tpm: number;
}

/** Waiting for an endpoint to come back is re-checked at least this often. */
const MAX_IDLE_WAIT_MS = 1_000;

/**
 * Routes each call to the endpoint that can start it soonest (most spare capacity, by weight)
 * among the healthy primaries, falling back to `fallback` endpoints only while every primary
 * is cooling down or out of service (seed 004 load balancer, seed 000 auto-degrade). Each
 * endpoint's limiter is reserved before the call and settled with the reply's usage and headers;
 * a 429 pauses that endpoint only. It is itself an `LlmProvider`, so the executor sees one.
 */
export class EndpointPool implements LlmProvider {
  readonly name = 'pool';
  readonly #endpoints: Endpoint[];
  readonly #listeners = new Set<EndpointListener>();

  constructor(specs: EndpointSpec[], options: EndpointPoolOptions = {}) {
    if (!specs.length) throw new Error('an endpoint pool needs at least one endpoint');
    const onChange = (endpoint: Endpoint, change: EndpointChange) => {
      for (const listener of this.#listeners) listener({ ...change, endpoint: endpoint.name });
    };
    const settings = { failoverAfter: options.failoverAfter ?? 3, cooldownMs: options.cooldownMs ?? 30_000, onChange };
    this.#endpoints = specs.map((spec) => new Endpoint(spec, settings));
  }

  get model(): string {
    return this.#endpoints[0].provider.model;
  }

  /** Cool-downs, recoveries and endpoints taken out of service; returns the unsubscribe. */
  onChange(listener: EndpointListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many endpoints could take a call now or after a cooldown (not disabled). */
  get usable(): number {
    return this.#endpoints.filter((e) => e.state() !== 'disabled').length;
  }

  status(): EndpointStatus[] {
    return this.#endpoints.map((e) => {
      const limits = e.limiter.snapshot();
      return { name: e.name, model: e.provider.model, state: e.state(), fallback: e.fallback, inFlight: limits.inFlight, waiting: limits.waiting, rpm: limits.rpm, tpm: limits.tpm };
    });
  }

  /** A share of the largest token burst among the endpoints that take traffic now (estimate-ratio.ts CALL_SHARE_OF_BURST). */
  callTokenLimit(kind?: string): number | undefined {
    const open = this.#open(Date.now());
    if (!open.length) return undefined;
    return callTokenLimit(Math.max(...open.map((e) => e.limiter.snapshot().burstTokens(kind))));
  }

  /**
   * The wait for an endpoint and its permit is reported apart from the call (`waitMs`): under a
   * binding limit it is most of the time a batch takes, and folded into the call's latency it
   * made a provider answering in 0.8 s look like one answering in 10 s.
   */
  async translate(request: TranslateRequest): Promise<ProviderReply> {
    const tokens = request.estimatedTokens ?? 1;
    const queuedAt = Date.now();
    const endpoint = await this.#choose(tokens, request.targetLang, request.signal);
    const permit = await endpoint.limiter.acquire(tokens, request.signal, request.targetLang, request.lane);
    const waitMs = Date.now() - queuedAt;
    const probing = endpoint.state() === 'probe';
    try {
      const reply = await endpoint.breaker.execute(() => endpoint.provider.translate(request));
      permit.settle({ usedTokens: reply.promptTokens + reply.completionTokens, rateLimit: reply.rateLimit });
      return { ...reply, endpoint: endpoint.name, waitMs };
    } catch (error) {
      const failure = this.#failed(endpoint, permit, error);
      if (probing) failure.probe = true;
      failure.waitMs = waitMs;
      throw failure;
    }
  }

  /** Settles the permit for what the failure cost and decides what the caller sees. */
  #failed(endpoint: Endpoint, permit: Permit, error: unknown): ProviderError {
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      permit.settle({ usedTokens: 0 });
      return new ProviderError('failover', `endpoint ${endpoint.name} is cooling down`, { endpoint: endpoint.name });
    }
    if (!(error instanceof ProviderError)) {
      permit.settle();
      throw error;
    }
    error.endpoint = endpoint.name;
    if (error.kind === 'rate_limit') {
      // Not admitted, not billed; and nobody else should try this endpoint before it said to.
      permit.settle({ usedTokens: 0, rateLimit: error.rateLimit });
      endpoint.limiter.pause(error.retryAfterMs ?? 1_000);
      return error;
    }
    // A timeout or a dropped connection may well have been billed: keep the reservation.
    permit.settle(error.kind === 'timeout' || error.kind === 'network' || error.kind === 'server' ? {} : { usedTokens: 0 });
    if (error.isFatal) {
      endpoint.disable(error);
      // Another endpoint may still serve; only when none is left does the job stop.
      if (this.usable > 0) return new ProviderError('failover', `endpoint ${endpoint.name} is out of service: ${error.message}`, { endpoint: endpoint.name, cause: error });
    }
    return error;
  }

  /** Endpoints that take a call now: ready, or due a probe. */
  #open(now: number): Endpoint[] {
    return this.#endpoints.filter((e) => ['ready', 'probe'].includes(e.state(now)));
  }

  /** Primaries first; fallbacks while no primary can serve; when all rest, wait for the first probe. */
  async #choose(tokens: number, kind: string, signal?: AbortSignal): Promise<Endpoint> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      const open = this.#open(now);
      const tier = open.some((e) => !e.fallback) ? open.filter((e) => !e.fallback) : open;
      if (tier.length) return soonest(tier, tokens, kind);
      const live = this.#endpoints.filter((e) => e.state(now) !== 'disabled');
      if (!live.length) throw this.#endpoints[0].disabledBy!;
      const wait = Math.min(...live.map((e) => e.probeAt)) - now;
      await sleep(Math.min(MAX_IDLE_WAIT_MS, Math.max(10, wait)), undefined, { signal });
    }
  }
}

/** The endpoint whose limiter could start this call soonest; among equals, the most spare capacity per weight. */
function soonest(endpoints: Endpoint[], tokens: number, kind: string): Endpoint {
  let best = endpoints[0];
  let bestScore = Number.POSITIVE_INFINITY;
  for (const endpoint of endpoints) {
    const limits = endpoint.limiter.snapshot();
    const wait = limits.waitMs(tokens, kind);
    const spare = Math.min(limits.spareRequests, limits.spareTokens) * endpoint.weight;
    const score = (Number.isFinite(wait) ? wait : 1e9 + limits.waiting) - spare;
    if (score < bestScore) {
      best = endpoint;
      bestScore = score;
    }
  }
  return best;
}
