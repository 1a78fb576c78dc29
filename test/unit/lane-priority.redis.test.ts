/**
 * Lanes sharing one endpoint's budget across worker processes (endpoint-budget.lua on a real
 * Redis, under a key prefix of this file's own, deleted after): a learning call waiting on one
 * worker is granted before a translation call that waited longer on another, calls of one lane
 * are served in the order they came whatever worker holds them, and a reserved share lets
 * translation through while learning saturates the endpoint elsewhere.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { LanePolicies } from '../../src/limits/lane-policy.ts';
import { RedisEndpointLimiter } from '../../src/limits/redis/redis-endpoint-limiter.ts';
import { deleteKeys, ownRedis, REDIS_URL } from '../helpers/redis-server.ts';

/** One endpoint key of the test's own; `worker()` is one more process's limiter on it, with its own connection. */
function sharedEndpoint(t: TestContext, url = REDIS_URL) {
  const prefix = `fanyi-test:${randomUUID()}`;
  const key = `${prefix}:{endpoint}`;
  const connections: Redis[] = [];
  const limiters: RedisEndpointLimiter[] = [];
  t.after(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    for (const redis of connections) redis.disconnect();
    await deleteKeys(url, prefix);
  });
  return {
    /** The lanes the shared waiting table holds (endpoint-budget.lua KEYS[5]), sorted. */
    async waitingLanes(): Promise<string[]> {
      const redis = new Redis(url);
      connections.push(redis);
      return (await redis.hkeys(`${key}:waiting`)).map((field) => field.split('|')[0]).sort();
    },
    worker(lanes: LanePolicies) {
      const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
      connections.push(redis);
      // 1,000 tokens a second, a one-second burst.
      const limiter = new RedisEndpointLimiter({ redis, key, rpm: 1e6, tpm: 60_000, lanes, refreshMs: 200 });
      limiters.push(limiter);
      return limiter;
    },
  };
}

const lanes = (translationShare: number): LanePolicies => ({
  learning: { priority: 40, reservedShare: 0 },
  translation: { priority: 20, reservedShare: translationShare },
});

/** Past the shared slow start, then the bucket driven ~1,600 tokens below empty: the next calls wait ~1.8 s. */
async function drain(limiter: RedisEndpointLimiter): Promise<void> {
  (await limiter.acquire(1)).settle({ usedTokens: 1 });
  await limiter.onIdle();
  await limiter.acquire(2_000);
}

test('with the bucket empty, a learning call on one worker goes before a translation call that queued first on another', async (t) => {
  const endpoint = sharedEndpoint(t);
  const translationWorker = endpoint.worker(lanes(0));
  const learningWorker = endpoint.worker(lanes(0));
  await drain(translationWorker);
  const order: string[] = [];
  const translation = translationWorker.acquire(100, undefined, '', 'translation').then(() => order.push('translation'));
  await sleep(100);
  const learning = learningWorker.acquire(100, undefined, '', 'learning').then(() => order.push('learning'));
  await Promise.all([translation, learning]);
  assert.deepEqual(order, ['learning', 'translation']);
});

/** 12 learning calls on one worker, then one translation call on another; the order they were granted in. */
async function grants(t: TestContext, translationShare: number): Promise<string[]> {
  const endpoint = sharedEndpoint(t);
  const learningWorker = endpoint.worker(lanes(translationShare));
  const translationWorker = endpoint.worker(lanes(translationShare));
  await drain(learningWorker);
  const order: string[] = [];
  const calls = Array.from({ length: 12 }, () => learningWorker.acquire(100, undefined, '', 'learning').then(() => order.push('learning')));
  await sleep(100);
  calls.push(translationWorker.acquire(100, undefined, '', 'translation').then(() => order.push('translation')));
  await Promise.all(calls);
  return order;
}

test('a reserved share holds across workers: translation is served while learning saturates the endpoint', async (t) => {
  const without = await grants(t, 0);
  assert.equal(without.indexOf('translation'), 12, `without a reserve, translation waits for every learning call: ${without.join(' ')}`);
  const reserved = await grants(t, 0.5);
  const at = reserved.indexOf('translation');
  assert.ok(at >= 0 && at < 8, `with half the budget reserved, translation goes within the first learning calls: ${reserved.join(' ')}`);
});

test('within a lane, first come first served across workers: a large call that waited longer is not overtaken by smaller ones', async (t) => {
  const endpoint = sharedEndpoint(t);
  const patient = endpoint.worker(lanes(0));
  const eager = endpoint.worker(lanes(0));
  await drain(patient);
  const order: string[] = [];
  const large = patient.acquire(600, undefined, '', 'translation').then(() => order.push('large'));
  await sleep(100);
  const small = Array.from({ length: 4 }, () => eager.acquire(100, undefined, '', 'translation').then(() => order.push('small')));
  await Promise.all([large, ...small]);
  assert.deepEqual(order, ['large', 'small', 'small', 'small', 'small'], 'the small calls fit the refill sooner, but queued later');
});

test('a worker that stops waiting holds no lane back: its waiting entry is gone at its next refresh, not at the ttl', async (t) => {
  const endpoint = sharedEndpoint(t);
  const learningWorker = endpoint.worker(lanes(0));
  const translationWorker = endpoint.worker(lanes(0));
  await drain(learningWorker);
  const aborted = new AbortController();
  const gone = learningWorker.acquire(100, aborted.signal, '', 'learning');
  const translation = translationWorker.acquire(100, undefined, '', 'translation');
  await sleep(100);
  assert.deepEqual(await endpoint.waitingLanes(), ['learning', 'translation'], 'both wait, each under its worker');
  aborted.abort(new Error('cancelled'));
  await assert.rejects(gone, /cancelled/);
  await sleep(600); // three refreshes; the entry's ttl is 3 s
  assert.deepEqual(await endpoint.waitingLanes(), ['translation']);
  await translation;
  assert.deepEqual(await endpoint.waitingLanes(), [], 'granted: nothing waits');
});

test('a refresh sent behind a granting acquire does not put the granted call back in the waiting table', async (t) => {
  // Its own redis-server: CLIENT PAUSE holds every client of the server, other test files' too.
  const server = await ownRedis();
  const endpoint = sharedEndpoint(t, server.url);
  // After the endpoint's own cleanup (hooks run in the order they were added), which needs the server.
  t.after(() => server.kill());
  const worker = endpoint.worker(lanes(0));
  await drain(worker);
  const call = worker.acquire(100, undefined, '', 'translation');
  await sleep(100);
  assert.deepEqual(await endpoint.waitingLanes(), ['translation']);
  // The call asks again when the refill is due (~1.8 s); writes held until 2.6 s queue the refreshes
  // (every 200 ms) behind that acquire, and Redis runs them in the order they came.
  const admin = new Redis(server.url);
  await admin.call('CLIENT', 'PAUSE', '2500', 'WRITE');
  admin.disconnect();
  await call;
  assert.deepEqual(await endpoint.waitingLanes(), [], 'granted: nothing waits');
});
