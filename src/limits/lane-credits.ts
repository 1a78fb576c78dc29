import type { LanePolicy } from './lane-policy.ts';

/** What LaneCredits reads of a waiting call. */
export interface LaneWaiter extends LanePolicy {
  lane: string;
  /** Tokens the call reserves. */
  tokens: number;
}

/** The budget's refill, which a reserved lane earns its share of. */
export interface RefillRates {
  tokensPerMs: number;
  requestsPerMs: number;
  tokenCapacity: number;
  requestCapacity: number;
}

interface Credit {
  tokens: number;
  requests: number;
  at: number;
}

/**
 * The reserved shares of the in-process limiter (lane-policy.ts): each lane with a reserve and
 * calls waiting earns `reservedShare` of the refill; a lane whose credit covers its first waiting
 * call is due, and that call goes before the priority order. endpoint-budget.lua keeps the same
 * accounts in Redis for the shared limiter. The queue handed in is ordered by priority, then
 * arrival, so the first waiter of each lane is found by one pass.
 */
export class LaneCredits {
  readonly #credits = new Map<string, Credit>();

  /** Adds what each waiting reserved lane earned since the last call; forgets lanes that no longer wait. */
  accrue(queue: readonly LaneWaiter[], rates: RefillRates, now: number): void {
    const first = firstPerLane(queue);
    for (const lane of this.#credits.keys()) if (!first.has(lane)) this.#credits.delete(lane);
    for (const [lane, waiter] of first) {
      if (waiter.reservedShare <= 0) continue;
      const credit = this.#credits.get(lane) ?? { tokens: 0, requests: 0, at: now };
      const elapsed = Math.max(0, now - credit.at);
      // Nothing earned in no time (an unlimited rate times zero is no number).
      const earned = (perMs: number) => (elapsed > 0 ? waiter.reservedShare * perMs * elapsed : 0);
      // Capped: enough for the lane's next call, or its share of a burst, whichever is more.
      credit.tokens = Math.min(Math.max(waiter.tokens, waiter.reservedShare * rates.tokenCapacity), credit.tokens + earned(rates.tokensPerMs));
      credit.requests = Math.min(Math.max(1, waiter.reservedShare * rates.requestCapacity), credit.requests + earned(rates.requestsPerMs));
      credit.at = now;
      this.#credits.set(lane, credit);
    }
  }

  /** The call to serve next: the first one of a due lane (in priority order), else the queue's head. */
  head<W extends LaneWaiter>(queue: readonly W[]): W {
    for (const waiter of firstPerLane(queue).values()) if (this.#isDue(waiter)) return waiter;
    return queue[0];
  }

  /** The granted call pays out of its lane's credit (none is owed beyond zero); a lane left with no waiter is forgotten. */
  spend(granted: LaneWaiter, queue: readonly LaneWaiter[]): void {
    const credit = this.#credits.get(granted.lane);
    if (!credit) return;
    if (!queue.some((w) => w.lane === granted.lane)) {
      this.#credits.delete(granted.lane);
      return;
    }
    credit.tokens = Math.max(0, credit.tokens - granted.tokens);
    credit.requests = Math.max(0, credit.requests - 1);
  }

  /** Milliseconds until a lane other than `head`'s becomes due (Infinity: none will). */
  nextDueMs(queue: readonly LaneWaiter[], head: LaneWaiter, rates: RefillRates): number {
    let soonest = Number.POSITIVE_INFINITY;
    for (const [lane, waiter] of firstPerLane(queue)) {
      const credit = this.#credits.get(lane);
      if (lane === head.lane || !credit || waiter.reservedShare <= 0) continue;
      const tokenMs = (waiter.tokens - credit.tokens) / (waiter.reservedShare * rates.tokensPerMs);
      const requestMs = (1 - credit.requests) / (waiter.reservedShare * rates.requestsPerMs);
      // Due already: it waits behind a due lane of higher priority, and the head's grant wakes it.
      if (tokenMs <= 0 && requestMs <= 0) continue;
      soonest = Math.min(soonest, Math.ceil(Math.max(0, tokenMs, requestMs)));
    }
    return soonest;
  }

  #isDue(waiter: LaneWaiter): boolean {
    const credit = this.#credits.get(waiter.lane);
    return waiter.reservedShare > 0 && !!credit && credit.tokens >= waiter.tokens && credit.requests >= 1;
  }
}

/** Each lane's first waiter, in queue order. */
function firstPerLane<W extends LaneWaiter>(queue: readonly W[]): Map<string, W> {
  const first = new Map<string, W>();
  for (const waiter of queue) if (!first.has(waiter.lane)) first.set(waiter.lane, waiter);
  return first;
}
