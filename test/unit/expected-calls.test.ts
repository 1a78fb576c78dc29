/**
 * How `estimate` foresees the executor's cuts (estimate-ratio.ts expectedCalls): a kind's first
 * batches go out in two while reservations carry the margin for estimates no reply has confirmed,
 * later ones whole; kinds learn apart; one item is never cut. The figures are worked by hand from
 * the limiter's rules (scaleFor: ×1.05 plus 0.5 ÷ (1 + replies); a call takes 90% of the burst).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callsFor, expectedCalls, type BatchCost } from '../../src/limits/estimate-ratio.ts';

/** 200,000 TPM: a one-second burst of 3,333 tokens; batches packed to 80% of it, less the prompt. */
const BURST = 200_000 / 60;
const OVERHEAD = 250;
const FULL = Math.floor(BURST * 0.8) - OVERHEAD;

const batches = (count: number, kind: string, tokens = FULL, items = 20): BatchCost[] => Array.from({ length: count }, () => ({ kind, items, tokens, overhead: OVERHEAD }));

test('callsFor: as many calls as it takes for each to carry the items and its overhead within the limit', () => {
  assert.equal(callsFor(1000, 250, 1250), 1);
  assert.equal(callsFor(1001, 250, 1250), 2);
  assert.equal(callsFor(2400, 250, 1050), 3);
  assert.equal(callsFor(500, 250, Number.POSITIVE_INFINITY), 1);
  // An overhead as big as the limit still makes progress: one item's worth per call, never a division by zero.
  assert.equal(callsFor(10, 300, 250), 10);
});

test("a kind's first batches go out in two until six replies confirm the estimates; then whole", () => {
  const calls = expectedCalls(batches(40, 'th'), BURST, 10);
  // Ten claimed at once with no reply: limit 3,333 ÷ 1.55 × 0.9 − 250 = 1,685 < 2,416. The 11th is
  // claimed when the 1st finished (2 replies: ÷ 1.217 → 2,215), the 12th after 4 replies
  // (÷ 1.15 → 2,358): both still cut. From 6 replies (÷ 1.121 → 2,425) a full batch fits.
  assert.deepEqual(calls, [...Array(12).fill(2), ...Array(28).fill(1)]);
});

test('kinds learn apart: a second language starts with its own margin, whatever the first one taught', () => {
  const mixed = [...batches(20, 'de'), ...batches(20, 'th')];
  const calls = expectedCalls(mixed, BURST, 2);
  // Two workers: each kind's first two batches, then its 3rd (2 replies) and 4th (4 replies), are cut.
  assert.deepEqual(calls.slice(0, 20), [2, 2, 2, 2, ...Array(16).fill(1)]);
  assert.deepEqual(calls.slice(20), [2, 2, 2, 2, ...Array(16).fill(1)]);
});

test('a batch well inside the burst is never cut; a single item never, however big', () => {
  assert.deepEqual(expectedCalls(batches(5, 'map', 800), BURST, 10), [1, 1, 1, 1, 1]);
  assert.deepEqual(expectedCalls(batches(3, 'map', 5 * BURST, 1), BURST, 10), [1, 1, 1]);
  // Many items far over the burst: cut into as many calls as the items allow at most.
  assert.deepEqual(expectedCalls(batches(1, 'map', 5 * BURST, 3), BURST, 10), [3]);
});
