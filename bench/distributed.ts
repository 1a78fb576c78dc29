/**
 * `npm run bench:distributed` (issue 14): real `fanyi worker` processes on a Redis queue (a key
 * prefix of this run's own) and a SQLite store, on the simulated provider answering every call in
 * 300 ms with no limits (latency-bound):
 * 1. throughput of three workers against one (each `--concurrency 4`), from the first claim to the
 *    job's completion as the store records them; target ≥ 2.5×;
 * 2. enqueue → a worker starting the batch (its claim in the store), p50/p99 over one-batch jobs
 *    enqueued one at a time to idle workers; target p99 < 100 ms;
 * 3. a worker SIGKILLed while it holds a batch → that batch claimed by another worker; target ≤ 30 s.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';
import { createEmbeddedEngine } from '../src/presets.ts';
import { makeTempDir, runCli, type CliProcess } from '../test/helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../test/helpers/read-db.ts';
import { deleteRedisKeys, REDIS_URL, startWorker, uniquePrefix } from '../test/helpers/queue-workers.ts';
import { startSimulatedProvider } from '../test/helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable } from '../test/helpers/string-table.ts';

const KEY = 'sk-bench-distributed';
const temp = await makeTempDir('fanyi-bench-dist-');
const prefix = uniquePrefix('bench');
const env = { OPENAI_API_KEY: KEY, FANYI_QUEUE_PREFIX: prefix };
const provider = await startSimulatedProvider({ apiKey: KEY, latencyMs: 300 });
const workers: CliProcess[] = [];
let serial = 0;

try {
  await writeFile(path.join(temp.dir, 'fanyi.yaml'), 'llm:\n  batch_control: { max_batch_size: 2 }\n');
  const one = await throughput(1);
  const three = await throughput(3);
  const ratio = three.cellsPerSecond / one.cellsPerSecond;
  print(`throughput: 1 worker ${one.cellsPerSecond.toFixed(1)} cells/s (${one.seconds.toFixed(1)} s), 3 workers ${three.cellsPerSecond.toFixed(1)} cells/s (${three.seconds.toFixed(1)} s): ${ratio.toFixed(2)}× (target ≥ 2.5×)`);
  const latency = await enqueueToStart(three.db, 40);
  print(`enqueue → worker start over ${latency.n} one-batch jobs: p50 ${latency.p50} ms, p99 ${latency.p99} ms (target p99 < 100 ms)`);
  const recovery = await deadWorker(three.db);
  print(`dead worker → its batch running again: ${(recovery / 1000).toFixed(1)} s (target ≤ 30 s)`);
} finally {
  for (const worker of workers) worker.child.kill('SIGKILL');
  await provider.close();
  await deleteRedisKeys(REDIS_URL, prefix);
  await temp.cleanup();
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function startWorkers(db: string, count: number): Promise<void> {
  for (const worker of workers.splice(0)) worker.child.kill('SIGKILL');
  for (let n = 0; n < count; n++) workers.push(await startWorker(['--db', db, '--queue', REDIS_URL, '--concurrency', '4', '--name', `bench${n}`], env, temp.dir, 600_000));
}

/** One job of 240 cells in batches of 2 (120 batches of 300 ms each). */
async function throughput(count: number) {
  const db = path.join(temp.dir, `w${count}.db`);
  const seed = await writeStringTable(path.join(temp.dir, `seed${count}.xlsx`), ['金币']);
  await runCli(['translate', seed.file, '--to', 'pt-BR', '--db', db, '--provider', 'pseudo', '--json'], { cwd: temp.dir, env });
  await startWorkers(db, count);
  const table = await writeStringTable(path.join(temp.dir, `t${count}.xlsx`), uniqueTexts(240).map((t) => `${t} ${count}`));
  const run = await runCli(['translate', table.file, '--to', 'pt-BR', '--json', '--db', db, '--queue', REDIS_URL, '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 600_000 });
  if (run.code !== 0) throw new Error(run.stderr);
  const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
  const span = withReadonlyDb(db, (d) => d.prepare("select (select min(at) from task_logs where job_id = ? and event = 'claimed') first, (select finished_at from jobs where job_id = ?) last").get(jobId, jobId)) as { first: number; last: number };
  const seconds = (span.last - span.first) / 1000;
  return { db, seconds, cellsPerSecond: 240 / seconds };
}

async function enqueueToStart(db: string, n: number) {
  const engine = await createEmbeddedEngine({ loaded: loadConfig({ storeUrl: `sqlite:${db}`, queueUrl: REDIS_URL, baseUrl: provider.baseUrl, apiKey: KEY, model: 'sim-model' }, env, temp.dir) });
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const table = await writeStringTable(path.join(temp.dir, `one${serial}.xlsx`), [`宝石 one ${serial++}`]);
      const { job } = await engine.createJob({ file: table.file, to: ['pt-BR'] });
      const sent = Date.now();
      await engine.enqueueJob(job.job_id);
      let claimed: number | undefined;
      while (claimed === undefined) {
        claimed = (withReadonlyDb(db, (d) => d.prepare("select min(at) at from task_logs where job_id = ? and event = 'claimed'").get(job.job_id)) as { at: number | null }).at ?? undefined;
        if (claimed === undefined) await new Promise((r) => setTimeout(r, 5));
      }
      samples.push(claimed - sent);
      // Let the batch finish so the workers are idle again.
      await new Promise((r) => setTimeout(r, 400));
    }
  } finally {
    await engine.close();
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)];
  return { n, p50: at(0.5), p99: at(0.99) };
}

async function deadWorker(db: string): Promise<number> {
  provider.setOptions({ latencyMs: 3_000 });
  const table = await writeStringTable(path.join(temp.dir, 'kill.xlsx'), uniqueTexts(24).map((t) => `${t} kill`));
  const submit = runCli(['translate', table.file, '--to', 'pt-BR', '--json', '--db', db, '--queue', REDIS_URL, '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 600_000 });
  const victim = workers[0];
  const pid = String(victim.child.pid);
  let held: string | undefined;
  while (!held) {
    held = (withReadonlyDb(db, (d) => d.prepare("select batch_id from batches where status = 'processing' and worker_id like ?").get(`%:${pid}@%`)) as { batch_id: string } | undefined)?.batch_id;
    if (!held) await new Promise((r) => setTimeout(r, 20));
  }
  const killedAt = Date.now();
  victim.child.kill('SIGKILL');
  const run = await submit;
  const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
  const again = withReadonlyDb(db, (d) => d.prepare("select min(at) at from task_logs where job_id = ? and batch_id = ? and event = 'claimed' and worker_id not like ?").get(jobId, held, `%:${pid}@%`)) as { at: number };
  return again.at - killedAt;
}
