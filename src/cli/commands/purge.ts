import type { Command } from 'commander';
import { FanyiError } from '../../errors.ts';
import { purgeFinishedJobs, purgeJob, purgeStaleUploads, type PurgedJob } from '../../store/purge-jobs.ts';
import { addStoreOptions, openExistingStore, printJson, storeLabel, type CommonFlags } from '../common.ts';

interface PurgeFlags extends CommonFlags {
  finishedBefore?: string;
  uploadsBefore?: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `fanyi purge`: the store keeps every job, its task table and its files until asked; with a
 * server database every source workbook is in it too, so it grows with every job. This deletes
 * finished jobs (named, or all finished before an age) and what only they used.
 */
export function registerPurge(program: Command): void {
  addStoreOptions(
    program
      .command('purge')
      .description('delete finished jobs (completed, failed, cancelled) with their tasks, logs, checkpoints and the stored files nothing else uses; results stay in translation memory')
      .argument('[jobs...]', 'job ids')
      .option('--finished-before <age>', 'every finished job unchanged for this long: 30d, 12h, 90m')
      .option('--uploads-before <age>', 'also API upload sessions this old that never became a job')
      .option('--dry-run', 'list what would go, delete nothing')
      .option('--json', 'print JSON'),
  ).action(async (jobIds: string[], flags: PurgeFlags) => {
    if (!jobIds.length && !flags.finishedBefore && !flags.uploadsBefore) {
      throw new FanyiError('USAGE', 'name the jobs to purge, or give --finished-before AGE (for example 30d) or --uploads-before AGE');
    }
    if (jobIds.length && flags.finishedBefore) throw new FanyiError('USAGE', 'give job ids or --finished-before, not both');
    const engine = await openExistingStore(flags);
    try {
      const parts = { store: engine.store, files: engine.files, filesDir: engine.filesDir };
      const options = { dryRun: flags.dryRun };
      const jobs: PurgedJob[] = [];
      for (const id of jobIds) jobs.push(await purgeJob(parts, id, options));
      if (flags.finishedBefore) jobs.push(...(await purgeFinishedJobs(parts, Date.now() - parseAge(flags.finishedBefore, '--finished-before'), options)));
      const uploads = flags.uploadsBefore ? await purgeStaleUploads(parts, Date.now() - parseAge(flags.uploadsBefore, '--uploads-before'), options) : [];
      if (flags.json) {
        printJson({ dry_run: Boolean(flags.dryRun), jobs: jobs.map((j) => ({ job_id: j.jobId, status: j.status, rows: j.rows, files: j.files })), uploads: uploads.map((u) => ({ session_id: u.sessionId, file_deleted: u.fileDeleted })) });
        return;
      }
      const verb = flags.dryRun ? 'would purge' : 'purged';
      for (const j of jobs) process.stdout.write(`${verb} ${j.jobId} (${j.status}): ${describeRows(j.rows)}; ${j.files.length} stored file(s)\n`);
      if (flags.uploadsBefore) process.stdout.write(`${verb} ${uploads.length} upload session(s) that never became a job\n`);
      if (!jobs.length && !uploads.length) process.stdout.write(`nothing to purge in ${storeLabel(engine)}\n`);
    } finally {
      await engine.close();
    }
  });
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30d`, `12h`, `90m` → milliseconds. */
export function parseAge(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)([mhd])$/.exec(text.trim());
  if (!match) throw new FanyiError('USAGE', `${flag} takes an age such as 30d, 12h or 90m, not '${text}'`);
  return Number(match[1]) * UNITS[match[2]];
}

function describeRows(rows: Record<string, number>): string {
  return Object.entries(rows)
    .filter(([, n]) => n > 0)
    .map(([table, n]) => `${n} ${table}`)
    .join(', ') || 'no rows';
}
