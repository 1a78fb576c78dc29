/**
 * npm run bench:serve-uploads — the server stays up while it reads uploads (issue 16).
 *
 * Generates a --rows string table (default 1,200,000 rows: Key, CH source, EN reference, PT/TH/VN
 * empty; mostly repeated texts, so the xlsx is small and its sheet XML big, like the issue's 8.4 MB
 * one) with exceljs's streaming WorkbookWriter, starts the real `fanyi serve` (bin/fanyi.js: the
 * bundle when built) with one token per tenant, and sends --uploads uploads of it at once, each
 * from its own tenant, while a /healthz probe goes out every --probe-ms (default 50) from this
 * process. Reports /healthz p50/p99/max and how many probes were sent, each upload's status, time
 * (and the server's own `Server-Timing`: wait in line, analyse in a thread), the server's own
 * event-loop delay (from its /metrics), and the server's peak RSS (VmHWM of its /proc status,
 * with VmRSS sampled every 250 ms). Target: /healthz p99 ≤ 100 ms, server RSS ≤ 1.5 GB.
 * Options: --rows N · --uploads N · --probe-ms N · --unique-per-ten N (rows in 10 with a unique
 * text; default 1) · --fanyi OTHER/bin/fanyi.js (another checkout: before/after) · --keep ·
 * --out FILE (default bench-serve-uploads.json).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeBigTable } from '../test/helpers/big-table.ts';
import { BIN_PATH, cleanEnv } from '../test/helpers/fanyi-cli.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1200000' },
    uploads: { type: 'string', default: '3' },
    'probe-ms': { type: 'string', default: '50' },
    'unique-per-ten': { type: 'string', default: '1' },
    fanyi: { type: 'string' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-serve-uploads.json' },
  },
});
const rows = Number(values.rows);
const uploads = Number(values.uploads);
const probeMs = Number(values['probe-ms']);
const bin = path.resolve(values.fanyi ?? BIN_PATH);
const command = `npm run bench:serve-uploads -- --rows ${rows} --uploads ${uploads} --probe-ms ${probeMs} --unique-per-ten ${values['unique-per-ten']}${values.fanyi ? ` --fanyi ${values.fanyi}` : ''}`;

interface Serve {
  pid: number;
  base: string;
  stop(): Promise<number | null>;
}

/** `fanyi serve` on a free loopback port, one token per tenant. */
function startServe(dir: string, tokens: string[]): Promise<Serve> {
  const env = cleanEnv({ FANYI_TOKENS: tokens.map((token, i) => `${token}:tenant${i + 1}`).join(',') });
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', path.join(dir, 'fanyi.db'), '--rate-limit', '0'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (tail = (tail + chunk).slice(-4096)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const stop = () => {
        child.kill('SIGTERM');
        return exited;
      };
      if (url) resolve({ pid: child.pid!, base: url, stop });
    });
    child.once('exit', (code) => reject(new Error(`fanyi serve exited with ${code}: ${tail}`)));
  });
}

/** A `/proc/<pid>/status` field in MB (VmHWM: the peak resident set; VmRSS: now). */
function procMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0;
}

/**
 * A /healthz probe every `ms`, each timed from send to answer (a probe that fails counts as failed,
 * not as fast). The slowest are kept with when they were sent (seconds from `t0`), to set beside
 * the uploads' answers and the server's own event-loop delay.
 */
function probeHealth(base: string, ms: number, t0: number) {
  const latencies: number[] = [];
  const slowest: Array<{ sent_at_s: number; ms: number }> = [];
  const failures: string[] = [];
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    sent++;
    const started = performance.now();
    const probe = fetch(`${base}/healthz`, { signal: AbortSignal.timeout(30_000) })
      .then(async (answer) => {
        await answer.arrayBuffer();
        const took = performance.now() - started;
        if (answer.status !== 200) return void failures.push(`status ${answer.status}`);
        latencies.push(took);
        if (took > 100) slowest.push({ sent_at_s: Math.round((started - t0) / 100) / 10, ms: Math.round(took) });
      })
      .catch((error: unknown) => void failures.push(String(error)))
      .finally(() => inFlight.delete(probe));
    inFlight.add(probe);
  }, ms);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      const sorted = [...latencies].sort((a, b) => a - b);
      const round = (v: number) => Math.round(v * 10) / 10;
      const over100 = slowest.sort((a, b) => b.ms - a.ms);
      // Counted by kind: on the event loop most probes time out, and a list of them says nothing more.
      const failed = Object.fromEntries([...new Set(failures)].map((kind) => [kind, failures.filter((f) => f === kind).length]));
      return { sent, answered: latencies.length, failures: failed, p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)), max_ms: round(sorted.at(-1) ?? 0), over_100ms: over100.length, slowest: over100.slice(0, 12) };
    },
  };
}

