/**
 * Adaptive control per endpoint, not per process (issue 14): two SharedAdaptiveControls, each with
 * its own events and its own connection to a real Redis as two worker processes would have, on one
 * endpoint under a key prefix of the test's own. The periods are stepped with an injected clock,
 * so each test decides which report falls in which period.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SharedAdaptiveControl, shareOf } from '../../src/executor/shared-adaptive-control.ts';
import { RedisControlState } from '../../src/limits/redis/redis-control-state.ts';
import type { EndpointStatus } from '../../src/llm/endpoints/endpoint-pool.ts';
import { EngineEvents, type EngineEventMap } from '../../src/monitor/engine-events.ts';
import { deleteKeys, ownRedis, REDIS_URL } from '../helpers/redis-server.ts';

/** Long enough that no timer period passes during a test: every evaluation is a stepped one. */
const INTERVAL_MS = 600_000;
const idle: EndpointStatus = { name: 'e', model: 'm', state: 'ready', fallback: false, inFlight: 0, waiting: 0, rpm: 1, tpm: 1 };

type Adjusted = EngineEventMap['control:adjusted'][0];

/** A worker process's view: its own connection, events and control; its calls are emitted on its events. */
function processes(t: TestContext, url = REDIS_URL) {
  const prefix = `fanyi-test:${randomUUID()}`;
  let clock = 1_000 * INTERVAL_MS + 10;
  const made: Array<{ control: SharedAdaptiveControl; state: RedisControlState }> = [];
  t.after(async () => {
    for (const { control, state } of made) {
      control.stop();
      await state.close();
    }
    await deleteKeys(REDIS_URL, prefix);
  });
  return {
    /** Moves the clock into the next period. */
    nextPeriod() {
      clock += INTERVAL_MS;
    },
    start(name: string, ceiling = 4) {
      const events = new EngineEvents();
      const statuses: string[] = [];
      const state = new RedisControlState({ redisUrl: url, prefix, onStatus: (status) => statuses.push(status) });
      const control = new SharedAdaptiveControl({
        jobId: 'job-1', events, startWorkers: 4, maxWorkers: 20, endpoints: () => [idle], batchTokenBudget: 10_000, intervalMs: INTERVAL_MS,
        state, scope: 'endpoint-a', ceiling, now: () => clock,
      });
      made.push({ control, state });
      control.start();
      const adjusted: Adjusted[] = [];
      events.on('control:adjusted', (e) => adjusted.push(e));
      return {
        name,
        control,
        statuses,
        adjusted,
        calls(ok: number, failed = 0, waitMs = 0) {
          for (let i = 0; i < ok; i++) events.emit('call:done', { jobId: 'job-1', batchId: 'b', items: 10, promptTokens: 500, completionTokens: 500, ms: 300, waitMs, ok: true });
          for (let i = 0; i < failed; i++) events.emit('call:done', { jobId: 'job-1', batchId: 'b', items: 10, promptTokens: 500, completionTokens: 0, ms: 300, ok: false });
        },
        rateLimited() {
          events.emit('call:error', { jobId: 'job-1', batchId: 'b', kind: 'rate_limit', message: '429' });
        },
      };
    },
  };
}

test('errors seen only by one process shrink the batches of both, in one evaluation per period', async (t) => {
  const cluster = processes(t);
  const a = cluster.start('a');
  const b = cluster.start('b');
  a.calls(4, 4);
  b.calls(8);
  await a.control.evaluate();
  await b.control.evaluate();
  assert.equal(b.control.itemsPerCall(100), 100, 'nothing evaluated yet: full batches');
  cluster.nextPeriod();
  // B reports first and evaluates the period before: A's 4 errors in 16 calls (25%), B's own calls all good.
  await b.control.evaluate();
  await a.control.evaluate();
  await a.control.evaluate();
  assert.equal(b.control.itemsPerCall(100), 80, 'B applies what A saw');
  assert.equal(a.control.itemsPerCall(100), 80);
  const adjustments = [...a.adjusted, ...b.adjusted];
  assert.deepEqual(adjustments.map((e) => `${e.setting} ${e.from}→${e.to}`), ['batch_size 1→0.8'], 'one evaluation, one adjustment');
  assert.equal(b.adjusted.length, 1, 'emitted by the evaluating process');
  assert.match(adjustments[0].reason, /error rate 25%/);
  cluster.nextPeriod();
  a.calls(8);
  b.calls(8);
  await a.control.evaluate();
  await b.control.evaluate();
  assert.equal([...a.adjusted, ...b.adjusted].length, 1, 'a period without errors: nothing new');
});

test('a 429 seen by one process takes a worker from the cluster, and both work on their share', async (t) => {
  const cluster = processes(t);
  const a = cluster.start('a');
  const b = cluster.start('b');
  a.calls(6);
  b.calls(5);
  b.rateLimited();
  await a.control.evaluate();
  await b.control.evaluate();
  assert.equal(a.control.workers + b.control.workers, 8, 'no cap yet: each its own ceiling');
  cluster.nextPeriod();
  a.calls(6);
  b.calls(5);
  b.rateLimited();
  await a.control.evaluate();
  await b.control.evaluate();
  assert.equal(a.control.workers + b.control.workers, 7, 'one 429 on B: one worker fewer in all');
  cluster.nextPeriod();
  a.calls(6);
  await a.control.evaluate();
  await b.control.evaluate();
  assert.deepEqual([a.control.workers, b.control.workers], [3, 3], 'the second 429 on B: both work on 3, A too');
  const workers = [...a.adjusted, ...b.adjusted].filter((e) => e.setting === 'workers');
  assert.deepEqual(workers.map((e) => `${e.from}→${e.to}`), ['8→7', '7→6']);
  assert.notEqual(workers[0].period, workers[1].period);
});

