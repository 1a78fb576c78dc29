import type { Command } from 'commander';
import type { Engine, JobOptions } from '../../engine.ts';
import { createWriteStream } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { jsonLines } from '../../checkpoints/json-lines.ts';
import path from 'node:path';
import type { EndpointStats, JobEvent, JobRow, JobStore, JobTotals } from '../../store/job-store.ts';
import { FanyiError, isFanyiError } from '../../errors.ts';
import { loadConfig } from '../../config/load-config.ts';
import { describeRunSettings, type RunSettings } from '../../config/run-settings.ts';
import { createEmbeddedEngine } from '../../presets.ts';
import { addProviderOptions, addStoreOptions, assertDatabase, openExistingStore, overridesFrom, printJson, storeLabel, type CommonFlags } from '../common.ts';
import { EXIT } from '../exit-codes.ts';
import { addOutputOptions, describeEncodingLoss, describeEstimated, describeFlags, describeReview, outputOptionsFrom, type OutputFlags } from '../output-flags.ts';
import { describeFields } from '../../tasks/prepare-job.ts';
import { describeGroups, groupFigures } from '../../map/map-groups.ts';
import { runWithProgress } from './translate.ts';
import { lanesInUse, onlineWorkers } from '../../queue/worker-registry.ts';
import { INGESTION_LANE } from '../../queue/queue-lanes.ts';

/** status, resume, export: commands on a stored job. */
export function registerJobCommands(program: Command, exit: (code: number) => void): void {
  addStoreOptions(
    program
      .command('status')
      .description('progress of a job (default: the most recent), per status and per group')
      .argument('[job]', 'job id')
      .option('--json', 'print JSON'),
  ).action(async (jobId: string | undefined, flags: CommonFlags) => {
    const engine = await openExistingStore(flags);
    try {
      const job = jobId ? await engine.store.getJob(jobId) : await engine.store.latestJob();
      if (!job) throw new FanyiError('JOB_NOT_FOUND', jobId ? `no job ${jobId} in ${storeLabel(engine)}` : `no jobs in ${storeLabel(engine)} yet`);
      const counts = await engine.store.countByStatus(job.job_id);
      const groups = await engine.store.progressByGroup(job.job_id);
      const totals = await engine.store.jobTotals(job.job_id);
      const endpoints = await engine.store.endpointStats(job.job_id);
      const events = await engine.store.jobEvents(job.job_id, 20);
      const checkpoints = await engine.store.listCheckpoints(job.job_id);
      const pausedGroups = await engine.store.pausedGroups(job.job_id);
      const qaFlags = await engine.store.countByFlag(job.job_id);
      const { run, note: runNote } = storedRun(engine, job);
      const stored = JSON.parse(job.options) as Partial<JobOptions>;
      const fields = stored.fields ?? [];
      const cluster = await clusterView(engine);
      if (flags.json) {
        printJson({ job_id: job.job_id, kind: job.kind, status: job.status, lane: job.lane, source: job.source_name, output: job.out_path, error: job.error_msg, run, ...(runNote ? { run_note: runNote } : {}), counts, fields, ...(stored.mapGroups ? { map_groups: groupFigures(stored.mapGroups) } : {}), flags: qaFlags, groups, paused_groups: pausedGroups, calls: totals.apiCalls, tokens: totals, endpoints, events, checkpoints, cluster });
      } else {
        if (cluster.queue || cluster.workers_online) process.stdout.write(`${describeCluster(cluster)}\n`);
        printStatus(job, counts, groups, totals, pausedGroups, qaFlags);
        if (fields.length) process.stdout.write(`  ${describeFields(fields)} (cells per field)\n`);
        if (stored.mapGroups) process.stdout.write(`  ${describeGroups(stored.mapGroups)}; the rows sent per group: export's rows_sent\n`);
        if (run) process.stdout.write(`  runs with: ${describeRunSettings(run)}\n`);
        if (runNote) process.stdout.write(`  run settings: ${runNote}\n`);
        printRouting(endpoints, events);
      }
      exit(EXIT.OK);
    } finally {
      await engine.close();
    }
  });

  const resume = addStoreOptions(
    addProviderOptions(
      program
        .command('resume')
        .description('continue an interrupted job (default: the most recent unfinished one); completed cells are never sent again')
        .argument('[job]', 'job id')
        .option('--json', 'print one JSON summary on stdout'),
    ),
  );
  addOutputOptions(resume, 'stored with the job (a later export follows it)').action(async (jobId: string | undefined, flags: CommonFlags & OutputFlags) => {
    const output = outputOptionsFrom(flags);
    const overrides = overridesFrom(flags);
    const loaded = loadConfig(overrides);
    assertDatabase(loaded.config);
    const engine = await createEmbeddedEngine({ loaded });
    try {
      const job = jobId ? await engine.store.getJob(jobId) : await engine.store.latestJob({ unfinished: true });
      if (!job) throw new FanyiError('JOB_NOT_FOUND', jobId ? `no job ${jobId} in ${storeLabel(engine)}` : `no unfinished job in ${storeLabel(engine)}`);
      // The job runs as it was started; only the flags given here change that, for good.
      const changes = await engine.changeRunSettings(job.job_id, overrides, loaded.keys);
      if (changes.length && !flags.json) process.stderr.write(`settings changed for this and later runs: ${changes.join(', ')}\n`);
      await engine.assertRunnable(job.job_id);
      // Cells that failed on an outage (timeouts, 5xx, network, 429 storms) get another chance.
      const requeued = await engine.store.requeueTransientFailures(job.job_id);
      if (requeued && !flags.json) process.stderr.write(`retrying ${requeued} cells that failed on transient errors\n`);
      const counts = await engine.store.countByStatus(job.job_id);
      const options = JSON.parse(job.options) as JobOptions;
      const done = counts.completed + counts.failed + counts.needs_review;
      if (!flags.json) process.stderr.write(`resuming job ${job.job_id}: ${done}/${counts.total} cells already done\n`);
      // Stored with the job, so this run's output and every later export follow them.
      await engine.storeOutputOptions(job.job_id, output);
      exit(await runWithProgress(engine, job.job_id, counts.total, options.uniqueTexts, flags.json, done));
    } finally {
      await engine.close();
    }
  });

  const exportCommand = addStoreOptions(
    program
      .command('export')
      .description("write a job's results (so far) into a copy of its source workbook")
      .argument('<job>', 'job id')
      .option('--out <path>', "output file (default: the job's original --out)")
      .option('--checkpoint [id]', 'hand out a checkpoint (default: the latest) instead of the live results'),
  );
  addOutputOptions(exportCommand, "this export only (default: the job's stored choice)").action(async (jobId: string, flags: CommonFlags & OutputFlags & { out?: string; checkpoint?: string | boolean }) => {
    const output = outputOptionsFrom(flags);
    const engine = await openExistingStore(flags);
    try {
      if (flags.checkpoint) {
        process.stdout.write(`${await exportCheckpoint(engine, jobId, flags.checkpoint, flags.out)}\n`);
        return exit(EXIT.OK);
      }
      const written = await engine.writeOutput(jobId, flags.out ? path.resolve(flags.out) : undefined, output);
      const review = describeReview(written);
      if (review) process.stderr.write(`cells to review: ${review}\n`);
      const encodingWarning = describeEncodingLoss(written.encodingLoss, jobId);
      if (encodingWarning) process.stderr.write(`${encodingWarning}\n`);
      process.stdout.write(`${written.outPath}\n`);
      exit(EXIT.OK);
    } finally {
      await engine.close();
    }
  });
}

