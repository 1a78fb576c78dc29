/**
 * Length classes (seed 003): short texts pack many to a call; long ones go alone so one slow or
 * failed reply costs little and the output budget is never at risk.
 */
export type Lane = 'short' | 'standard' | 'long';

export interface LaneLimits {
  /** Upper bound in source characters for each class; above `standard` is `long`. */
  shortMaxChars: number;
  standardMaxChars: number;
  /** Most items per call for each class. */
  shortBatchSize: number;
  standardBatchSize: number;
  longBatchSize: number;
}

export const DEFAULT_LANE_LIMITS: LaneLimits = {
  shortMaxChars: 200,
  standardMaxChars: 2_000,
  shortBatchSize: 100,
  standardBatchSize: 20,
  longBatchSize: 1,
};

export function laneOf(text: string, limits: LaneLimits = DEFAULT_LANE_LIMITS): Lane {
  if (text.length <= limits.shortMaxChars) return 'short';
  return text.length <= limits.standardMaxChars ? 'standard' : 'long';
}

export function laneBatchSize(lane: Lane, maxBatchSize: number, limits: LaneLimits = DEFAULT_LANE_LIMITS): number {
  const size = lane === 'short' ? limits.shortBatchSize : lane === 'standard' ? limits.standardBatchSize : limits.longBatchSize;
  return Math.max(1, Math.min(size, maxBatchSize));
}
