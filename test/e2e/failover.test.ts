/**
 * Issue 3 faults end to end through the CLI: a dead endpoint with a healthy fallback, calls that
 * hang past the timeout, a 429 storm, and checkpoints taken while a slow job runs. Each run must
 * finish every task with every cell verified, and `status` must show what happened per endpoint.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { startSimulatedProvider, type SimulatedProvider, type SimulatedProviderOptions } from '../helpers/simulated-provider.ts';
import { uniqueTexts, wrongCells, writeStringTable, type StringTable } from '../helpers/string-table.ts';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let table: StringTable;
const providers: SimulatedProvider[] = [];
const runs = {} as Record<'failover' | 'hang' | 'storm' | 'burst' | 'checkpoint', Promise<Run>>;

interface Run {
  result: CliResult;
  status: Record<string, any>;
  db: string;
  out: string;
  providers: SimulatedProvider[];
}

const BASE_CONFIG = 'llm:\n  batch_control:\n    max_batch_size: 4\n  performance:\n    retry_delay: 0.02\n    max_retries: 3\n';

before(async () => {
  temp = await makeTempDir();
  table = await writeStringTable(path.join(temp.dir, 'strings.xlsx'), uniqueTexts(24));
  runs.failover = failoverRun();
  // 4 s: well past what an answered call takes even on a machine loaded by the rest of the suite
  // (at 1.5 s, answered calls starved of CPU timed out too and the count of timeouts drifted).
  runs.hang = singleRun('hang', { faultPlan: ({ requestIndex }) => (requestIndex < 2 ? 'hang' : undefined) }, `${BASE_CONFIG}    timeout: 4\n`);
  runs.storm = singleRun('storm', { faults: { rate429: 0.5 }, injectedRetryAfterMs: 30, seed: 7 }, BASE_CONFIG);
  runs.burst = singleRun('burst', { faultPlan: ({ requestIndex }) => (requestIndex < 8 ? 'rate500' : undefined) }, `${BASE_CONFIG}  failover:\n    cooldown_seconds: 0.3\n`);
  runs.checkpoint = singleRun('checkpoint', { latencyMs: 120 }, `${BASE_CONFIG}system:\n  checkpoint_interval: 0.25\n`, ['--concurrency', '1']);
  for (const run of Object.values(runs)) run.catch(() => undefined);
});

after(async () => {
  await Promise.allSettled(Object.values(runs));
  await Promise.all(providers.map((p) => p.close()));
  await temp?.cleanup();
});

async function provider(options: SimulatedProviderOptions): Promise<SimulatedProvider> {
  const started = await startSimulatedProvider({ apiKey: 'test-key', ...options });
  providers.push(started);
  return started;
}

async function translate(name: string, config: string, flags: string[], env: Record<string, string> = {}): Promise<Omit<Run, 'providers'>> {
  const configFile = path.join(temp.dir, `${name}.yaml`);
  await writeFile(configFile, config);
  const out = path.join(temp.dir, `${name}.out.xlsx`);
  const db = path.join(temp.dir, `${name}.db`);
  const result = await runCli(['translate', table.file, '--to', 'pt-BR,th', '--out', out, '--db', db, '--config', configFile, '--json', ...flags], { cwd: temp.dir, env });
  const status = await runCli(['status', '--db', db, '--json'], { cwd: temp.dir });
  return { result, status: parseSingleJson(status.stdout), db, out };
}

async function singleRun(name: string, options: SimulatedProviderOptions, config: string, flags: string[] = []): Promise<Run> {
  const sim = await provider(options);
  return { ...(await translate(name, config, [...providerFlags(sim.baseUrl), ...flags])), providers: [sim] };
}

/** The primary answers every call with 503; the fallback is healthy. */
async function failoverRun(): Promise<Run> {
  const dead = await provider({ faults: { rate503: 1 } });
  const healthy = await provider({});
  const config = `${BASE_CONFIG}  adaptive:\n    enabled: false\n  failover:\n    consecutive_failures: 3\n    cooldown_seconds: 30\n  endpoints:\n    - name: primary\n      base_url: ${dead.baseUrl}\n      api_key_env: PRIMARY_KEY\n      model: sim-model\n    - name: backup\n      base_url: ${healthy.baseUrl}\n      api_key_env: BACKUP_KEY\n      model: sim-model\n      fallback: true\n`;
  const run = await translate('failover', config, ['--concurrency', '2'], { PRIMARY_KEY: 'test-key', BACKUP_KEY: 'test-key' });
  return { ...run, providers: [dead, healthy] };
}

function endpoint(run: Run, name: string): Record<string, number> {
  const found = (run.status.endpoints as Array<Record<string, any>>).find((e) => e.endpoint === name);
  assert.ok(found, `status lists endpoint ${name}: ${JSON.stringify(run.status.endpoints)}`);
  return found;
}

async function assertAllCells(run: Run): Promise<void> {
  assert.equal(run.result.code, 0, describeResult(run.result));
  assert.deepEqual(await wrongCells(run.out, table.expected), []);
  assert.equal(run.status.counts.completed, table.expected.size);
}

describe('a dead endpoint with a healthy fallback', () => {
  test('every cell is translated through the fallback', async () => assertAllCells(await runs.failover));

  test('the primary cools down after 3 failures instead of taking every batch', async () => {
    const run = await runs.failover;
    const primary = endpoint(run, 'primary');
    assert.equal(primary.answered, 0);
    // Two workers: the call already in flight when the breaker opens fails too, no more.
    assert.ok(primary.errors >= 3 && primary.errors <= 4, `primary failed ${primary.errors} times`);
    assert.ok((run.status.events as Array<{ kind: string }>).some((e) => e.kind === 'endpoint:cooling'), 'the cool-down is a job event');
    assert.equal(run.providers[0].stats.status5xx, primary.errors);
    const backup = endpoint(run, 'backup');
    assert.equal(backup.answered, run.providers[1].stats.ok);
    assert.ok(backup.p50Ms !== null && backup.p95Ms !== null);
  });
});

