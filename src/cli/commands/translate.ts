import path from 'node:path';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Engine, ExportOptions, JobOutcome, TranslateInput } from '../../engine.ts';
import { FanyiError } from '../../errors.ts';
import { ProgressBar } from '../../monitor/progress.ts';
import { parseLanguageList } from '../../tasks/plan-targets.ts';
import { addProviderOptions, columnNameFlag, addStoreOptions, defaultOutPath, openEngine, printJson, splitList, storeLabel, type CommonFlags } from '../common.ts';
import { JOB_PRIORITIES, type JobPriority } from '../../job-types.ts';
import { checkJobLane, DEFAULT_LANE } from '../../queue/queue-lanes.ts';
import { isStatusIn } from '../../store/statuses.ts';
import { EXIT } from '../exit-codes.ts';
import { addOutputOptions, describeEncodingLoss, describeEstimated, describeFlags, describeReview, outputOptionsFrom, type OutputFlags } from '../output-flags.ts';

interface TranslateFlags extends CommonFlags, OutputFlags {
  to?: string;
  from?: string;
  columnName?: string;
  out?: string;
  overwrite?: boolean;
  context?: string;
  contextFile?: string;
  glossary?: string;
  memory?: boolean;
  priority?: string;
  lane?: string;
  detach?: boolean;
}

export function registerTranslate(program: Command, exit: (code: number) => void): void {
  const command = program
    .command('translate')
    .description('translate every empty target cell of a workbook (xlsx, csv, tsv)')
    .argument('<file>', 'the workbook')
    .option('--to <langs>', 'target languages, BCP-47, comma-separated (default: every language column with empty cells)')
    .option('--from <lang>', 'source language (default: the fullest language column)')
    .option('--column-name <template>', "header of a new column in a named field, with {field} and {code}: '{field}_{code}' (default: the field's style, name_PT)")
    .option('--out <path>', 'output file (default: <name>.translated.<ext> beside the input)')
    .option('--overwrite', 'also replace translations already in target cells')
    .option('--context <text>', 'what the project is (genre, tone, audience), sent with every call; default config translation.game_context')
    .option('--context-file <path>', 'the same, read from a text file')
    .option('--glossary <file>', 'terms (csv/tsv/xlsx): source term, one column per language, optional note and DNT columns')
    .option('--no-memory', 'translate every text, reusing nothing from earlier jobs in this database')
    .option('--priority <level>', 'high or normal: with --queue, a high job\'s batches go before normal jobs\' (default normal)')
    .option('--lane <name>', `the queue lane the job runs on: its batches go to that lane's queue and its calls get that lane's priority at the rate limiter (config limits.lanes; default ${DEFAULT_LANE})`)
    .option('--detach', 'with --queue: store and enqueue the job, print its id and return; workers run it')
    .option('--json', 'print one JSON summary on stdout and nothing else');
  addOutputOptions(command, 'stored with the job (resume and export follow it)');
  addStoreOptions(addProviderOptions(command)).action(async (file: string, flags: TranslateFlags) => {
    const to = flags.to ? parseLanguageList(splitList(flags.to) ?? [], '--to') : undefined;
    const from = flags.from ? parseLanguageList([flags.from], '--from')[0] : undefined;
    const priority = priorityFlag(flags.priority);
    const lane = flags.lane === undefined ? undefined : checkJobLane(flags.lane);
    const engine = await openEngine(flags);
    try {
      if (flags.detach && !engine.queue) throw new FanyiError('USAGE', '--detach needs a queue (--queue URL or FANYI_QUEUE_URL): without one the job runs in this process');
      const outPath = path.resolve(flags.out ?? defaultOutPath(file));
      const output = outputOptionsFrom(flags);
      const job = await createJob(engine, { file, to, from, columnName: columnNameFlag(flags.columnName), overwrite: flags.overwrite, outPath, priority, lane, ...output, ...(await jobInputs(flags)) }, !flags.json);
      if (flags.detach) return exit(await detach(engine, job.jobId, flags.json));
      exit(await runWithProgress(engine, job.jobId, job.totalTasks, job.uniqueTexts, flags.json, job.memoryCells));
    } finally {
      await engine.close();
    }
  });
}

export function priorityFlag(value: string | undefined): JobPriority | undefined {
  if (value === undefined) return undefined;
  if (!isStatusIn(JOB_PRIORITIES, value)) throw new FanyiError('USAGE', `--priority must be high or normal (got '${value}')`);
  return value;
}

/** `--detach`: enqueued, the id on stdout, how to follow it on stderr. */
export async function detach(engine: Engine, jobId: string, json = false): Promise<number> {
  await engine.enqueueJob(jobId);
  if (json) printJson({ job_id: jobId, status: 'running', lane: (await engine.store.getJob(jobId))?.lane, queue: engine.queue?.label });
  else {
    process.stdout.write(`${jobId}\n`);
    process.stderr.write(`${followHint(engine, jobId)}\n`);
  }
  return EXIT.OK;
}

/** How to follow and export a job the workers run, with this process's store and queue. */
function followHint(engine: Engine, jobId: string): string {
  return `job ${jobId} runs on the workers of ${engine.queue?.label}; follow it with: fanyi status ${jobId} --store ${storeLabel(engine)}; when done: fanyi export ${jobId} --store ${storeLabel(engine)}`;
}

/**
 * Creates the job and says what it holds. Only numbers leave this function: the task drafts and
 * the parsed workbook behind them (hundreds of MB for a big file) are garbage before the run.
 */
