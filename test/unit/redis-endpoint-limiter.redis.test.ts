import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisBudgetScript, type AcquireArgs } from '../../src/limits/redis/redis-budget-script.ts';
import { RedisEndpointLimiter, type LimiterStatusEvent, type RedisEndpointLimiterOptions } from '../../src/limits/redis/redis-endpoint-limiter.ts';
import { createSharedLimiters, endpointId } from '../../src/limits/redis/redis-shared-limiters.ts';
import { deleteKeys, ownRedis, REDIS_URL } from '../helpers/redis-server.ts';


type Limits = Omit<RedisEndpointLimiterOptions, 'redis' | 'key'>;

/**
 * An endpoint key of the test's own, deleted after; `worker()` is one more process's view of it:
 * its own connection and limiter, as a worker on another machine would have.
 */
function sharedEndpoint(t: TestContext, url = REDIS_URL) {
  const prefix = `fanyi-test:${randomUUID()}`;
  const key = `${prefix}:{endpoint}`;
  const connections: Redis[] = [];
  const limiters: RedisEndpointLimiter[] = [];
  const connection = () => {
    const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    connections.push(redis);
    return redis;
  };
  t.after(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    for (const redis of connections) redis.disconnect();
    await deleteKeys(REDIS_URL, prefix);
  });
  return {
    key,
    connection,
    worker(limits: Limits) {
      const limiter = new RedisEndpointLimiter({ redis: connection(), key, ...limits });
      limiters.push(limiter);
      return limiter;
    },
    /** The script itself, for reading the shared state as every worker sees it. */
    script(limits: { rpm: number; tpm: number; burstMs?: number }) {
      const redis = new Redis(url);
      connections.push(redis);
      return new RedisBudgetScript(redis, { key, rpm: limits.rpm, tpm: limits.tpm, burstMs: limits.burstMs ?? 1_000, idleTtlMs: 60_000 });
    },
  };
}

/** One call of `tokens` on the translation lane, the only one waiting, by a worker of the test's own. */
function acquireArgs(id: string, kind: string, tokens: number): AcquireArgs {
  const waiting = [{ lane: 'translation', priority: 20, reservedShare: 0, calls: 1, firstTokens: tokens, firstWaitedMs: 0 }];
  return { id, kind, tokens, maxConcurrency: 0, headroom: 0.1, slotTtlMs: 30_000, lane: 'translation', worker: 'w', waitingTtlMs: 3_000, waiting };
}

