/**
 * Per-second accounting of the simulated provider, so a benchmark can measure a steady-state
 * window (ramp-up and tail excluded) the way the provider saw it: what was admitted under the
 * rate limits, what was refused, how many requests were open, and how full the buckets were.
 */

/** One second of the provider's life, indexed from its start (or last reset). */
export interface SecondStats {
  /** Chat requests that reached the rate limits in this second. */
  requests: number;
  /** Of those, admitted: charged to both buckets, whatever happened next (faults included). */
  admitted: number;
  /** The admitted requests' cost in tokens, as the limits charged it (prompt + completion). */
  admittedTokens: number;
  /** Answered 429 by the rate limits (an injected `rate429` fault is counted in `faulted`). */
  limited: number;
  /** Admitted requests that then got an injected fault: their budget is spent all the same. */
  faulted: number;
  /** Time requests were open, summed, in ms (any route): `busyMs / 1000` is the mean concurrency. */
  busyMs: number;
  /**
   * Bucket levels after the last admission or refusal in this second, at `at` ms since the start;
   * with the refill rate they give the level at any later moment until the next event.
   */
  levels?: BucketLevels;
}

export interface BucketLevels {
  at: number;
  /** Unset when that limit is off. May be negative after an oversized request. */
  requests?: number;
  tokens?: number;
}

export function emptySecond(): SecondStats {
  return { requests: 0, admitted: 0, admittedTokens: 0, limited: 0, faulted: 0, busyMs: 0 };
}

/** Writes into a stats object's `perSecond` array; a new Timeline follows each reset. */
export class Timeline {
  readonly #seconds: SecondStats[];
  readonly #origin: number;
  #open: number;
  #openSince: number;

  constructor(seconds: SecondStats[], origin: number, openRequests: number) {
    this.#seconds = seconds;
    this.#origin = origin;
    this.#open = openRequests;
    this.#openSince = origin;
  }

  /** The record of the second holding `now` (performance.now() time), created on first use. */
  at(now: number): SecondStats {
    return this.#second(Math.max(0, Math.floor((now - this.#origin) / 1000)));
  }

  #second(index: number): SecondStats {
    for (let i = this.#seconds.length; i <= index; i++) this.#seconds.push(emptySecond());
    return this.#seconds[index];
  }

  /** Call on every change of the open-request count, before applying `delta`. */
  openChanged(now: number, delta: number): void {
    // Spread the open time over the seconds it covers, so each second's mean concurrency is right.
    // Counted in whole-second indexes: recomputing a boundary from a float time can loop forever.
    const end = now - this.#origin;
    let from = Math.max(0, this.#openSince - this.#origin);
    for (let second = Math.floor(from / 1000); this.#open > 0 && from < end; second++) {
      const to = Math.min(end, (second + 1) * 1000);
      this.#second(second).busyMs += this.#open * Math.max(0, to - from);
      from = to;
    }
    this.#open = Math.max(0, this.#open + delta);
    this.#openSince = now;
  }

  levels(now: number, levels: Omit<BucketLevels, 'at'>): void {
    this.at(now).levels = { at: now - this.#origin, ...levels };
  }
}
