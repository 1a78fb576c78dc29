/**
 * The processes of bench/serve.ts: the real `fanyi serve` (bin/fanyi.js, as a user starts it),
 * the load generator (serve-load.ts) and a read-only look at the server's task table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { BIN_PATH, cleanEnv } from '../test/helpers/fanyi-cli.ts';

const here = import.meta.dirname;

export interface ServeProcess {
  child: ChildProcess;
  base: string;
  /** The last few KB of its stderr, for an error message. */
  stderrTail(): string;
  /** SIGTERM (graceful: batches handed back), then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts `fanyi serve` on a free loopback port and resolves with its URL. */
export function startServe(args: string[], cwd: string, env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN_PATH, 'serve', '--port', '0', ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (tail = (tail + chunk).slice(-4096)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) resolve({ child, base: url, stderrTail: () => tail, stop });
    });
    child.once('exit', (code) => reject(new Error(`fanyi serve exited with ${code}: ${tail}`)));
  });
}

export interface LoadResult {
  /** autocannon's summary (serve-load.ts `summary`). */
  result: Record<string, any>;
  /** Called when the load began and when it ended, for the job-throughput window. */
  startedAt: number;
  endedAt: number;
  marks: { start: number; end: number };
}

/**
 * Runs one autocannon scenario in a child process; `mark()` is sampled when the load begins and
 * again when it ends (the job's settled count), so the window holds load and nothing else.
 */
export function runLoad(args: string[], mark: () => number): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'serve-load.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let startedAt = 0;
  let start = 0;
  let buffered = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line === 'start') [startedAt, start] = [performance.now(), mark()];
        else if (line.startsWith('{')) resolve({ result: JSON.parse(line), startedAt, endedAt: performance.now(), marks: { start, end: mark() } });
      }
    });
    child.once('exit', (code) => (code ? reject(new Error(`serve-load.ts exited with ${code}`)) : undefined));
  });
}

/** Settled cells of a job and job counts by status, read straight from the SQLite file (WAL: never blocks the server). */
export function openTaskTable(dbPath: string) {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const settled = db.prepare(`select count(*) as n from tasks where job_id = ? and status in ('completed', 'needs_review', 'failed')`);
  const jobs = db.prepare('select status, count(*) as n from jobs group by status');
  return {
    settled: (jobId: string) => (settled.get(jobId) as { n: number }).n,
    jobsByStatus: () => Object.fromEntries((jobs.all() as Array<{ status: string; n: number }>).map((r) => [r.status, r.n])),
    close: () => db.close(),
  };
}

/** CPU seconds (user + system) a process has used so far; Linux /proc only, else null. */
export function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
