/**
 * How far off the callers' token estimates run, learned from replies, and how much to reserve
 * for a call because of it. Shared by the in-process limiter (endpoint-limiter.ts) and the Redis
 * one (redis/redis-endpoint-limiter.ts), so both size reservations by the same rules.
 */

/** Reservations are scaled by what replies really used (EWMA of used ÷ estimated), kept in this range. */
export const MIN_RATIO = 0.5;
export const MAX_RATIO = 3;
/** Weight of the prior ratio when a later reply moves it (the new observation gets the rest). */
export const RATIO_MEMORY = 0.8;
/** A little above the learned ratio: under-reserving is what trips a 429, over-reserving costs nothing once reconciled. */
const SAFETY = 1.05;
/**
 * More margin while a kind's ratio rests on few replies: SAFETY + FRESH_MARGIN / (1 + replies),
 * ×1.55 before its first reply, ×1.30 after one, ×1.10 after nine. A language's first calls are
 * sized from another language's ratio or none (Thai replies run twice German ones per estimated
 * token on BPE tokenizers), and a burst of those is a 429 for every worker at once.
 */
const FRESH_MARGIN = 0.5;
/**
 * Share of the token burst left free after every grant. Calls granted together reach the provider
 * in another order and spread (a busy machine delays one by 100 ms, another by none), so a bucket
 * run to exactly zero here is a 429 there. The free share costs nothing in the long run (grants
 * still follow the refill rate, the level just runs that much lower) and absorbs ~100 ms of skew.
 */
export const HEADROOM = 0.1;

/** What the replies of one kind of call taught: used ÷ estimated tokens, and from how many replies. */
export interface Learned {
  ratio: number;
  replies: number;
}

/**
 * Tokens reserved per estimated token: the kind's learned ratio with a margin that shrinks as
 * replies confirm it. A kind not seen yet is assumed at least as far off as the worst one seen,
 * and never below 1 (the estimates err high on purpose): over-reserving is reconciled, a 429 is not.
 */
export function scaleFor(learned: ReadonlyMap<string, Learned>, kind: string): number {
  const known = learned.get(kind);
  const ratio = known?.ratio ?? Math.max(1, ...[...learned.values()].map((l) => l.ratio));
  return ratio * (SAFETY + FRESH_MARGIN / (1 + (known?.replies ?? 0)));
}

/** Tokens to reserve for a call estimated at `estimate` tokens. */
export function reserveFor(learned: ReadonlyMap<string, Learned>, estimate: number, kind: string): number {
  return Math.max(1, Math.ceil(estimate * scaleFor(learned, kind)));
}

/**
 * The ratio after one more reply; undefined when the reply says nothing of the estimate
 * (used = 0: the provider charged nothing, a 429 or a dropped connection). A first observation
 * replaces the prior outright; later ones move an EWMA.
 */
export function observeRatio(prior: Learned | undefined, used: number, estimate: number): Learned | undefined {
  if (!(used > 0 && estimate > 0)) return undefined;
  const observed = used / estimate;
  const ratio = prior === undefined ? observed : RATIO_MEMORY * prior.ratio + (1 - RATIO_MEMORY) * observed;
  return { ratio: Math.min(MAX_RATIO, Math.max(MIN_RATIO, ratio)), replies: (prior?.replies ?? 0) + 1 };
}
