import { hostname } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { FanyiError } from '../../errors.ts';
import { createQueueWorker } from '../../presets.ts';
import { parseLaneList, WORKER_LANES } from '../../queue/queue-lanes.ts';
import { onlineWorkers } from '../../queue/worker-registry.ts';
import type { WorkerInfo } from '../../store/job-store.ts';
import { addStoreOptions, openExistingStore, overridesFrom, printJson, untilSignal, type CommonFlags } from '../common.ts';
import { EXIT } from '../exit-codes.ts';

interface WorkerFlags extends CommonFlags {
  lanes?: string;
  name?: string;
  drainSeconds: string;
}

/** `fanyi worker` (runs batches from the queue) and `fanyi workers` (who is online). */
export function registerWorkerCommands(program: Command, exit: (code: number) => void): void {
  const worker = program
    .command('worker')
    .description("take batches from the queue and run them, on any machine; a job's endpoints come from the job, keys from this environment")
    .option('--lanes <lanes>', 'queue lanes to take work from, comma-separated: seed 003\'s lanes, ingestion, or any lane a job names (--lane)', WORKER_LANES.join(','))
    .option('--concurrency <n>', 'batches worked on at once, per lane (the ingestion lane: 2 at most)', '4')
    .option('--name <name>', 'shown in fanyi workers (default: host:pid)')
    .option('--drain-seconds <n>', 'on SIGTERM/SIGINT, let batches in hand finish this long before handing them back', '20')
    .option('--api-key <key>', 'key for jobs whose endpoint reads OPENAI_API_KEY (prefer the env var: flags show in ps)');
  addStoreOptions(worker).action(async (flags: WorkerFlags) => {
    const lanes = parseLaneList(flags.lanes ?? WORKER_LANES.join(','));
    const concurrency = positive('--concurrency', flags.concurrency ?? '4');
    const drainMs = positive('--drain-seconds', flags.drainSeconds, true) * 1000;
    const { concurrency: _ignored, ...rest } = flags;
    const loaded = loadConfig(overridesFrom(rest));
    const name = flags.name ?? `${hostname()}:${process.pid}`;
    const log = (line: string) => process.stderr.write(`fanyi worker ${name}: ${line}\n`);
    const { engine, host } = await createQueueWorker({ loaded, lanes, concurrency, name, log });
    try {
      await host.start();
      process.stdout.write(`fanyi worker ${name} (${host.id}): lanes ${lanes.join(', ')}, ${concurrency} at once, queue ${engine.queue?.label}\n`);
      const signal = await untilSignal();
      log(`${signal}: taking nothing new; ${host.activeBatches.length} batches in hand finish within ${drainMs / 1000}s or are handed back`);
      await host.stop(drainMs);
      exit(EXIT.OK);
    } finally {
      await engine.close();
    }
  });

  addStoreOptions(program.command('workers').description('the fanyi worker processes online, from the worker registry').option('--json', 'print JSON')).action(async (flags: CommonFlags) => {
    const engine = await openExistingStore(flags);
    try {
      const workers = await onlineWorkers(engine.store);
      if (flags.json) printJson(workers.map(toJson));
      else printWorkers(workers);
      exit(EXIT.OK);
    } finally {
      await engine.close();
    }
  });
}

function toJson(w: WorkerInfo) {
  return { worker_id: w.workerId, name: w.name, host: w.host, pid: w.pid, lanes: w.lanes, concurrency: w.concurrency, current_batches: w.currentBatches, started_at: w.startedAt, heartbeat_at: w.heartbeatAt, heartbeat_age_ms: Date.now() - w.heartbeatAt };
}

function printWorkers(workers: WorkerInfo[]): void {
  if (!workers.length) {
    process.stdout.write('no workers online; start one with: fanyi worker --queue redis://HOST:6379 --store URL\n');
    return;
  }
  const rows = workers.map((w) => [w.name, w.host, String(w.pid), w.lanes.join(','), `${w.currentBatches.length}/${w.concurrency}`, `${Math.round((Date.now() - w.startedAt) / 1000)}s`, `${Math.round((Date.now() - w.heartbeatAt) / 1000)}s ago`]);
  const table = [['NAME', 'HOST', 'PID', 'LANES', 'BATCHES', 'UP', 'HEARTBEAT'], ...rows];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  process.stdout.write(`${table.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n')}\n`);
}

function positive(flag: string, value: string, allowZero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) throw new FanyiError('USAGE', `${flag} must be a ${allowZero ? 'whole' : 'positive whole'} number (got '${value}')`);
  return n;
}
