/**
 * `npm run bench:serve-submit` (issue 14, seed 004 "submit in under 5 ms"): `POST /api/v3/translate`
 * alone under load, on the real `fanyi serve` process, twice:
 *   queue     `serve --queue` with one `fanyi worker` (lanes translation,ingestion) on a Redis key
 *             prefix of this run's own: the answer comes once the job is stored `analyzing` and its
 *             preparation queued; the worker splits and runs the jobs meanwhile, on the same cores;
 *   embedded  `serve` without a queue: the file is read, split and stored inside the request, and
 *             the job runs in the server process.
 * Before each window, --sessions tiny workbooks (3 rows) are uploaded one by one for each of
 * --rounds rounds; then each round autocannon sends one translate per session over --connections
 * connections, and reports its latencies. The first round meets a server that has answered no
 * translate yet (its route, queries and code paths cold); later rounds show it warm, as a server
 * that has been up a while is.
 * The simulated provider answers in 200 ms. Target: p99 ≤ 10 ms with the queue. The store is a
 * SQLite file (`BENCH_STORE=postgres`: a PostgreSQL database of the run's own, dropped after);
 * `BENCH_NO_WORKER=1` leaves the queue window without its worker (no writer beside the server).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { REDIS_URL, startWorker, uniquePrefix } from '../test/helpers/queue-workers.ts';
import { deleteKeys } from '../test/helpers/redis-server.ts';
import { startSimulatedProvider } from '../test/helpers/simulated-provider.ts';
import { sourceTexts, writeBenchWorkbook } from './limits-workbook.ts';
import { openBenchStore } from './distributed-store.ts';
import { startServe } from './serve-processes.ts';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '400' }, connections: { type: 'string', default: '4' }, rounds: { type: 'string', default: '2' } } });
const SESSIONS = Number(values.sessions);
const ROUNDS = Math.max(1, Number(values.rounds) || 1);
const KEY = 'sk-bench-submit';
const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-bench-submit-'));
const prefix = uniquePrefix('submit');
const provider = await startSimulatedProvider({ apiKey: KEY, latencyMs: 200 });
const env = { OPENAI_API_KEY: KEY, FANYI_QUEUE_PREFIX: prefix };
const tiny = path.join(dir, 'tiny.xlsx');
const cleanups: Array<() => Promise<unknown> | unknown> = [];
const store = openBenchStore(process.env.BENCH_STORE, dir);

try {
  await writeFile(path.join(dir, 'fanyi.yaml'), 'system:\n  checkpoint_interval: 3600\n');
  await writeBenchWorkbook(tiny, sourceTexts(3, 7));
  const queued = await window('queue', ['--queue', REDIS_URL]);
  const embedded = await window('embedded', []);
  process.stdout.write(`${JSON.stringify({ store: store.kind, sessions: SESSIONS, connections: Number(values.connections), rounds: ROUNDS, queue: queued, embedded })}\n`);
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await provider.close();
  await deleteKeys(REDIS_URL, prefix);
  await store.cleanup();
  await rm(dir, { recursive: true, force: true });
}

async function window(name: string, queueFlags: string[]) {
  await store.create(name);
  const common = [...store.flags(name), '--base-url', provider.baseUrl, '--model', 'sim-model', '--rate-limit', '0'];
  const server = await startServe([...common, ...queueFlags], dir, env);
  cleanups.push(() => server.stop());
  if (queueFlags.length && !process.env.BENCH_NO_WORKER) {
    const worker = await startWorker([...store.flags(name), ...queueFlags, '--concurrency', '4'], env, dir, 600_000);
    cleanups.push(() => worker.child.kill('SIGKILL'));
  }
  const sessions = await upload(server.base, SESSIONS * ROUNDS);
  const rounds: Array<Record<string, unknown>> = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push(await submitRound(`${name} round ${round + 1}`, server.base, sessions.slice(round * SESSIONS, (round + 1) * SESSIONS)));
  return ROUNDS === 1 ? rounds[0] : { ...rounds[0], rounds };
}

/** One translate per session, `--connections` at a time: the latencies autocannon saw. */
async function submitRound(name: string, base: string, sessions: string[]): Promise<Record<string, unknown>> {
  let next = 0;
  const result = await autocannon({
    url: base,
    connections: Number(values.connections),
    amount: sessions.length,
    requests: [
      {
        method: 'POST',
        path: '/api/v3/translate',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ session_id: sessions[next++], options: { to: ['pt-BR'] } }) }),
      },
    ],
  });
  const { latency } = result;
  const summary = { requests: result.requests.total, non_2xx: result.non2xx, errors: result.errors, latency_ms: { p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max } };
  process.stderr.write(`${name}: POST /api/v3/translate × ${summary.requests} over ${values.connections} connections: p50 ${latency.p50} ms, p90 ${latency.p90} ms, p99 ${latency.p99} ms, max ${latency.max} ms; non-2xx ${result.non2xx}\n`);
  return summary;
}

async function upload(base: string, n: number): Promise<string[]> {
  const bytes = await readFile(tiny);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'tiny.xlsx');
    const answer = await fetch(`${base}/api/v3/upload`, { method: 'POST', body: form });
    if (answer.status !== 201) throw new Error(`upload: ${answer.status} ${await answer.text()}`);
    ids.push(((await answer.json()) as { session_id: string }).session_id);
  }
  return ids;
}
