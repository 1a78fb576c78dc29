import type { Command } from 'commander';
import type { JobOptions } from '../../engine.ts';
import { FanyiError } from '../../errors.ts';
import { addProviderOptions, addStoreOptions, assertDatabase, openEngine, openExistingStore, printJson, type CommonFlags } from '../common.ts';
import { EXIT } from '../exit-codes.ts';
import { runWithProgress } from './translate.ts';

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
      if (!job) throw new FanyiError('JOB_NOT_FOUND', jobId ? `no job ${jobId} in ${flags.db}` : `no jobs in ${flags.db} yet`);
      const counts = await engine.store.countByStatus(job.job_id);
      const groups = await engine.store.progressByGroup(job.job_id);
      const totals = await engine.store.jobTotals(job.job_id);
      if (flags.json) {
        printJson({ job_id: job.job_id, status: job.status, source: job.source_name, output: job.out_path, error: job.error_msg, counts, groups, calls: totals.apiCalls, tokens: totals });
      } else {
        printStatus(job, counts, groups, totals);
      }
      exit(EXIT.OK);
    } finally {
      await engine.store.close();
    }
  });

  addStoreOptions(
    addProviderOptions(
      program
        .command('resume')
        .description('continue an interrupted job (default: the most recent unfinished one); completed cells are never sent again')
        .argument('[job]', 'job id')
        .option('--json', 'print one JSON summary on stdout'),
    ),
  ).action(async (jobId: string | undefined, flags: CommonFlags) => {
    assertDatabase(flags);
    const engine = await openEngine(flags);
    try {
      const job = jobId ? await engine.store.getJob(jobId) : await engine.store.latestJob({ unfinished: true });
      if (!job) throw new FanyiError('JOB_NOT_FOUND', jobId ? `no job ${jobId} in ${flags.db}` : `no unfinished job in ${flags.db}`);
      // Cells that failed on an outage (timeouts, 5xx, network, 429 storms) get another chance.
      const requeued = await engine.store.requeueTransientFailures(job.job_id);
      if (requeued && !flags.json) process.stderr.write(`retrying ${requeued} cells that failed on transient errors\n`);
      const counts = await engine.store.countByStatus(job.job_id);
      const options = JSON.parse(job.options) as JobOptions;
      const done = counts.completed + counts.failed + counts.needs_review;
      if (!flags.json) process.stderr.write(`resuming job ${job.job_id}: ${done}/${counts.total} cells already done\n`);
      exit(await runWithProgress(engine, job.job_id, counts.total, options.uniqueTexts, flags.json, done));
    } finally {
      await engine.store.close();
    }
  });

  addStoreOptions(
    program
      .command('export')
      .description("write a job's results (so far) into a copy of its source workbook")
      .argument('<job>', 'job id')
      .option('--out <path>', "output file (default: the job's original --out)"),
  ).action(async (jobId: string, flags: CommonFlags & { out?: string }) => {
    const engine = await openExistingStore(flags);
    try {
      process.stdout.write(`${await engine.exportJob(jobId, flags.out)}\n`);
      exit(EXIT.OK);
    } finally {
      await engine.store.close();
    }
  });
}

function printStatus(
  job: { job_id: string; status: string; source_name: string; out_path: string | null; error_msg: string | null },
  counts: Record<string, number>,
  groups: Array<{ groupId: string; priority: number; total: number; completed: number; failed: number; needs_review: number }>,
  totals: { apiCalls: number; promptTokens: number; completionTokens: number },
): void {
  const pct = counts.total ? ((100 * (counts.completed + counts.failed + counts.needs_review)) / counts.total).toFixed(1) : '100.0';
  const lines = [
    `job ${job.job_id}  ${job.status}  ${job.source_name} → ${job.out_path ?? '(no output)'}`,
    `  ${pct}% done: ${counts.completed} completed, ${counts.needs_review} need review, ${counts.failed} failed, ${counts.processing} processing, ${counts.pending} pending (of ${counts.total})`,
    `  ${totals.apiCalls} calls, ${totals.promptTokens} prompt + ${totals.completionTokens} completion tokens`,
  ];
  if (job.error_msg) lines.push(`  last error: ${job.error_msg}`);
  lines.push('  groups (priority: done/total):');
  for (const g of groups) lines.push(`    ${g.groupId}  p${g.priority}: ${g.completed + g.failed + g.needs_review}/${g.total}${g.failed ? `, ${g.failed} failed` : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
