/**
 * A run SIGKILLed under a parent that does not reap it (a zombie, as in a container whose init
 * does not reap) holds leases that a resume on the same host must take over at once: the zombie
 * still answers kill(0), but it will never renew a lease again.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { BIN_PATH, describeResult, makeTempDir, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb as withDb } from '../helpers/read-db.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, wrongCells, writeStringTable } from '../helpers/string-table.ts';
import { spawnUnreaped, type UnreapedChild } from '../helpers/unreaped-child.ts';
import { parseWorkerId } from '../../src/queue/local/worker-id.ts';

interface Lease {
  batchId: string;
  workerId: string;
  leaseUntil: number;
}

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let provider: SimulatedProvider;
let killed: UnreapedChild | undefined;
/** Leases the killed run still held when the resume started. */
let held: Lease[];
let resumed: CliResult;
let db: string;
let out: string;
let expected: Map<string, string>;

before(async () => {
  temp = await makeTempDir();
  provider = await startSimulatedProvider({ apiKey: 'test-key', latencyMs: 150 });
  const table = await writeStringTable(path.join(temp.dir, 'strings.xlsx'), uniqueTexts(400));
  expected = table.expected;
  [db, out] = [path.join(temp.dir, 'job.db'), path.join(temp.dir, 'out.xlsx')];
  const flags = ['--to', 'pt-BR,th', '--concurrency', '4', '--max-batch-tokens', '300', '--out', out, '--db', db, ...providerFlags(provider.baseUrl)];
  killed = await spawnUnreaped(process.execPath, [BIN_PATH, 'translate', table.file, ...flags], { cwd: temp.dir });
  const child = killed;
  await until(() => leases(db).some((lease) => parseWorkerId(lease.workerId)?.pid === child.pid), () => `no lease taken; stderr: ${child.output.stderr}`);
  await killed.killToZombie();
  held = leases(db);
  // Ample time: were the leases waited out (2 minutes), the assertions below say so rather than a timeout.
  resumed = await runCli(['resume', '--db', db, ...providerFlags(provider.baseUrl)], { cwd: temp.dir, timeoutMs: 200_000 });
});

after(async () => {
  await killed?.cleanup();
  await provider?.close();
  await temp?.cleanup();
});

test('the killed run was a zombie holding leases when the resume started', () => {
  assert.ok(held.length > 0, 'the killed run held leases');
  for (const lease of held) assert.equal(parseWorkerId(lease.workerId)?.pid, killed!.pid, lease.workerId);
});

test('the resume claims every batch the zombie held before its lease runs out', () => {
  assert.equal(resumed.code, 0, describeResult(resumed));
  const late = held.filter((lease) => {
    const first = firstResumedCall(db, lease.batchId, killed!.pid);
    return first === undefined || first >= lease.leaseUntil;
  });
  assert.deepEqual(late.map((l) => l.batchId), [], 'these batches waited for the dead run\'s lease to expire');
});

test('the resumed output is complete', async () => {
  assert.deepEqual(await wrongCells(out, expected), []);
});

/** Batches under a lease now, or none while the database does not exist yet. */
function leases(file: string): Lease[] {
  try {
    return withDb(file, (d) => d.prepare("select batch_id as batchId, worker_id as workerId, lease_until as leaseUntil from batches where status = 'processing'").all() as Lease[]);
  } catch {
    return [];
  }
}

/** When the first call for the batch by any process but `deadPid` started (ms since epoch). */
function firstResumedCall(file: string, batchId: string, deadPid: number): number | undefined {
  const calls = withDb(file, (d) => d.prepare('select at, worker_id as workerId from calls where batch_id = ?').all(batchId) as Array<{ at: number; workerId: string }>);
  const times = calls.filter((c) => parseWorkerId(c.workerId)?.pid !== deadPid).map((c) => c.at);
  return times.length ? Math.min(...times) : undefined;
}

async function until(ready: () => boolean, describe: () => string): Promise<void> {
  for (let waited = 0; !ready(); waited += 20) {
    if (waited > 60_000) throw new Error(describe());
    await sleep(20);
  }
}
