/**
 * npm run bench:serve — does polling `fanyi serve` hurt the job it reports on? (issue 5, load)
 *
 * The real `fanyi serve` process (bin/fanyi.js, bearer tokens on, the API rate limit off since the
 * one load generator is a single client) runs a job of short UI strings (default 24,000 cells:
 * 6,000 rows × pt-BR, th, vi, de) against the simulated provider in this process (400 ms per call,
 * no rate limit). The job's speed is set by latency × workers × batch size (8 workers, batches of
 * at most 15 texts, adaptive control off so the worker count cannot drift between windows, no
 * periodic checkpoint inside a window): ~300 cells/s, long enough to outlast every window.
 *
 * Five windows of --window seconds, in order: idle, status load, idle, submit load, idle.
 *   status  autocannon on GET /api/v3/status/:id of the running job (closed loop, --connections).
 *   submit  autocannon on POST /api/v3/upload of a 3-row xlsx then POST /api/v3/translate of that
 *           session (--submit-connections): each pair creates and starts a real job, which runs.
 * autocannon runs in a child process (serve-load.ts); server, load generator and provider share
 * the machine's cores. The server logs at its default level (INFO: a line per request, to a pipe
 * this process drains). The job's throughput is counted from its settled tasks in the SQLite file
 * at each window's edges, and a load window is compared with the mean of the idle ones around it.
 *
 * Prints a table on stderr and the JSON report on stdout. Options: --cells, --latency MS,
 * --concurrency, --batch, --window S, --connections, --submit-connections, --keep.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startSimulatedProvider } from '../test/helpers/simulated-provider.ts';
import { sourceTexts, TARGETS, writeBenchWorkbook } from './limits-workbook.ts';
import { cpuSeconds, openTaskTable, runLoad, startServe, type ServeProcess } from './serve-processes.ts';
import { printTable, verdicts, type Window } from './serve-report.ts';

const { values } = parseArgs({
  options: {
    cells: { type: 'string', default: '24000' },
    latency: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '15' },
    window: { type: 'string', default: '12' },
    connections: { type: 'string', default: '10' },
    'submit-connections': { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
  },
});
const WINDOW_S = Number(values.window);
const TOKEN = 'bench-token-0123456789abcdef';
const CONFIG = `llm:
  batch_control: { max_batch_size: ${Number(values.batch)} }
  adaptive: { enabled: false }
system:
  checkpoint_interval: 3600
`;

async function api(server: ServeProcess, route: string, body: BodyInit, type?: string): Promise<Record<string, any>> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}`, ...(type ? { 'content-type': type } : {}) };
  const answer = await fetch(`${server.base}${route}`, { method: 'POST', headers, body });
  if (answer.status >= 300) throw new Error(`${route}: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as Record<string, any>;
}

/** Uploads and starts the long job; resolves with its id. */
async function startJob(server: ServeProcess, dir: string): Promise<string> {
  const file = path.join(dir, 'strings.xlsx');
  await writeBenchWorkbook(file, sourceTexts(Math.ceil(Number(values.cells) / TARGETS.length)));
  const form = new FormData();
  form.append('file', new Blob([await readFile(file)]), 'strings.xlsx');
  const { session_id: id } = await api(server, '/api/v3/upload', form);
  await api(server, '/api/v3/translate', JSON.stringify({ session_id: id, options: { to: TARGETS } }), 'application/json');
  return id as string;
}

/** Runs `body` and returns the window it measured: seconds, the job's settled cells, server CPU. */
async function measure(name: string, pid: number | undefined, body: () => Promise<{ t0: number; t1: number; c0: number; c1: number; load?: Record<string, any> }>): Promise<Window> {
  const cpu0 = cpuSeconds(pid);
  const { t0, t1, c0, c1, load } = await body();
  const cpu1 = cpuSeconds(pid);
  const seconds = (t1 - t0) / 1000;
  process.stderr.write(`${name}: ${Math.round((c1 - c0) / seconds)} cells/s${load ? `, ${load.req_per_s} req/s, p99 ${load.latency_ms.p99} ms` : ''}\n`);
  return { name, seconds: +seconds.toFixed(2), cells: c1 - c0, cells_per_s: +((c1 - c0) / seconds).toFixed(1), server_cpu_percent: cpu0 === null || cpu1 === null ? null : Math.round(((cpu1 - cpu0) / seconds) * 100), load };
}

function idle(name: string, pid: number | undefined, settled: () => number): Promise<Window> {
  return measure(name, pid, async () => {
    const [t0, c0] = [performance.now(), settled()];
    await sleep(WINDOW_S * 1000);
    return { t0, c0, t1: performance.now(), c1: settled() };
  });
}

function loaded(name: string, pid: number | undefined, settled: () => number, args: string[]): Promise<Window> {
  return measure(name, pid, async () => {
    const run = await runLoad(args, settled);
    return { t0: run.startedAt, t1: run.endedAt, c0: run.marks.start, c1: run.marks.end, load: run.result };
  });
}

const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-bench-serve-'));
const provider = await startSimulatedProvider({ latencyMs: Number(values.latency), apiKey: 'bench', recordTexts: false });
await writeFile(path.join(dir, 'fanyi.yaml'), CONFIG);
const db = path.join(dir, 'fanyi.db');
const loadAtStart = loadavg();
const flags = ['--db', db, '--rate-limit', '0', '--concurrency', String(values.concurrency), '--base-url', provider.baseUrl, '--api-key', 'bench', '--model', 'sim'];
const server = await startServe(flags, dir, { FANYI_TOKENS: `${TOKEN}:bench` });
try {
  const jobId = await startJob(server, dir);
  const table = openTaskTable(db);
  const settled = () => table.settled(jobId);
  const tiny = path.join(dir, 'tiny.xlsx');
  await writeBenchWorkbook(tiny, sourceTexts(3, 7));
  // Let the pool fill up and the first replies come back before the first window.
  await sleep(3000);
  const pid = server.child.pid;
  const common = [server.base, TOKEN, String(WINDOW_S)];
  const windows = [
    await idle('idle before', pid, settled),
    await loaded('GET status load', pid, settled, ['status', ...common, String(values.connections), jobId]),
    await idle('idle between', pid, settled),
    await loaded('POST submit load', pid, settled, ['submit', ...common, String(values['submit-connections']), tiny]),
    await idle('idle after', pid, settled),
  ];
  const status = (await (await fetch(`${server.base}/api/v3/status/${jobId}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Record<string, any>;
  const report = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, load_average_at_start: loadAtStart.map((n) => +n.toFixed(2)), load_average_at_end: loadavg().map((n) => +n.toFixed(2)) },
    setup: { cells: status.progress.total, latency_ms: Number(values.latency), workers: Number(values.concurrency), max_batch_size: Number(values.batch), window_s: WINDOW_S },
    job_still_running_after_last_window: status.status === 'running',
    // What one status poll after the last window said against the store right after it: the cache's lag.
    settled_per_status_vs_store: [status.progress.completed + status.progress.needs_review + status.progress.failed, settled()],
    windows,
    jobs_by_status: table.jobsByStatus(),
    verdicts: verdicts(windows),
  };
  table.close();
  if (!report.job_still_running_after_last_window) process.stderr.write('warning: the job ended before the last window; raise --cells\n');
  printTable(report);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`fanyi serve stderr:\n${server.stderrTail()}\n`);
  throw error;
} finally {
  await server.stop();
  await provider.close();
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
