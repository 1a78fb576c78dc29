/**
 * `fanyi purge`: finished jobs go with their rows and the stored files nothing else names; a
 * source two jobs share stays until the last of them goes; results stay in translation memory;
 * a dry run deletes nothing; a job that may be running is refused.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeResult, makeTempDir, parseSingleJson, runCli } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let db: string;
let csv: string;
const sources = () => path.join(`${db}.files`, 'sources');

before(async () => {
  temp = await makeTempDir('fanyi-purge-');
  db = path.join(temp.dir, 'jobs.db');
  csv = path.join(temp.dir, 'strings.csv');
  await writeFile(csv, ['key,en,fr', ...Array.from({ length: 30 }, (_, i) => `k${i},Purge me number ${i},`)].join('\n'));
});

after(() => temp?.cleanup());

async function translate(extra: string[] = []): Promise<{ job_id: string; memory_cells?: number }> {
  const run = await runCli(['translate', csv, '--to', 'fr', '--provider', 'pseudo', '--db', db, '--out', path.join(temp.dir, 'out.csv'), '--json', ...extra], { cwd: temp.dir });
  assert.equal(run.code, 0, describeResult(run));
  return parseSingleJson(run.stdout) as { job_id: string };
}

const count = (sql: string, ...args: unknown[]) => (withReadonlyDb(db, (d) => d.prepare(sql).get(...args)) as { n: number }).n;

test('a shared source stays until its last job is purged; rows go, translation memory stays', async () => {
  const first = await translate(['--no-memory']);
  const second = await translate(['--no-memory']);
  const [sourceFile] = await readdir(sources());
  assert.ok(sourceFile, 'the source is a stored file');

  const dry = await runCli(['purge', first.job_id, '--db', db, '--dry-run', '--json'], { cwd: temp.dir });
  assert.equal(dry.code, 0, describeResult(dry));
  assert.equal(count('select count(*) n from tasks where job_id = ?', first.job_id), 30, 'a dry run deletes nothing');

  const purged = await runCli(['purge', first.job_id, '--db', db, '--json'], { cwd: temp.dir });
  assert.equal(purged.code, 0, describeResult(purged));
  const report = parseSingleJson(purged.stdout) as { jobs: Array<{ job_id: string; rows: Record<string, number>; files: string[] }> };
  assert.equal(report.jobs[0].rows.tasks, 30);
  assert.deepEqual(report.jobs[0].files, [], 'the second job still names the source');
  for (const table of ['jobs', 'tasks', 'batches', 'task_logs', 'calls']) assert.equal(count(`select count(*) n from ${table} where job_id = ?`, first.job_id), 0, table);
  assert.ok(existsSync(path.join(sources(), sourceFile)));
  const status = await runCli(['status', first.job_id, '--db', db], { cwd: temp.dir });
  assert.equal(status.code, 2, describeResult(status));
  assert.match(status.stderr, /no job/);

  const all = await runCli(['purge', '--finished-before', '0m', '--db', db], { cwd: temp.dir });
  assert.equal(all.code, 0, describeResult(all));
  assert.match(all.stdout, new RegExp(`purged ${second.job_id} \\(completed\\): .*30 tasks.*; 1 stored file`));
  assert.ok(!existsSync(path.join(sources(), sourceFile)), 'no job names the source now');

  // What the purged jobs translated is still remembered.
  const third = await translate();
  assert.equal(count("select count(*) n from tasks where job_id = ? and status = 'completed'", third.job_id), 30);
  assert.ok(count('select count(*) n from translation_memory') >= 30);
  assert.equal(count('select api_calls n from jobs where job_id = ?', third.job_id), 0, 'answered from memory, no call');
});

test('a job that may be running is refused, an unknown one named; an age without a unit is a usage error', async () => {
  const job = await translate(['--no-memory']);
  // As a worker elsewhere would have it while running.
  const writable = new Database(db);
  writable.prepare("update jobs set status = 'running' where job_id = ?").run(job.job_id);
  writable.close();
  const running = await runCli(['purge', job.job_id, '--db', db], { cwd: temp.dir });
  assert.equal(running.code, 2, describeResult(running));
  assert.match(running.stderr, /is running; a job is purged once finished or paused/);
  assert.equal(count('select count(*) n from tasks where job_id = ?', job.job_id), 30);
  const unknown = await runCli(['purge', 'job_missing', '--db', db], { cwd: temp.dir });
  assert.equal(unknown.code, 2, describeResult(unknown));
  assert.match(unknown.stderr, /no job job_missing/);
  const bad = await runCli(['purge', '--finished-before', '30', '--db', db], { cwd: temp.dir });
  assert.equal(bad.code, 2, describeResult(bad));
  assert.match(bad.stderr, /30d, 12h or 90m/);
});
