import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { JobReadCache } from '../../src/server/job-read-cache.ts';
import type { JobRow } from '../../src/store/job-store.ts';

const job = (status: string, id = 'job_1') => ({ job_id: id, status }) as JobRow;

/** A read that counts its calls, takes `ms`, and answers `<job>:<call>` (or fails while `failing`). */
function counter(ms = 5) {
  const state = { reads: 0, failing: false };
  const read = async (jobId: string) => {
    state.reads++;
    await sleep(ms);
    if (state.failing) throw new Error('store down');
    return `${jobId}:${state.reads}`;
  };
  return { state, read };
}

describe('JobReadCache', () => {
  test('concurrent polls share one read; a repeat within the TTL reads nothing', async () => {
    const { state, read } = counter();
    const cache = new JobReadCache(read, { minTtlMs: 1_000 });
    assert.deepEqual(await Promise.all(Array.from({ length: 50 }, () => cache.get(job('running')))), Array(50).fill('job_1:1'));
    assert.equal(await cache.get(job('running')), 'job_1:1');
    assert.equal(state.reads, 1);
  });

  test('a new job status is read at once, never answered from the old one', async () => {
    const { read } = counter();
    const cache = new JobReadCache(read, { minTtlMs: 60_000 });
    assert.equal(await cache.get(job('running')), 'job_1:1');
    assert.equal(await cache.get(job('completed')), 'job_1:2');
    assert.equal(await cache.get(job('running', 'job_2')), 'job_2:3', 'jobs are kept apart');
  });

  test('past the TTL the last value answers while one refresh runs; then the new one', async () => {
    const { state, read } = counter(20);
    const cache = new JobReadCache(read, { minTtlMs: 30, costFactor: 1 });
    await cache.get(job('running'));
    await sleep(40);
    assert.equal(await cache.get(job('running')), 'job_1:1');
    assert.equal(await cache.get(job('running')), 'job_1:1');
    await sleep(30);
    assert.equal(await cache.get(job('running')), 'job_1:2');
    assert.equal(state.reads, 2);
  });

  test('a slow read is kept costFactor times as long as it took', async () => {
    const { state, read } = counter(30);
    const cache = new JobReadCache(read, { minTtlMs: 1, costFactor: 10 });
    await cache.get(job('running'));
    await sleep(100);
    await cache.get(job('running'));
    assert.equal(state.reads, 1, 'a 30 ms read is good for ~300 ms');
  });

  test('a failed first read is the caller’s error; a failed refresh keeps the last value', async () => {
    const { state, read } = counter(1);
    const cache = new JobReadCache(read, { minTtlMs: 50, costFactor: 1 });
    state.failing = true;
    await assert.rejects(cache.get(job('running')), /store down/);
    state.failing = false;
    assert.equal(await cache.get(job('running')), 'job_1:2');
    state.failing = true;
    await sleep(60);
    assert.equal(await cache.get(job('running')), 'job_1:2');
  });

  test('polls further apart than two TTLs wait for a fresh read instead of an old value', async () => {
    const { state, read } = counter(5);
    const cache = new JobReadCache(read, { minTtlMs: 20, costFactor: 1 });
    await cache.get(job('running'));
    await sleep(60);
    assert.equal(await cache.get(job('running')), 'job_1:2');
    assert.equal(state.reads, 2);
  });

  test('remembers at most maxEntries jobs, dropping the least recently read', async () => {
    const { state, read } = counter(1);
    const cache = new JobReadCache(read, { minTtlMs: 60_000, maxEntries: 2 });
    await cache.get(job('running', 'a'));
    await cache.get(job('running', 'b'));
    await cache.get(job('running', 'a'));
    await cache.get(job('running', 'c'));
    assert.equal(state.reads, 3);
    await cache.get(job('running', 'a'));
    assert.equal(state.reads, 3, 'a was read recently and stayed');
    await cache.get(job('running', 'b'));
    assert.equal(state.reads, 4, 'b was dropped');
  });
});
