/**
 * Lanes sharing one endpoint's budget in the in-process limiter (limits/lane-policy.ts): the
 * waiting call of the higher-priority lane is granted first, and a lane with a reserved share
 * gets that share of the budget while a higher lane saturates it. Fake time: the limiter's clock
 * and its timers move only when the test ticks them.
 */
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { EndpointLimiter } from '../../src/limits/endpoint-limiter.ts';
import type { LanePolicies } from '../../src/limits/lane-policy.ts';

function fakeClock() {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  return { tick: (ms: number) => mock.timers.tick(ms), reset: () => mock.timers.reset() };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Learning above translation; translation's reserve as given. */
const lanes = (translationShare: number): LanePolicies => ({
  learning: { priority: 40, reservedShare: 0 },
  translation: { priority: 20, reservedShare: translationShare },
});

/**
 * 1,000 tokens a second with a one-second burst, past the slow start, the bucket drained: every
 * call from here on waits for the refill, which is when the order matters.
 */
async function drainedLimiter(translationShare: number): Promise<EndpointLimiter> {
  const limiter = new EndpointLimiter({ rpm: 1e6, tpm: 60_000, burstMs: 1_000, lanes: lanes(translationShare), now: Date.now });
  (await limiter.acquire(1)).settle({ usedTokens: 1 });
  await limiter.acquire(600); // held: reserved ~780 of the 1,000
  return limiter;
}

/** Ticks 10 ms at a time until `done()` or `limitMs` of fake time. */
async function runFor(clock: ReturnType<typeof fakeClock>, done: () => boolean, limitMs: number): Promise<void> {
  for (let t = 0; t < limitMs && !done(); t += 10) {
    clock.tick(10);
    await flush();
  }
}

test('with the bucket empty, the waiting learning call is granted before the translation call that queued first', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = await drainedLimiter(0);
  const order: string[] = [];
  void limiter.acquire(100, undefined, '', 'translation').then(() => order.push('translation'));
  void limiter.acquire(100, undefined, '', 'learning').then(() => order.push('learning'));
  await flush();
  assert.deepEqual(order, [], 'neither fits the drained bucket');
  await runFor(clock, () => order.length === 2, 5_000);
  assert.deepEqual(order, ['learning', 'translation']);
});

test('within a lane, first come first served; a call without a lane is a translation call', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = await drainedLimiter(0);
  const order: string[] = [];
  void limiter.acquire(100).then(() => order.push('unnamed'));
  void limiter.acquire(100, undefined, '', 'learning').then(() => order.push('learning 1'));
  void limiter.acquire(100, undefined, '', 'translation').then(() => order.push('translation'));
  void limiter.acquire(100, undefined, '', 'learning').then(() => order.push('learning 2'));
  await runFor(clock, () => order.length === 4, 5_000);
  assert.deepEqual(order, ['learning 1', 'learning 2', 'unnamed', 'translation']);
});

/** 30 learning and 30 translation calls of 100 tokens queued at once; the lanes of the first 20 grants. */
async function firstGrants(clock: ReturnType<typeof fakeClock>, translationShare: number): Promise<string[]> {
  const limiter = await drainedLimiter(translationShare);
  const order: string[] = [];
  for (let i = 0; i < 30; i++) void limiter.acquire(100, undefined, '', 'learning').then(() => order.push('learning'));
  for (let i = 0; i < 30; i++) void limiter.acquire(100, undefined, '', 'translation').then(() => order.push('translation'));
  await runFor(clock, () => order.length >= 20, 20_000);
  return order.slice(0, 20);
}

test('a reserved share holds: translation gets its share while learning saturates the endpoint, and no more', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const without = await firstGrants(clock, 0);
  assert.equal(without.length, 20);
  assert.equal(without.filter((l) => l === 'translation').length, 0, 'without a reserve, learning takes everything while it waits');
  const reserved = await firstGrants(clock, 0.3);
  assert.equal(reserved.length, 20);
  const share = reserved.filter((l) => l === 'translation').length / reserved.length;
  assert.ok(share >= 0.2 && share <= 0.45, `translation's share of the grants near its 0.3 reserve: ${share} (${reserved.join(' ')})`);
});

test('an aborted waiter of a reserved lane gives up its credit; the others are served as before', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = await drainedLimiter(0.5);
  const order: string[] = [];
  const aborted = new AbortController();
  const gone = limiter.acquire(100, aborted.signal, '', 'translation');
  for (let i = 0; i < 3; i++) void limiter.acquire(100, undefined, '', 'learning').then(() => order.push('learning'));
  aborted.abort(new Error('cancelled'));
  await assert.rejects(gone, /cancelled/);
  await runFor(clock, () => order.length === 3, 5_000);
  assert.deepEqual(order, ['learning', 'learning', 'learning']);
});