/** Queue depth per lane (with a queue) and the workers online, as `status` shows them. */
async function clusterView(engine: Engine) {
  const workers = await onlineWorkers(engine.store);
  const depth: Record<string, number> = {};
  if (engine.queue) for (const lane of await lanesInUse(engine.store)) depth[lane] = await engine.queue.depth(lane).catch(() => -1);
  const ages = workers.map((w) => Date.now() - w.heartbeatAt);
  return { queue: engine.queue?.label ?? null, depth, workers_online: workers.length, oldest_heartbeat_ms: ages.length ? Math.max(...ages) : null };
}

function describeCluster(c: Awaited<ReturnType<typeof clusterView>>): string {
  // The ingestion lane's entries are jobs to split, the others' are batches.
  const lanes = Object.entries(c.depth).map(([lane, n]) => `${lane} ${n < 0 ? 'unreachable' : `${n} ${lane === INGESTION_LANE ? 'jobs' : 'batches'}`}`).join(', ');
  return `queue ${c.queue ?? '(none: in-process)'}${lanes ? `: ${lanes} queued or in work` : ''}; ${c.workers_online} workers online`;
}

/**
 * The job's run settings (never a key). A job stored before fanyi kept them runs with this
 * process's settings, and `note` says so; when this process cannot tell them either (a real
 * model, a pseudo config), `run` is null and `note` says why and what to do.
 */
function storedRun(engine: Engine, job: JobRow): { run: RunSettings | null; note?: string } {
  if ((JSON.parse(job.options) as Partial<JobOptions>).run) return { run: engine.runSettings(job) };
  try {
    return { run: engine.runSettings(job), note: 'not stored with this job (made before fanyi kept them): shown as a resume here would run it' };
  } catch (error) {
    if (!isFanyiError(error)) throw error;
    return { run: null, note: `not stored with this job: ${error.message}` };
  }
}

