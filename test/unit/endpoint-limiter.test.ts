import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { EndpointLimiter } from '../../src/limits/endpoint-limiter.ts';
import { duration, parseRateLimitHeaders } from '../../src/limits/rate-limit-headers.ts';
import { TokenBucket } from '../../src/limits/token-bucket.ts';

/** Fake time: the limiter's clock and its timers move only when the test ticks them. */
function fakeClock() {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  return { tick: (ms: number) => mock.timers.tick(ms), reset: () => mock.timers.reset() };
}

/** Lets granted promises settle their `then` callbacks. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a token bucket refills continuously up to its capacity; an oversized cost waits for a full bucket', () => {
  const bucket = new TokenBucket(60_000, 1_000, 0); // 1 per ms, 1000 at most
  assert.equal(bucket.waitMs(1_000, 0), 0);
  bucket.take(1_000, 0);
  assert.equal(bucket.waitMs(250, 0), 250);
  assert.equal(bucket.level(100), 100);
  assert.equal(bucket.waitMs(5_000, 100), 900, 'more than the capacity goes once the bucket is full');
  bucket.take(-5_000, 100);
  assert.equal(bucket.level(100), 1_000, 'giving back never exceeds the capacity');
  bucket.clampTo(300, 100);
  assert.equal(bucket.level(100), 300);
});

test('calls are granted first come, first served, as fast as the buckets refill', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  // 600 rpm with a one-second burst: 10 at once, then one every 100 ms.
  const limiter = new EndpointLimiter({ rpm: 600, tpm: 1e9, now: Date.now });
  (await limiter.acquire(1)).settle({ usedTokens: 1 }); // past the slow start
  const granted: number[] = [];
  const start = Date.now();
  for (let i = 0; i < 12; i++) void limiter.acquire(1).then(() => granted.push(Date.now() - start));
  await flush();
  assert.equal(granted.length, 9);
  for (let step = 0; step < 3; step++) {
    clock.tick(100);
    await flush();
  }
  assert.deepEqual(granted.slice(9), [100, 200, 300]);
});

test('settling with the real usage gives back what the estimate over-reserved', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = new EndpointLimiter({ rpm: 1e6, tpm: 60_000, burstMs: 1_000, now: Date.now }); // 1,000 tokens of burst
  const first = await limiter.acquire(900);
  let second = false;
  void limiter.acquire(500).then(() => (second = true));
  await flush();
  assert.equal(second, false, '945 reserved (with the safety margin), 500 more do not fit');
  first.settle({ usedTokens: 300 });
  await flush();
  assert.equal(second, true, 'the call used 300: the rest is back at once');
});

test('slow start: one call at a time until a reply reports its usage; a first observation sets the ratio', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = new EndpointLimiter({ rpm: 1e6, tpm: 60_000, burstMs: 1_000, now: Date.now }); // 1,000 tokens of burst
  const first = await limiter.acquire(100);
  let second = false;
  void limiter.acquire(100).then(() => (second = true));
  await flush();
  assert.equal(second, false, 'plenty of budget, but the estimates are untested');
  first.settle({ usedTokens: 200 });
  await flush();
  assert.equal(second, true);
  assert.equal(limiter.snapshot().burstTokens(), Math.floor(1_000 / (2 * (1.05 + 0.5 / 2))), 'estimates run 2× low: a burst holds half as much estimate, less the margin of a ratio seen once');
});

test('each kind of call learns its own used ÷ estimated ratio; an unseen kind is assumed as far off as the worst, with a wider margin', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = new EndpointLimiter({ rpm: 1e6, tpm: 60_000, burstMs: 1_000, now: Date.now });
  (await limiter.acquire(100, undefined, 'de')).settle({ usedTokens: 100 });
  (await limiter.acquire(100, undefined, 'th')).settle({ usedTokens: 250 });
  const { burstTokens } = limiter.snapshot();
  assert.equal(burstTokens('de'), Math.floor(1_000 / 1.3));
  assert.equal(burstTokens('th'), Math.floor(1_000 / (2.5 * 1.3)));
  assert.equal(burstTokens('vi'), Math.floor(1_000 / (2.5 * 1.55)), 'no vi reply yet: reserve like the worst kind seen, with the margin of an untested ratio');
});

test("a language's first calls go out one at a time and sized as untested, however high another language's estimates ran", async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = new EndpointLimiter({ rpm: 1e6, tpm: 60_000, burstMs: 1_000, now: Date.now }); // 1,000 tokens of burst
  (await limiter.acquire(100, undefined, 'pt-BR')).settle({ usedTokens: 60 }); // pt-BR estimates run high
  assert.equal(limiter.snapshot().burstTokens('th'), Math.floor(1_000 / 1.55), 'no Thai reply yet: at least 1× the estimate, with the widest margin');
  const firstThai = await limiter.acquire(100, undefined, 'th');
  const granted: string[] = [];
  void limiter.acquire(100, undefined, 'th').then((permit) => granted.push('th') && permit);
  await flush();
  assert.deepEqual(granted, [], 'the second Thai call waits for the first Thai reply');
  firstThai.settle({ usedTokens: 200 });
  await flush();
  assert.deepEqual(granted, ['th']);
  assert.equal(limiter.snapshot().burstTokens('th'), Math.floor(1_000 / (2 * 1.3)), 'one Thai reply: its ratio, with a margin for a ratio seen once');
});

test('the margin shrinks as replies confirm a ratio', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = new EndpointLimiter({ rpm: 1e6, tpm: 60_000, burstMs: 1_000, now: Date.now });
  const margins: number[] = [];
  for (let reply = 0; reply < 10; reply++) {
    (await limiter.acquire(100, undefined, 'th')).settle({ usedTokens: 200 });
    margins.push(1_000 / 2 / limiter.snapshot().burstTokens('th'));
    clock.tick(1_000);
  }
  for (let i = 1; i < margins.length; i++) assert.ok(margins[i] < margins[i - 1], `margin after ${i + 1} replies: ${margins[i]} < ${margins[i - 1]}`);
  assert.ok(margins[9] < 1.11 && margins[9] >= 1.05, `after ten replies the margin is ${margins[9]}`);
});

test('a tenth of the token burst stays free after every grant, for calls that reach the provider out of step', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = new EndpointLimiter({ rpm: 1e6, tpm: 60_000, burstMs: 1_000, now: Date.now }); // 1,000 tokens, 1 a ms
  (await limiter.acquire(100)).settle({ usedTokens: 100 }); // ratio 1, margin 1.3: level 900
  await limiter.acquire(600); // 780 reserved: 120 left
  let granted = false;
  void limiter.acquire(20).then(() => (granted = true)); // 26 reserved: fits in 120, but not with 100 kept free
  await flush();
  assert.equal(granted, false);
  clock.tick(10);
  await flush();
  assert.equal(granted, true, 'once the level covers the call and the headroom');
});

test('provider headers win: a lower limit is adopted and the level never exceeds what is left', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = new EndpointLimiter({ rpm: 6_000, tpm: 1e9, now: Date.now });
  const permit = await limiter.acquire(1);
  permit.settle({ rateLimit: { limitRequests: 600, remainingRequests: 0, resetRequestsMs: 1_000 } });
  assert.equal(limiter.snapshot().rpm, 600);
  let granted = false;
  void limiter.acquire(1).then(() => (granted = true));
  await flush();
  assert.equal(granted, false, 'nothing left at the provider: wait for its refill');
  clock.tick(100);
  await flush();
  assert.equal(granted, true);
});

test('concurrency is capped, a pause holds everyone, and an aborted waiter leaves the queue', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  const limiter = new EndpointLimiter({ rpm: 1e6, tpm: 1e9, maxConcurrency: 1, now: Date.now });
  const first = await limiter.acquire(1);
  const aborter = new AbortController();
  const abandoned = limiter.acquire(1, aborter.signal);
  let third = false;
  void limiter.acquire(1).then(() => (third = true));
  aborter.abort(new Error('cancelled'));
  await assert.rejects(abandoned, /cancelled/);
  limiter.pause(500);
  first.settle();
  await flush();
  assert.equal(third, false, 'paused');
  clock.tick(500);
  await flush();
  assert.equal(third, true);
  assert.equal(limiter.snapshot().waiting, 0);
});

test('rate-limit headers parse in OpenAI formats', () => {
  assert.equal(duration('250ms'), 250);
  assert.equal(duration('1.5s'), 1_500);
  assert.equal(duration('6m0s'), 360_000);
  assert.equal(duration('2'), 2_000);
  assert.equal(duration('soon'), undefined);
  const headers = new Headers({ 'x-ratelimit-limit-tokens': '200000', 'x-ratelimit-remaining-tokens': '1234', 'x-ratelimit-reset-tokens': '20ms' });
  assert.deepEqual(parseRateLimitHeaders(headers), { limitRequests: undefined, remainingRequests: undefined, resetRequestsMs: undefined, limitTokens: 200_000, remainingTokens: 1_234, resetTokensMs: 20 });
  assert.equal(parseRateLimitHeaders(new Headers()), undefined);
});

test('a share of the budget paces at that part of the RPM, burst and concurrency, the limits learned from headers included', async (t) => {
  const clock = fakeClock();
  t.after(clock.reset);
  // 600 rpm with a one-second burst; a quarter of it: 2.5 requests at once, refilled at 2.5 a second.
  const limiter = new EndpointLimiter({ rpm: 600, tpm: 1e9, maxConcurrency: 8, now: Date.now });
  limiter.setShare(0.25);
  assert.deepEqual([limiter.snapshot().rpm, limiter.snapshot().maxConcurrency], [150, 2]);
  (await limiter.acquire(1)).settle({ usedTokens: 1 }); // past the slow start
  const granted: number[] = [];
  const start = Date.now();
  for (let i = 0; i < 4; i++) void limiter.acquire(1).then((permit) => granted.push(Date.now() - start) && permit.settle());
  await flush();
  assert.equal(granted.length, 1, 'the burst left after the first call: 1.5 requests');
  for (let step = 0; step < 10; step++) {
    clock.tick(100);
    await flush();
  }
  assert.deepEqual(granted, [0, 200, 600, 1000], 'the half request left refills in 200 ms, then one every 400 ms');

  // The provider says the key's whole limit is 300 rpm: this process takes a quarter of that.
  const permit = await (async () => {
    clock.tick(10_000);
    return limiter.acquire(1);
  })();
  permit.settle({ usedTokens: 1, rateLimit: parseRateLimitHeaders(new Headers({ 'x-ratelimit-limit-requests': '300', 'x-ratelimit-remaining-requests': '299', 'x-ratelimit-reset-requests': '200ms' })) });
  assert.equal(limiter.snapshot().rpm, 75);
  limiter.setShare(1);
  assert.deepEqual([limiter.snapshot().rpm, limiter.snapshot().maxConcurrency], [300, 8], 'the whole again, as learned');
});