/** Whether a promise has settled by the time pending I/O has had `ms` to run. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<boolean> {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  await sleep(ms);
  return done;
}

test('the script reserves a request and the tokens, keeps a tenth of the burst free, and refills continuously', async (t) => {
  const endpoint = sharedEndpoint(t);
  // A whole-minute burst refilling 100 tokens a second: a few ms of test time move levels by < 1.
  const script = endpoint.script({ rpm: 60, tpm: 6_000, burstMs: 60_000 });
  const first = await script.acquire(acquireArgs('a', 'de', 5_000));
  assert.equal(first.granted, true);
  assert.equal(first.inFlight, 1);
  assert.ok(Math.abs(first.tokenLevel - 1_000) < 2, `5,000 of 6,000 taken: ${first.tokenLevel}`);
  assert.ok(Math.abs(first.requestLevel - 59) < 0.1);
  const settled = await script.settle({ id: 'a', kind: 'de', reserved: 5_000, estimate: 2_500, usedTokens: 2_000, callMs: 10 });
  assert.equal(settled.inFlight, 0);
  assert.ok(Math.abs(settled.tokenLevel - 4_000) < 5, `the 3,000 over-reserved are back: ${settled.tokenLevel}`);
  assert.deepEqual(settled.learned.get('de'), { ratio: 0.8, replies: 1 }, 'used ÷ estimated, shared');
  const tooBig = await script.acquire(acquireArgs('b', 'de', 4_000));
  assert.equal(tooBig.granted, false, '4,000 fit the level but not with 600 kept free');
  assert.ok(tooBig.waitMs > 5_900 && tooBig.waitMs <= 6_000, `600 tokens at 100 a second: ${tooBig.waitMs} ms`);
  await sleep(100);
  const later = await script.peek();
  assert.ok(later.tokenLevel >= settled.tokenLevel + 9, `refilled ~10 tokens in 100 ms: ${settled.tokenLevel} → ${later.tokenLevel}`);
});

test('slow start is shared: one untested call across all workers, then one per kind until a reply of that kind', async (t) => {
  const endpoint = sharedEndpoint(t);
  const a = endpoint.worker({ rpm: 6_000, tpm: 600_000 });
  const b = endpoint.worker({ rpm: 6_000, tpm: 600_000 });
  const c = endpoint.worker({ rpm: 6_000, tpm: 600_000 });
  const first = await a.acquire(100, undefined, 'de');
  const second = b.acquire(100, undefined, 'de');
  assert.equal(await settledWithin(second, 150), false, 'another worker waits for the first reply');
  first.settle({ usedTokens: 100 });
  (await second).settle({ usedTokens: 100 });
  const thai = await a.acquire(100, undefined, 'th');
  const thaiElsewhere = b.acquire(100, undefined, 'th');
  const german = await c.acquire(100, undefined, 'de');
  assert.equal(await settledWithin(thaiElsewhere, 150), false, 'a second Thai call waits for the first Thai reply, German ones do not');
  thai.settle({ usedTokens: 250 });
  (await thaiElsewhere).settle({ usedTokens: 250 });
  german.settle({ usedTokens: 100 });
  await Promise.all([a.onIdle(), b.onIdle(), c.onIdle()]);
  (await b.acquire(1, undefined, 'de')).settle({ usedTokens: 1 });
  assert.equal(b.snapshot().burstTokens('th'), Math.floor(10_000 / (2.5 * (1.05 + 0.5 / 3))), "A's Thai replies taught B: two replies at 2.5×");
});

test('a settle gives back what the estimate over-reserved, for every worker', async (t) => {
  const endpoint = sharedEndpoint(t);
  const limits = { rpm: 60, tpm: 6_000, burstMs: 60_000 };
  const a = endpoint.worker(limits);
  const script = endpoint.script(limits);
  const permit = await a.acquire(2_000, undefined, 'de'); // untested: 2,000 × 1.55 = 3,100 reserved
  const before = (await script.peek()).tokenLevel;
  assert.ok(Math.abs(before - 2_900) < 10, `${before}`);
  permit.settle({ usedTokens: 500 });
  await a.onIdle();
  const back = (await script.peek()).tokenLevel - before;
  assert.ok(back >= 2_600 && back < 2_650, `the call used 500: the other 2,600 are back (and ~1 token per 10 ms refilled): ${back}`);
});

test('a 429 pause seen by one worker holds every worker, and a waiting acquire is abortable', async (t) => {
  const endpoint = sharedEndpoint(t);
  const a = endpoint.worker({ rpm: 6_000, tpm: 600_000 });
  const b = endpoint.worker({ rpm: 6_000, tpm: 600_000 });
  (await a.acquire(10)).settle({ usedTokens: 10 });
  a.pause(60_000);
  await a.onIdle();
  const controller = new AbortController();
  const waiting = b.acquire(10, controller.signal);
  assert.equal(await settledWithin(waiting, 150), false);
  assert.ok(b.snapshot().waitMs(10) > 59_000, `B knows the pause from Redis: ${b.snapshot().waitMs(10)} ms`);
  controller.abort(new Error('cancelled'));
  await assert.rejects(waiting, /cancelled/);
  assert.equal(b.snapshot().waiting, 0);
});

test('limits learned from one worker’s reply headers apply to all', async (t) => {
  const endpoint = sharedEndpoint(t);
  const a = endpoint.worker({ rpm: 6_000, tpm: 600_000 });
  const b = endpoint.worker({ rpm: 6_000, tpm: 600_000 });
  (await a.acquire(10)).settle({ usedTokens: 10, rateLimit: { limitRequests: 600, remainingRequests: 0, resetRequestsMs: 1_000, limitTokens: 60_000, remainingTokens: 900, resetTokensMs: 100 } });
  await a.onIdle();
  const permit = await b.acquire(10);
  const seen = b.snapshot();
  assert.equal(seen.rpm, 600, 'the provider reported a lower RPM');
  assert.equal(seen.tpm, 60_000);
  assert.equal(seen.burstTokens(''), Math.floor(1_000 / (1 * (1.05 + 0.5 / 2))), 'the token burst taught by remaining + reset: 900 + 100 ms of refill');
  permit.settle({ usedTokens: 10 });
});

test('the in-flight cap is shared, and the slots of a worker that died free themselves', async (t) => {
  const endpoint = sharedEndpoint(t);
  const limits = { rpm: 6_000, tpm: 600_000, maxConcurrency: 1, slotTtlMs: 600, refreshMs: 100 };
  const a = endpoint.worker(limits);
  const b = endpoint.worker(limits);
  (await a.acquire(10)).settle({ usedTokens: 10 }); // past the slow start
  await a.onIdle();
  const held = await a.acquire(10);
  const blocked = b.acquire(10);
  assert.equal(await settledWithin(blocked, 1_200), false, 'A renews its slot past the 600 ms ttl while it lives');
  assert.equal(b.snapshot().inFlight, 1);
  held.settle({ usedTokens: 10 });
  const next = await blocked;
  // B's holder now dies without settling: its connection and renewals stop, as on SIGKILL.
  const c = endpoint.worker(limits);
  const waiting = c.acquire(10);
  assert.equal(await settledWithin(waiting, 150), false);
  await b.close();
  (await waiting).settle({ usedTokens: 10 });
  void next;
});

test('an endpoint is identified by base URL, model and key name, never the key', () => {
  const base = { name: 'main', baseUrl: 'https://api.example.com/v1', model: 'gpt-4o-mini', apiKeyEnv: 'OPENAI_API_KEY' };
  assert.equal(endpointId(base), endpointId({ ...base, name: 'renamed' }), 'the same key on the same model shares one budget');
  assert.notEqual(endpointId(base), endpointId({ ...base, model: 'gpt-4o' }));
  assert.notEqual(endpointId(base), endpointId({ ...base, apiKeyEnv: 'OTHER_KEY' }));
  assert.match(endpointId(base), /^[0-9a-f]{16}$/);
});

test('Redis killed mid-run: acquire waits (abortably) and resumes when Redis is back; the outage is reported', async (t) => {
  const redis = await ownRedis();
  const events: LimiterStatusEvent['status'][] = [];
  const shared = createSharedLimiters({ redisUrl: redis.url, prefix: 'fanyi-test', onStatus: (event) => events.push(event.status) });
  t.after(async () => {
    await shared.close();
    await redis.kill();
  });
  const limiter = shared.limiterFor({ name: 'x', model: 'm', rpm: 6_000, tpm: 600_000 });
  (await limiter.acquire(10)).settle({ usedTokens: 10 });
  await redis.kill();
  const aborted = new AbortController();
  const abandoned = limiter.acquire(10, aborted.signal);
  const waiting = limiter.acquire(10);
  assert.equal(await settledWithin(waiting, 1_500), false, 'no budget to draw on: wait');
  assert.deepEqual(events, ['unavailable']);
  aborted.abort(new Error('cancelled'));
  await assert.rejects(abandoned, /cancelled/);
  await redis.start();
  (await waiting).settle({ usedTokens: 10 });
  assert.deepEqual(events, ['unavailable', 'available']);
});