/**
 * The server's own event-loop delay since the last scrape (prom-client's monitorEventLoopDelay
 * in /metrics, 10 ms resolution, reset by each scrape): what its loop did, apart from how fast
 * this process and the network got the answers.
 */
async function serverLoopDelay(base: string, token: string) {
  const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const ms = (name: string) => Math.round(Number(new RegExp(`^${name} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? Number.NaN) * 10_000) / 10;
  return { p50_ms: ms('nodejs_eventloop_lag_p50_seconds'), p99_ms: ms('nodejs_eventloop_lag_p99_seconds'), max_ms: ms('nodejs_eventloop_lag_max_seconds') };
}

async function upload(base: string, bytes: Buffer, token: string, name: string, t0: number) {
  const started = performance.now();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const answer = await fetch(`${base}/api/v3/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30 * 60_000) });
  const body = (await answer.json()) as Record<string, any>;
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const timing = Object.fromEntries((answer.headers.get('server-timing') ?? '').split(',').filter(Boolean).map((part) => {
    const [name, dur] = part.trim().split(';dur=');
    return [`${name}_s`, Math.round(Number(dur) / 100) / 10];
  }));
  return { name, status: answer.status, seconds, answered_at_s: Math.round((performance.now() - t0) / 100) / 10, ...timing, ...(answer.status === 201 ? { tasks: body.analysis?.estimate?.tasks } : { error: body }) };
}

const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-serve-uploads-'));
process.stdout.write(`${command}\n(temp dir ${dir})\n`);
try {
  const file = path.join(dir, 'hostile.xlsx');
  const g0 = performance.now();
  await writeBigTable(file, rows, { targets: ['PT', 'TH', 'VN'], uniquePerTen: Number(values['unique-per-ten']) });
  const bytes = await readFile(file);
  const workbook = { rows, file_mb: Math.round(((await stat(file)).size / 1024 / 1024) * 10) / 10, generate_s: Math.round((performance.now() - g0) / 100) / 10 };
  process.stdout.write(`${JSON.stringify({ workbook })}\n`);

  const tokens = Array.from({ length: uploads }, (_, i) => `bench-token-${i + 1}-0123456789`);
  const serve = await startServe(dir, tokens);
  const idleRss = procMb(serve.pid, 'VmRSS');
  let rssMax = idleRss;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, procMb(serve.pid, 'VmRSS'))), 250);
  // A scrape resets the server's delay histogram: the next one covers the uploads only.
  await serverLoopDelay(serve.base, tokens[0]);
  const t0 = performance.now();
  const probe = probeHealth(serve.base, probeMs, t0);
  const answers = await Promise.all(tokens.map((token, i) => upload(serve.base, bytes, token, `upload-${i + 1}.xlsx`, t0)));
  const wall = Math.round((performance.now() - t0) / 100) / 10;
  const health = await probe.stop();
  clearInterval(sampler);
  const peak = procMb(serve.pid, 'VmHWM');
  const loop = await serverLoopDelay(serve.base, tokens[0]);
  const exit = await serve.stop();
  const report = {
    command,
    node: process.version,
    fanyi: bin,
    workbook,
    uploads: answers,
    all_uploads_s: wall,
    healthz: { every_ms: probeMs, ...health },
    server_event_loop_delay: loop,
    server_rss_mb: { idle: idleRss, peak_vmhwm: peak, sampled_max: rssMax },
    server_exit: exit,
    targets: { healthz_p99_ms: '<= 100', server_peak_rss_mb: '<= 1536' },
  };
  await writeFile(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ healthz: report.healthz, server_event_loop_delay: loop, server_rss_mb: report.server_rss_mb, uploads: answers })}\nreport: ${values.out}\n`);
} finally {
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
