import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { EndpointLimiter } from '../../src/limits/endpoint-limiter.ts';
import { WorkerShares } from '../../src/queue/worker-shares.ts';
import { createSqliteStore } from '../../src/store/create-store.ts';
import type { JobStore, WorkerInfo } from '../../src/store/job-store.ts';

// Workers on a PostgreSQL queue with no Redis cannot draw on one budget; each paces on its share:
// its concurrency over every online worker's on a lane that calls models (src/queue/worker-shares.ts).

let dir: string;
let store: JobStore;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fanyi-shares-'));
  store = await createSqliteStore({ filename: path.join(dir, 'fanyi.db') });
});

after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const worker = (id: string, concurrency: number, lanes: string[], heartbeatAt = Date.now()): WorkerInfo =>
  ({ workerId: id, name: id, host: 'h', pid: 1, lanes, concurrency, startedAt: heartbeatAt, heartbeatAt, currentBatches: [] });

test("each worker's share is its concurrency over every online model worker's; limiters follow it as workers come and go", async () => {
  const seen: Array<[number, number]> = [];
  const shares = new WorkerShares({ store, concurrency: 2, workerId: 'me', onShare: (share, workers) => seen.push([share, workers]) });
  await store.saveWorker(worker('me', 2, ['translation']));
  await shares.refresh();
  assert.equal(shares.share, 1, 'alone: the whole budget');
  const limiter = shares.limiterFor({ name: 'e', model: 'm', rpm: 1200, tpm: 200_000, maxConcurrency: 8 }) as EndpointLimiter;
  assert.equal(limiter.snapshot().rpm, 1200);

  await store.saveWorker(worker('w2', 4, ['translation', 'insights']));
  await store.saveWorker(worker('ingest', 8, ['ingestion']));
  await store.saveWorker(worker('dead', 8, ['translation'], Date.now() - 5 * 60_000));
  await shares.refresh();
  assert.equal(shares.share, 2 / 6, 'an ingestion-only worker calls no model; a worker silent for minutes is offline');
  assert.deepEqual([limiter.snapshot().rpm, Math.round(limiter.snapshot().tpm), limiter.snapshot().maxConcurrency], [400, 66_667, 2]);
  const later = shares.limiterFor({ name: 'f', model: 'm', rpm: 600, tpm: 60_000 }) as EndpointLimiter;
  assert.equal(later.snapshot().rpm, 200, 'a limiter made later starts at the share');

  await store.removeWorker('w2');
  await shares.refresh();
  assert.deepEqual([limiter.snapshot().rpm, later.snapshot().rpm], [1200, 600], 'the other worker stopped: the whole budget again');
  assert.deepEqual(seen, [[1, 1], [2 / 6, 2], [1, 1]], 'reported as first read and on each change');
});
