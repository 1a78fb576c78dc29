import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { Engine } from '../../engine.ts';
import { FanyiError, errorFromCode } from '../../errors.ts';
import { REPORTS_LANE } from '../../queue/queue-lanes.ts';
import { hasWorkerFor } from '../../queue/worker-registry.ts';
import { reportView, type ReportDone } from '../../report/report-state.ts';
import { addStoreOptions, openExistingStore, printJson, type CommonFlags } from '../common.ts';
import { EXIT } from '../exit-codes.ts';

interface ReportFlags extends CommonFlags {
  by?: string;
  out?: string;
  json?: boolean;
  waitSeconds: string;
}

/** How often a queued report's state is read. */
const POLL_MS = 300;

/** `fanyi report <job>`: a summary workbook of a map job's results; calls no model. */
export function registerReport(program: Command, exit: (code: number) => void): void {
  const command = program
    .command('report')
    .description("a summary workbook of a map job's results (so far): rows per value of each enum, boolean, list-of-strings or repeating string field, per group (--by), with the rows behind each count; calls no model")
    .argument('<job>', 'job id (a map job)')
    .option('--by <column>', "group the counts by this column of the job's sheet (default: the job's --group-by column, else a ProductId column when there is one, else no groups)")
    .option('--out <path>', "the workbook (default: beside the job's output, <name>.report.xlsx; else ./<job>.report.xlsx)")
    .option('--wait-seconds <n>', 'with --queue: how long to wait for a worker on the reports lane to make it', '300')
    .option('--json', 'print one JSON summary on stdout and nothing else');
  addStoreOptions(command).action(async (jobId: string, flags: ReportFlags) => {
    const waitMs = Number(flags.waitSeconds) * 1000;
    if (!(waitMs > 0)) throw new FanyiError('USAGE', `--wait-seconds must be a positive number (got '${flags.waitSeconds}')`);
    const engine = await openExistingStore(flags);
    try {
      const done = engine.queue ? await reportOnQueue(engine, jobId, flags.by, waitMs, !flags.json) : await engine.reports.make(jobId, { by: flags.by });
      const out = path.resolve(flags.out ?? (await defaultReportPath(engine, jobId)));
      await copyFile(await engine.files.localPath(done.fileId), out);
      if (flags.json) printJson({ job_id: jobId, out, ...reportView(done) });
      else {
        process.stderr.write(`${describeReport(done)}\n`);
        process.stdout.write(`${out}\n`);
      }
      exit(EXIT.OK);
    } finally {
      await engine.close();
    }
  });
}

/** `counted sentiment (enum, 4 values), …; not counted: language (free text: …)`, by what, rows. */
export function describeReport(done: ReportDone): string {
  const counted = done.fields.map((f) => `${f.name} (${f.kind}, ${f.values} values)`).join(', ');
  const skipped = done.skipped.length ? `; not counted: ${done.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}` : '';
  return `report of ${done.rows} rows${done.by ? ` by ${done.by}` : ''}: counted ${counted || 'nothing'}${skipped}; sheets ${done.sheets.map((s) => `${s.name} (${s.rows})`).join(', ')}`;
}

/** Queues the report on the reports lane and waits for a worker to make it. */
async function reportOnQueue(engine: Engine, jobId: string, by: string | undefined, waitMs: number, chatty: boolean): Promise<ReportDone> {
  const requestId = await engine.reports.request(jobId, { by });
  if (chatty && !(await hasWorkerFor(engine.store, REPORTS_LANE))) process.stderr.write(`no worker on lane ${REPORTS_LANE} is online: start one (fanyi worker --lanes ${REPORTS_LANE}); waiting\n`);
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    const state = await engine.reports.state(jobId, requestId);
    if (state?.state === 'done') return state;
    if (state?.state === 'failed') throw errorFromCode(state.code, state.message);
    await sleep(POLL_MS);
  }
  throw new FanyiError('PROVIDER_UNAVAILABLE', `no worker on lane ${REPORTS_LANE} made the report within ${waitMs / 1000}s; it stays queued (request ${requestId}): start a worker with --lanes ${REPORTS_LANE}, then fetch it with GET /api/v3/jobs/${jobId}/report`);
}

async function defaultReportPath(engine: Engine, jobId: string): Promise<string> {
  const job = await engine.store.getJob(jobId);
  if (!job?.out_path) return `${jobId}.report.xlsx`;
  const ext = path.extname(job.out_path);
  return path.join(path.dirname(job.out_path), `${path.basename(job.out_path, ext)}.report.xlsx`);
}
