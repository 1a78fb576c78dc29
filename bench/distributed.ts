/**
 * `npm run bench:distributed` (issue 14): real `fanyi worker` processes on a Redis queue (a key
 * prefix of this run's own) and a SQLite store (`BENCH_STORE=postgres`: a PostgreSQL database of
 * the run's own), on the simulated provider answering every call in 300 ms with no limits
 * (latency-bound):
 * 1. throughput of three workers against one (each `--concurrency 4`), from the first claim to the
 *    job's completion as the store records them; target ≥ 2.5×. `BENCH_CELLS` (default 720, in
 *    batches of 2) sets the job's size. With each run: the batches in flight on average against
 *    the 4 or 12 slots, claim → done per batch, the idle gap of a slot between batches, and the CPU
 *    seconds the workers and the whole machine used (a 2-core machine has 2 CPU-seconds a second);
 * 2. enqueue → a worker starting the batch (its claim in the store), p50/p99 over one-batch jobs
 *    enqueued one at a time to idle workers; target p99 < 100 ms;
 * 3. a worker SIGKILLed while it holds a batch → that batch claimed by another worker; target ≤ 30 s.
 * `BENCH_ONLY=throughput` skips 2 and 3.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';
import { createEmbeddedEngine } from '../src/presets.ts';
import { makeTempDir, runCli, type CliProcess } from '../test/helpers/fanyi-cli.ts';
import { REDIS_URL, startWorker, uniquePrefix } from '../test/helpers/queue-workers.ts';
import { deleteKeys } from '../test/helpers/redis-server.ts';
import { startSimulatedProvider } from '../test/helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable } from '../test/helpers/string-table.ts';
import { openBenchStore } from './distributed-store.ts';
import { machineCpuSeconds, processCpuSeconds, timelineOf } from './distributed-timeline.ts';

const KEY = 'sk-bench-distributed';
const CELLS = Number(process.env.BENCH_CELLS ?? 720);
const CONCURRENCY = 4;
/** The provider's answer time; a longer one asks less CPU a second of every process for the same slots. */
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 300);
const temp = await makeTempDir('fanyi-bench-dist-');
const store = openBenchStore(process.env.BENCH_STORE, temp.dir);
const prefix = uniquePrefix('bench');
const env = { OPENAI_API_KEY: KEY, FANYI_QUEUE_PREFIX: prefix };
const provider = await startSimulatedProvider({ apiKey: KEY, latencyMs: LATENCY_MS });
const workers: CliProcess[] = [];
let serial = 0;

try {
  await writeFile(path.join(temp.dir, 'fanyi.yaml'), 'llm:\n  batch_control: { max_batch_size: 2 }\n');
  print(`store ${store.kind}, ${CELLS} cells in batches of 2, workers --concurrency ${CONCURRENCY}, provider ${LATENCY_MS} ms a call, CLI ${cliKind()}`);
  const one = await throughput(1);
  const three = await throughput(3);
  const ratio = three.cellsPerSecond / one.cellsPerSecond;
  print(`throughput: 1 worker ${one.cellsPerSecond.toFixed(1)} cells/s (${one.seconds.toFixed(1)} s), 3 workers ${three.cellsPerSecond.toFixed(1)} cells/s (${three.seconds.toFixed(1)} s): ${ratio.toFixed(2)}× (target ≥ 2.5×)`);
  if (process.env.BENCH_ONLY !== 'throughput') {
    const latency = await enqueueToStart('w3', 40);
    print(`enqueue → worker start over ${latency.n} one-batch jobs: p50 ${latency.p50} ms, p99 ${latency.p99} ms (target p99 < 100 ms)`);
    const recovery = await deadWorker('w3');
    print(`dead worker → its batch running again: ${(recovery / 1000).toFixed(1)} s (target ≤ 30 s)`);
  }
} finally {
  for (const worker of workers) worker.child.kill('SIGKILL');
  await provider.close();
  await deleteKeys(REDIS_URL, prefix);
  await store.cleanup();
  await temp.cleanup();
}

/** bin/fanyi.js runs the bundle while it is newer than every file in src/ (`npm run build`), else the sources through tsx. */
function cliKind(): string {
  const root = path.join(import.meta.dirname, '..');
  const bundle = path.join(root, 'dist/main.js');
  const newest = (dir: string): number => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs)));
  return existsSync(bundle) && statSync(bundle).mtimeMs >= newest(path.join(root, 'src')) ? 'bundle (dist/)' : 'sources through tsx (npm run build for the bundle)';
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function startWorkers(name: string, count: number): Promise<void> {
  for (const worker of workers.splice(0)) worker.child.kill('SIGKILL');
  for (let n = 0; n < count; n++) workers.push(await startWorker([...store.flags(name), '--queue', REDIS_URL, '--concurrency', String(CONCURRENCY), '--name', `bench${n}`], env, temp.dir, 600_000));
}

