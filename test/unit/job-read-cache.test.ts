import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { JobReadCache, type JobReadCacheOptions } from '../../src/server/job-read-cache.ts';
import type { JobRow } from '../../src/store/job-store.ts';

const job = (status: string, id = 'job_1') => ({ job_id: id, status }) as JobRow;
/** The global setTimeout, which the mock replaces (Node 20 does not mock `timers/promises`). */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Fake time: the cache's clock and the reads' sleeps move only when the test ticks them, so the
 * TTL edges are tested to the millisecond on any machine load. `tick` also lets settled reads run
 * their `then` callbacks.
 */
function fakeTime(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  return async (ms: number): Promise<void> => {
    t.mock.timers.tick(ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
}

/** A cache on the fake clock whose reads count their calls, take `ms`, and answer `<job>:<call>` (or fail while `failing`). */
function counted(ms: number, options: JobReadCacheOptions) {
  const state = { reads: 0, failing: false };
  const read = async (jobId: string) => {
    state.reads++;
    await sleep(ms);
    if (state.failing) throw new Error('store down');
    return `${jobId}:${state.reads}`;
  };
  return { state, cache: new JobReadCache(read, { ...options, now: Date.now }) };
}

describe('JobReadCache', () => {
  test('concurrent polls share one read; a repeat within the TTL reads nothing', async (t) => {
    const tick = fakeTime(t);
    const { state, cache } = counted(5, { minTtlMs: 1_000 });
    const polls = Promise.all(Array.from({ length: 50 }, () => cache.get(job('running'))));
    await tick(5);
    assert.deepEqual(await polls, Array(50).fill('job_1:1'));
    await tick(999);
    assert.equal(await cache.get(job('running')), 'job_1:1');
    assert.equal(state.reads, 1);
  });

  test('a new job status is read at once, never answered from the old one', async (t) => {
    const tick = fakeTime(t);
    const { cache } = counted(5, { minTtlMs: 60_000 });
    const read = async (row: JobRow) => {
      const answer = cache.get(row);
      await tick(5);
      return answer;
    };
    assert.equal(await read(job('running')), 'job_1:1');
    assert.equal(await read(job('completed')), 'job_1:2');
    assert.equal(await read(job('running', 'job_2')), 'job_2:3', 'jobs are kept apart');
  });

  test('past the TTL the last value answers while one refresh runs; then the new one', async (t) => {
    const tick = fakeTime(t);
    const { state, cache } = counted(20, { minTtlMs: 30, costFactor: 1 });
    const first = cache.get(job('running'));
    await tick(20);
    assert.equal(await first, 'job_1:1');
    await tick(29);
    assert.equal(await cache.get(job('running')), 'job_1:1', 'within the TTL');
    assert.equal(state.reads, 1);
    await tick(1);
    assert.equal(await cache.get(job('running')), 'job_1:1', 'one TTL old: the last value, a refresh starts');
    assert.equal(await cache.get(job('running')), 'job_1:1');
    assert.equal(state.reads, 2, 'one refresh for both polls');
    await tick(20);
    assert.equal(await cache.get(job('running')), 'job_1:2');
    assert.equal(state.reads, 2);
  });

  test('a slow read is kept costFactor times as long as it took', async (t) => {
    const tick = fakeTime(t);
    const { state, cache } = counted(30, { minTtlMs: 1, costFactor: 10 });
    const first = cache.get(job('running'));
    await tick(30);
    await first;
    await tick(299);
    await cache.get(job('running'));
    assert.equal(state.reads, 1, 'a 30 ms read is good for 300 ms');
    await tick(1);
    await cache.get(job('running'));
    assert.equal(state.reads, 2, 'and no longer');
  });

  test('a failed first read is the caller’s error; a failed refresh keeps the last value', async (t) => {
    const tick = fakeTime(t);
    const { state, cache } = counted(1, { minTtlMs: 50, costFactor: 1 });
    state.failing = true;
    const failed = assert.rejects(cache.get(job('running')), /store down/);
    await tick(1);
    await failed;
    state.failing = false;
    const second = cache.get(job('running'));
    await tick(1);
    assert.equal(await second, 'job_1:2');
    state.failing = true;
    await tick(60);
    assert.equal(await cache.get(job('running')), 'job_1:2');
    await tick(1);
    assert.equal(state.reads, 3, 'the refresh ran and failed');
    assert.equal(await cache.get(job('running')), 'job_1:2', 'the last value stays');
  });

  test('polls further apart than two TTLs wait for a fresh read instead of an old value', async (t) => {
    const tick = fakeTime(t);
    const { state, cache } = counted(5, { minTtlMs: 20, costFactor: 1 });
    const first = cache.get(job('running'));
    await tick(5);
    await first;
    await tick(40);
    const late = cache.get(job('running'));
    await tick(5);
    assert.equal(await late, 'job_1:2');
    assert.equal(state.reads, 2);
  });

  test('remembers at most maxEntries jobs, dropping the least recently read', async (t) => {
    const tick = fakeTime(t);
    const { state, cache } = counted(1, { minTtlMs: 60_000, maxEntries: 2 });
    const get = async (id: string) => {
      const answer = cache.get(job('running', id));
      await tick(1);
      return answer;
    };
    await get('a');
    await get('b');
    await get('a');
    await get('c');
    assert.equal(state.reads, 3);
    await get('a');
    assert.equal(state.reads, 3, 'a was read recently and stayed');
    await get('b');
    assert.equal(state.reads, 4, 'b was dropped');
  });
});