async function createJob(engine: Engine, input: TranslateInput, describe: boolean) {
  const { job, prepared } = await engine.createJob(input);
  if (describe) {
    const langs = [...new Set(prepared.plans.flatMap((p) => p.targets.map((t) => t.language)))].join(', ') || 'none';
    process.stderr.write(
      `job ${job.job_id}: ${prepared.tally.tasks} cells to translate into ${langs} ` +
        `(${prepared.uniqueTexts} unique, ${prepared.batches.length} batches, ${prepared.split.keptHuman} human translations kept` +
        `${prepared.memoryCells ? `, ${prepared.memoryCells} from translation memory` : ''})\n`,
    );
  }
  return { jobId: job.job_id, totalTasks: job.total_tasks, uniqueTexts: prepared.uniqueTexts, memoryCells: prepared.memoryCells };
}

/** `--context`/`--context-file`, `--glossary` and `--no-memory` as engine input (estimate takes them too). */
export async function jobInputs(flags: { context?: string; contextFile?: string; glossary?: string; memory?: boolean }): Promise<Pick<TranslateInput, 'gameContext' | 'glossary' | 'memory'>> {
  if (flags.context !== undefined && flags.contextFile) throw new FanyiError('USAGE', 'pass --context or --context-file, not both');
  const gameContext = flags.contextFile ? await readContextFile(flags.contextFile) : flags.context?.trim();
  // commander's --no-memory makes `memory` true by default; only an explicit flag overrides the config.
  return { gameContext, glossary: flags.glossary, memory: flags.memory === false ? false : undefined };
}

async function readContextFile(file: string): Promise<string> {
  if (!existsSync(file)) throw new FanyiError('FILE_NOT_FOUND', `--context-file: no file at ${file}`);
  return (await readFile(file, 'utf8')).trim();
}

/** Runs a job with Ctrl-C handling and a progress bar; prints the summary; returns the exit code. */
export async function runWithProgress(engine: Engine, jobId: string, total: number, uniqueTotal: number, json = false, alreadyDone = 0, output: ExportOptions = {}): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => {
    // With a queue the workers run the job: Ctrl-C only stops following it.
    process.stderr.write(engine.queue ? `\ndetached: ${followHint(engine, jobId)}\n` : `\ninterrupted: finishing nothing new; resume with: fanyi resume ${jobId}\n`);
    controller.abort(new Error('interrupted'));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const bar = !json && process.stderr.isTTY ? new ProgressBar(process.stderr, total, uniqueTotal, alreadyDone).attach(engine.events, jobId) : undefined;
  // Waiting on a queue no worker listens to: say so, with the command that starts one, every 10 s.
  const onIdle = (e: { jobId: string; lane: string }) => {
    if (e.jobId !== jobId) return;
    process.stderr.write(`${bar ? '\n' : ''}no fanyi worker is online for lane ${e.lane}; the job waits in the queue. Start one (on any machine) with: fanyi worker --lanes ${e.lane} --queue ${engine.queue?.label} --store ${storeLabel(engine)}\n`);
  };
  engine.events.on('queue:idle', onIdle);
  try {
    const outcome = await engine.runJob(jobId, controller.signal, output);
    bar?.finish();
    return report(engine, outcome, json, controller.signal.aborted && outcome.job.status !== 'completed');
  } finally {
    engine.events.off('queue:idle', onIdle);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function report(engine: Engine, outcome: JobOutcome, json: boolean, interrupted: boolean): Promise<number> {
  const { counts, job } = outcome;
  const totals = await engine.store.jobTotals(job.job_id);
  const flags = await engine.store.countByFlag(job.job_id);
  const unfinished = counts.pending + counts.processing > 0;
  const code = interrupted ? 130 : counts.failed + counts.needs_review > 0 || unfinished ? EXIT.REVIEW : EXIT.OK;
  // On stderr with --json too: the file is fine, but not for the program most people open it with.
  const encodingWarning = describeEncodingLoss(outcome.encodingLoss, job.job_id);
  if (encodingWarning) process.stderr.write(`${encodingWarning}\n`);
  if (json) {
    printJson({
      job_id: job.job_id,
      kind: job.kind,
      status: job.status,
      counts,
      flags,
      calls: totals.apiCalls,
      tokens: { prompt: totals.promptTokens, completion: totals.completionTokens, total: totals.promptTokens + totals.completionTokens, estimated: totals.estimatedTokens },
      duration_ms: outcome.durationMs,
      output: outcome.outPath,
      review_sheet: outcome.reviewSheet ?? null,
      review_file: outcome.reviewFile ?? null,
    });
    return code;
  }
  const seconds = (outcome.durationMs / 1000).toFixed(1);
  process.stderr.write(
    `${counts.completed} completed, ${counts.needs_review} need review, ${counts.failed} failed, ${counts.pending + counts.processing} pending ` +
      `in ${seconds}s; ${totals.apiCalls} calls, ${totals.promptTokens + totals.completionTokens} tokens${describeEstimated(totals.estimatedTokens)}\n`,
  );
  if (outcome.outPath) process.stdout.write(`${outcome.outPath}\n`);
  const review = describeReview(outcome);
  if (review) process.stderr.write(`${counts.needs_review + counts.failed} cells to review (${describeFlags(flags, counts.failed)}): ${review}\n`);
  if (counts.failed) process.stderr.write(`some cells failed: see fanyi status ${job.job_id}\n`);
  return code;
}