/** One job of CELLS cells in batches of 2, on `count` workers. */
async function throughput(count: number) {
  const name = `w${count}`;
  await store.create(name);
  const seed = await writeStringTable(path.join(temp.dir, `seed${count}.xlsx`), ['金币']);
  await runCli(['translate', seed.file, '--to', 'pt-BR', ...store.flags(name), '--provider', 'pseudo', '--json'], { cwd: temp.dir, env });
  await startWorkers(name, count);
  const table = await writeStringTable(path.join(temp.dir, `t${count}.xlsx`), uniqueTexts(CELLS).map((t) => `${t} ${count}`));
  const cpuBefore = workers.map((w) => processCpuSeconds(w.child.pid!));
  const machineBefore = machineCpuSeconds();
  const benchBefore = process.cpuUsage();
  const run = await runCli(['translate', table.file, '--to', 'pt-BR', '--json', ...store.flags(name), '--queue', REDIS_URL, '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 600_000 });
  if (run.code !== 0) throw new Error(run.stderr);
  const workerCpu = workers.reduce((sum, w, i) => sum + processCpuSeconds(w.child.pid!) - cpuBefore[i], 0);
  const machineAfter = machineCpuSeconds();
  const benchCpu = process.cpuUsage(benchBefore);
  const providerCpu = (benchCpu.user + benchCpu.system) / 1e6;
  const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
  const [span] = await store.query<{ first: number; last: number }>(name, "select (select min(at) from task_logs where job_id = ? and event = 'claimed') first, (select finished_at from jobs where job_id = ?) last", jobId, jobId);
  const seconds = (span.last - span.first) / 1000;
  const t = await timelineOf(store, name, jobId);
  const machineBusy = (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total);
  print(
    `  ${count} worker(s): ${t.batches} batches in ${seconds.toFixed(1)} s; in flight ${t.meanInFlight.toFixed(1)} of ${count * CONCURRENCY} slots; ` +
      `claim → done p50 ${t.claimToDone.p50} ms, p90 ${t.claimToDone.p90} ms; slot idle between batches p50 ${t.slotGap.p50} ms, p90 ${t.slotGap.p90} ms; ` +
      `workers' first claims +${t.firstClaimLagMs.join('/+')} ms; last done → completed ${t.completedAfterMs} ms; worker CPU ${workerCpu.toFixed(1)} s (${((workerCpu * 1000) / t.batches).toFixed(0)} ms a batch), simulated provider ${providerCpu.toFixed(1)} s; machine CPU busy ${(machineBusy * 100).toFixed(0)}% (all processes)`,
  );
  return { name, seconds, cellsPerSecond: CELLS / seconds };
}

async function enqueueToStart(name: string, n: number) {
  const engine = await createEmbeddedEngine({ loaded: loadConfig({ storeUrl: store.url(name), queueUrl: REDIS_URL, baseUrl: provider.baseUrl, apiKey: KEY, model: 'sim-model' }, env, temp.dir) });
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const table = await writeStringTable(path.join(temp.dir, `one${serial}.xlsx`), [`宝石 one ${serial++}`]);
      const { job } = await engine.createJob({ file: table.file, to: ['pt-BR'] });
      const sent = Date.now();
      await engine.enqueueJob(job.job_id);
      let claimed: number | undefined;
      while (claimed === undefined) {
        [{ at: claimed }] = (await store.query<{ at: number | null }>(name, "select min(at) at from task_logs where job_id = ? and event = 'claimed'", job.job_id)).map((r) => ({ at: r.at ?? undefined }));
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

async function deadWorker(name: string): Promise<number> {
  provider.setOptions({ latencyMs: 3_000 });
  const table = await writeStringTable(path.join(temp.dir, 'kill.xlsx'), uniqueTexts(24).map((t) => `${t} kill`));
  const submit = runCli(['translate', table.file, '--to', 'pt-BR', '--json', ...store.flags(name), '--queue', REDIS_URL, '--base-url', provider.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 600_000 });
  const victim = workers[0];
  const pid = String(victim.child.pid);
  let held: string | undefined;
  while (!held) {
    held = (await store.query<{ batch_id: string }>(name, "select batch_id from batches where status = 'processing' and worker_id like ?", `%:${pid}@%`).catch(() => []))[0]?.batch_id;
    if (!held) await new Promise((r) => setTimeout(r, 20));
  }
  const killedAt = Date.now();
  victim.child.kill('SIGKILL');
  const run = await submit;
  const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
  const [again] = await store.query<{ at: number }>(name, "select min(at) at from task_logs where job_id = ? and batch_id = ? and event = 'claimed' and worker_id not like ?", jobId, held, `%:${pid}@%`);
  return again.at - killedAt;
}