test('calls queuing at the limiter are counted as the mean over the period, not as instant samples summed', async (t) => {
  const cluster = processes(t);
  const a = cluster.start('a');
  const b = cluster.start('b');
  // Each call waited a tenth of a period at the limiter: 0.8 + 0.8 calls waiting on average.
  a.calls(8, 0, INTERVAL_MS / 10);
  b.calls(8, 0, INTERVAL_MS / 10);
  await a.control.evaluate();
  await b.control.evaluate();
  cluster.nextPeriod();
  a.calls(8, 0, INTERVAL_MS / 2);
  await a.control.evaluate();
  await b.control.evaluate();
  assert.equal(a.control.workers + b.control.workers, 8, 'fewer than two waiting on average: the workers stay');
  cluster.nextPeriod();
  await a.control.evaluate();
  assert.deepEqual([...a.adjusted, ...b.adjusted].map((e) => `${e.setting} ${e.from}→${e.to}: ${e.reason}`), ['workers 8→7: 4 calls waiting for the rate limit']);
});

test('shares: split evenly within each ceiling, smaller ceilings first, at least one each; no cap is the own ceiling', () => {
  const members = [{ id: 'a', ceiling: 4 }, { id: 'b', ceiling: 4 }, { id: 'c', ceiling: 1 }];
  assert.deepEqual(members.map((m) => shareOf(7, members, m)), [3, 3, 1]);
  assert.deepEqual(members.map((m) => shareOf(9, members, m)), [4, 4, 1]);
  assert.deepEqual(members.map((m) => shareOf(2, members, m)), [1, 1, 1]);
  assert.deepEqual(members.map((m) => shareOf(null, members, m)), [4, 4, 1]);
});

test('Redis unreachable: each process adapts to its own calls, says so once, and shares again when it is back', async (t) => {
  const redis = await ownRedis();
  t.after(() => redis.kill());
  const cluster = processes(t, redis.url);
  const a = cluster.start('a');
  const b = cluster.start('b');
  a.calls(8);
  b.calls(8);
  await a.control.evaluate();
  await b.control.evaluate();
  await redis.kill();
  for (let period = 0; period < 2; period++) {
    cluster.nextPeriod();
    a.calls(4, 4);
    b.calls(8);
    await a.control.evaluate();
    await b.control.evaluate();
  }
  assert.deepEqual(a.statuses, ['unavailable'], 'A says so once');
  assert.deepEqual(b.statuses, ['unavailable'], 'B says so once');
  assert.equal(a.control.itemsPerCall(100), 64, "A's own errors shrink A's batches twice");
  assert.equal(b.control.itemsPerCall(100), 100, 'B saw no errors: its batches stay');
  assert.ok(a.adjusted.every((e) => /this process alone/.test(e.reason)));
  await redis.start();
  // The connections come back by themselves (ioredis reconnects with a backoff); no new calls
  // meanwhile. A reports first: the Redis came back empty, and A's evaluation stores what A has.
  for (const worker of [a, b]) {
    for (let tries = 0; !worker.statuses.includes('available') && tries < 100; tries++) {
      cluster.nextPeriod();
      await worker.control.evaluate();
      await sleep(50);
    }
  }
  assert.deepEqual(a.statuses, ['unavailable', 'available']);
  assert.deepEqual(b.statuses, ['unavailable', 'available']);
  cluster.nextPeriod();
  a.calls(8);
  b.calls(8);
  await a.control.evaluate();
  await b.control.evaluate();
  assert.equal(b.control.itemsPerCall(100), 64, "back on an empty Redis: A's settings, seeded by its evaluation, reach B");
});

test('an evaluation slower than a period is dropped, not forked: settings are saved only over the version the lead read', async (t) => {
  const prefix = `fanyi-test:${randomUUID()}`;
  const [slow, quick] = [new RedisControlState({ redisUrl: REDIS_URL, prefix }), new RedisControlState({ redisUrl: REDIS_URL, prefix })];
  t.after(async () => {
    await slow.close();
    await quick.close();
    await deleteKeys(REDIS_URL, prefix);
  });
  const observed = { attempts: 1, errors: 0, rateLimited: 0, answered: 1, ms: 300, tokens: 100, waiting: 0, waitMs: 0, inFlight: 1 };
  const report = (state: RedisControlState, member: string, period: number) => state.report({ scope: 'endpoint-a', intervalMs: INTERVAL_MS, member: { id: member, ceiling: 4 }, jobId: 'job-1', observed, now: period * INTERVAL_MS + 10 });
  // Period 1000's lead reads the settings, then stalls; period 1001's lead reads the same ones.
  const first = await report(slow, 'a', 1_000);
  const second = await report(quick, 'b', 1_001);
  assert.ok(first.lead && second.lead, 'each leads its period');
  assert.deepEqual([first.version, second.version], [0, 0]);
  assert.equal(await quick.save('endpoint-a', { batchFactor: 0.8, workers: null }, second.version), true, 'the first to save stores');
  assert.equal(await slow.save('endpoint-a', { batchFactor: 0.64, workers: 3 }, first.version), false, 'the stalled one finds another version and stores nothing');
  const after = await report(slow, 'a', 1_001);
  assert.deepEqual([after.settings, after.version], [{ batchFactor: 0.8, workers: null }, 1]);
  assert.equal(await slow.save('endpoint-a', { batchFactor: 0.64, workers: 3 }, after.version), true, 'from the version it read, the next save stores');
});
