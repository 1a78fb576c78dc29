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

/**
 * A call may take at most this share of an endpoint's token burst. A call the size of the whole
 * burst can only start when the provider's bucket is exactly full, so the slightest difference
 * between our picture and the provider's (an estimate a little low, a reply a little late) is a
 * 429; calls well inside the burst leave the pacing room to absorb it.
 */
export const CALL_SHARE_OF_BURST = 0.9;

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

/** The estimated tokens a call may carry on an endpoint whose burst, at the kind's scale, is `burstTokens` (EndpointPool.callTokenLimit). */
export function callTokenLimit(burstTokens: number): number {
  return burstTokens * CALL_SHARE_OF_BURST;
}

/**
 * Calls a batch goes out in: as many as it takes for each to carry at most `maxTokens` (the
 * items' tokens plus what every call adds, `overhead`). The executor cuts by it (run-batch.ts) and
 * `estimate` foresees the cuts by it ({@link expectedCalls}).
 */
export function callsFor(itemTokens: number, overhead: number, maxTokens: number): number {
  return Math.max(1, Math.ceil(itemTokens / Math.max(1, maxTokens - overhead)));
}

/** A batch as `estimate` sees it: its kind of call (target language, `map`), its items (texts sent) and their tokens in and out, what each of its calls adds. */
export interface BatchCost {
  kind: string;
  items: number;
  tokens: number;
  overhead: number;
}

/**
 * The calls each batch will go out in, in claim order, on endpoints whose token burst is
 * `burstTokens` with `workers` working: {@link callsFor} at the limit the limiter gives the
 * batch's kind when it is claimed. A kind's first batches are cut smaller: until replies confirm
 * how far off the estimates run, reservations carry a margin (scaleFor), so a batch packed to fill
 * a call goes out in two. Assumed: estimates right on average (ratio 1), and batch `i` claimed
 * when batch `i - workers` has finished, its replies learned. Estimates that run high make a run
 * cut fewer; ones that run low (an unusual tokenizer) cut more.
 */
export function expectedCalls(batches: readonly BatchCost[], burstTokens: number, workers: number): number[] {
  const calls: number[] = [];
  const replies = new Map<string, Learned>();
  batches.forEach((batch, i) => {
    const finished = batches[i - Math.max(1, workers)];
    if (finished) {
      const prior = replies.get(finished.kind);
      replies.set(finished.kind, { ratio: 1, replies: (prior?.replies ?? 0) + calls[i - Math.max(1, workers)] });
    }
    // One item is never cut: it goes out whole, however big.
    calls.push(Math.min(Math.max(1, batch.items), callsFor(batch.tokens, batch.overhead, callTokenLimit(Math.floor(burstTokens / scaleFor(replies, batch.kind))))));
  });
  return calls;
}
