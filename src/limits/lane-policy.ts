/**
 * How the queue lanes that share an endpoint share its one RPM/TPM budget (seed 003: one global
 * limiter, `learning` the VIP lane). Config `limits.lanes`; both limiters (endpoint-limiter.ts,
 * redis/endpoint-budget.lua) apply the same rules:
 *
 * - **Priority.** Calls waiting for budget are served highest lane priority first, first come,
 *   first served within a priority; the call at the head waits until it fits and the others wait
 *   behind it, so a large call is never overtaken forever by small ones.
 * - **Reserved share.** Priority alone would starve a lower lane while a higher one saturates.
 *   A lane with `reservedShare` r earns credit while it has calls waiting, at r of the budget's
 *   refill rate (tokens and requests alike); once the credit covers its next call, that call goes
 *   first whatever the priorities, and pays for itself out of the credit. So a waiting lane gets
 *   at least r of the endpoint's throughput, and the others at most 1 − r of it. Credit is not
 *   banked while the lane is idle.
 */

export interface LanePolicy {
  /** Higher goes first. */
  priority: number;
  /** 0 to 0.9: the share of the budget the lane is sure of while it has calls waiting. */
  reservedShare: number;
}

/** Lane name → policy. */
export type LanePolicies = Readonly<Record<string, LanePolicy>>;

/** A lane missing from the table ranks with `translation`, with no reserve. */
export const UNLISTED_LANE: LanePolicy = { priority: 20, reservedShare: 0 };

/**
 * Seed 003's order: `learning` (the VIP lane: per-product modelling) first, then insight and
 * theme extraction, then translation, reports last. Translation keeps a tenth of the budget so
 * that analysis saturating an endpoint does not stop it (seed 003: translation is processed on its
 * own, never blocked).
 */
export const DEFAULT_LANE_POLICIES: LanePolicies = {
  learning: { priority: 40, reservedShare: 0 },
  insight_extraction: { priority: 30, reservedShare: 0 },
  theme_extraction: { priority: 30, reservedShare: 0 },
  translation: { priority: 20, reservedShare: 0.1 },
  reports: { priority: 10, reservedShare: 0 },
};

/** The lane a call without one is counted under (a call made outside any job, a test). */
export const NO_LANE = 'translation';

export function policyOf(policies: LanePolicies, lane: string): LanePolicy {
  return policies[lane] ?? UNLISTED_LANE;
}