/** Copies a checkpoint's workbook (and names its task table) for the user; the store keeps the original. */
async function exportCheckpoint(engine: Engine, jobId: string, which: string | boolean, out?: string): Promise<string> {
  const { store } = engine;
  if (!(await store.getJob(jobId))) throw new FanyiError('JOB_NOT_FOUND', `no job ${jobId} in this database (see fanyi status)`);
  const checkpoints = await store.listCheckpoints(jobId);
  const checkpoint = typeof which === 'string' ? checkpoints.find((c) => c.checkpointId === which) : checkpoints[0];
  if (!checkpoint?.filePath) {
    throw new FanyiError('JOB_NOT_FOUND', typeof which === 'string' ? `job ${jobId} has no checkpoint ${which}` : `job ${jobId} has no checkpoint yet (one is taken every system.checkpoint_interval seconds while it runs)`);
  }
  const target = path.resolve(out ?? path.basename(checkpoint.filePath));
  await copyFile(await engine.checkpoints.workbook(jobId, checkpoint), target);
  // Beside it, the task table as it stood then (seed 000 §4.1); from the store, so any machine can hand it out.
  const tasksFile = `${target.slice(0, target.length - path.extname(target).length)}.tasks.jsonl`;
  await pipeline(Readable.from(jsonLines(engine.checkpoints.tasks(jobId, checkpoint))), createWriteStream(tasksFile));
  process.stderr.write(`checkpoint ${checkpoint.checkpointId} (${checkpoint.taskCount} tasks settled); task table: ${tasksFile}\n`);
  return target;
}

/**
 * Per-endpoint traffic and health, then what the engine adjusted and why. The call's latency and
 * the wait at the limiter before it are shown apart: summed, a slow provider and a tight rate
 * limit look the same.
 */
function printRouting(endpoints: EndpointStats[], events: JobEvent[]): void {
  const lines: string[] = [];
  const pair = (p50: number | null, p95: number | null) => (p50 === null ? '–' : `${p50}/${p95} ms`);
  if (endpoints.length) lines.push('  endpoints (calls, tokens, 429s, errors, call latency p50/p95, limiter wait p50/p95):');
  for (const e of endpoints) {
    const timing = `call ${pair(e.p50Ms, e.p95Ms)}, limiter wait ${pair(e.waitP50Ms, e.waitP95Ms)}`;
    lines.push(`    ${e.endpoint} (${e.model}): ${e.calls} calls, ${e.tokens} tokens, ${e.rateLimited} × 429, ${e.errors} errors, ${timing}`);
  }
  if (events.length) lines.push('  adjustments and events:');
  for (const e of events) lines.push(`    ${new Date(e.at).toISOString().slice(11, 19)}  ${e.message}`);
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
}

function printStatus(
  job: { job_id: string; kind: string; status: string; lane: string; source_name: string; out_path: string | null; error_msg: string | null },
  counts: Record<string, number>,
  groups: Array<{ groupId: string; priority: number; total: number; completed: number; failed: number; needs_review: number }>,
  totals: JobTotals,
  pausedGroups: string[] = [],
  qaFlags: Record<string, number> = {},
): void {
  const pct = counts.total ? ((100 * (counts.completed + counts.failed + counts.needs_review)) / counts.total).toFixed(1) : '100.0';
  const lines = [
    `job ${job.job_id}  ${job.kind}  ${job.status}  lane ${job.lane}  ${job.source_name} → ${job.out_path ?? '(no output)'}`,
    `  ${pct}% done: ${counts.completed} completed, ${counts.needs_review} need review, ${counts.failed} failed, ${counts.processing} processing, ${counts.pending} pending (of ${counts.total})`,
    `  ${totals.apiCalls} calls, ${totals.promptTokens} prompt + ${totals.completionTokens} completion tokens${describeEstimated(totals.estimatedTokens)}`,
  ];
  if (Object.keys(qaFlags).length) lines.push(`  QA flags (tasks per code): ${describeFlags(qaFlags)}`);
  if (job.error_msg) lines.push(`  last error: ${job.error_msg}`);
  lines.push('  groups (priority: done/total):');
  for (const g of groups) lines.push(`    ${g.groupId}  p${g.priority}: ${g.completed + g.failed + g.needs_review}/${g.total}${g.failed ? `, ${g.failed} failed` : ''}${pausedGroups.includes(g.groupId) ? '  (paused)' : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