describe('calls that hang past the timeout', () => {
  test('are abandoned and retried; every cell is translated', async () => assertAllCells(await runs.hang));

  test('status counts the timeouts against the endpoint', async () => {
    const run = await runs.hang;
    assert.equal(endpoint(run, 'default').errors, 2);
    const db = new Database(run.db, { readonly: true });
    const outcomes = db.prepare("select outcome, count(*) n from calls group by outcome order by outcome").all() as Array<{ outcome: string; n: number }>;
    db.close();
    assert.deepEqual(outcomes.find((o) => o.outcome === 'timeout')?.n, 2);
  });
});

describe('a 429 storm', () => {
  test('finishes every task; no task counts a 429 as a failure or a retry', async () => {
    const run = await runs.storm;
    await assertAllCells(run);
    assert.ok(endpoint(run, 'default').rateLimited > 0);
    const db = new Database(run.db, { readonly: true });
    const touched = db.prepare("select count(*) n from tasks where retry_count > 0 or error_type is not null").get() as { n: number };
    db.close();
    assert.equal(touched.n, 0);
  });
});

describe('a burst of 5xx on the only endpoint', () => {
  test('cools it down, probes it, and finishes every task once it answers again', async () => {
    const run = await runs.burst;
    await assertAllCells(run);
    assert.equal(endpoint(run, 'default').errors, 8);
    const kinds = (run.status.events as Array<{ kind: string }>).map((e) => e.kind);
    assert.ok(kinds.includes('endpoint:cooling') && kinds.includes('endpoint:ready'), kinds.join(', '));
  });
});

describe('checkpoints while a job runs', () => {
  test('are taken, stamped on the tasks they cover, and exported with --checkpoint', async () => {
    const run = await runs.checkpoint;
    await assertAllCells(run);
    const checkpoints = run.status.checkpoints as Array<{ checkpointId: string; taskCount: number; filePath: string; metadata: Record<string, unknown> }>;
    assert.ok(checkpoints.length >= 2, `${checkpoints.length} checkpoints`);
    const [latest] = checkpoints;
    // Incremental (seed 000 §10.2): a checkpoint stamps what settled since the one before and copies
    // nothing; the job's stored files are its source alone.
    assert.ok(checkpoints.every((c) => Object.keys(c.metadata).join() === 'counts'), JSON.stringify(checkpoints.map((c) => c.metadata)));
    assert.equal(readdirSync(path.join(`${run.db}.files`, 'sources')).length, 1, 'no copy of the tasks among the stored files');
    const byCheckpoint = new Database(run.db, { readonly: true });
    const perStamp = byCheckpoint.prepare("select checkpoint_id id, count(*) n, sum(status = 'completed' and result is not null) done from tasks where checkpoint_id is not null group by checkpoint_id order by checkpoint_id").all() as Array<{ id: string; n: number; done: number }>;
    byCheckpoint.close();
    const kept = new Set(checkpoints.map((c) => c.checkpointId));
    assert.ok(perStamp.every((p) => p.n === p.done), 'a stamp marks settled tasks only');
    assert.equal(perStamp.at(-1)?.id, latest.checkpointId);
    // Each stamp is what settled since the one before: the running sum is each checkpoint's count.
    let sum = 0;
    for (const p of perStamp) {
      sum += p.n;
      if (kept.has(p.id)) assert.equal(checkpoints.find((c) => c.checkpointId === p.id)!.taskCount, sum, `${p.id}: ${sum} settled by then`);
    }
    assert.ok(sum <= table.expected.size);
    const db = new Database(run.db, { readonly: true });
    const stamped = db.prepare('select count(*) n from tasks where checkpoint_id is not null').get() as { n: number };
    const audit = db.prepare('select event, count(*) n from task_logs group by event').all() as Array<{ event: string; n: number }>;
    db.close();
    assert.ok(stamped.n > 0 && stamped.n <= table.expected.size);
    for (const event of ['claimed', 'completed', 'done']) assert.ok(audit.some((a) => a.event === event && a.n > 0), `task_logs has ${event}`);

    const exported = path.join(temp.dir, 'from-checkpoint.xlsx');
    const earliest = checkpoints.at(-1)!;
    const result = await runCli(['export', String(run.status.job_id), '--checkpoint', earliest.checkpointId, '--db', run.db, '--out', exported], { cwd: temp.dir });
    assert.equal(result.code, 0, describeResult(result));
    assert.ok(existsSync(exported));
    const wrong = await wrongCells(exported, table.expected);
    // Everything settled when it was stamped is in it; cells settled while it was written may be too.
    assert.ok(wrong.length <= table.expected.size - earliest.taskCount, `${wrong.length} cells missing, ${earliest.taskCount} settled`);
    assert.ok(wrong.length > 0, 'a mid-run checkpoint is not the finished output');
    assert.ok(wrong.every((line) => line.includes(': null ≠')), 'a cell missing from the checkpoint is empty, never wrong');
    // Its task table is written beside it: what it and the checkpoints before it stamped, each task once.
    const taskTable = readFileSync(path.join(temp.dir, 'from-checkpoint.tasks.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(new Set(taskTable.map((l) => l.task_id)).size, earliest.taskCount);
    assert.ok(taskTable.every((l) => l.checkpoint_id <= earliest.checkpointId));
  });
});
