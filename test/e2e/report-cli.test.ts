/**
 * `fanyi report` over map jobs on a slice of the real review file, run offline (`--provider
 * pseudo`): the workbook read back with exceljs holds, per product, exactly the counts the task
 * table's results imply, and the rows behind each; `--by` regroups; what cannot be reported is a
 * usage error naming the fix; purging the job deletes its reports. (With a queue: report-queue.test.ts.)
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeResult, makeTempDir, parseSingleJson, runCli } from '../helpers/fanyi-cli.ts';
import { realDataSkip } from '../helpers/real-data.ts';
import { assertPivotCounts, expectedCounts, readReport, storedResults, writeReviewSlice } from '../helpers/report-checks.ts';

const ROWS = 40;

describe('fanyi report over a map job of real reviews', { skip: realDataSkip }, () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let db: string;
  let jobId: string;
  let productOf: (rowIdx: number) => string;
  let file: string;

  before(async () => {
    temp = await makeTempDir('fanyi-report-');
    db = path.join(temp.dir, 'jobs.db');
    ({ file, productOf } = await writeReviewSlice(temp.dir, ROWS));
    const run = await runCli(['map', file, '--recipe', 'review-insights', '--provider', 'pseudo', '--db', db, '--out', path.join(temp.dir, 'insights.csv'), '--json'], { cwd: temp.dir });
    assert.equal(run.code, 0, describeResult(run));
    jobId = String(parseSingleJson(run.stdout).job_id);
  });

  after(() => temp?.cleanup());

  const report = (...args: string[]) => runCli(['report', jobId, '--db', db, ...args], { cwd: temp.dir });

  test('per ProductId (found by itself): counts equal the stored results, with the rows behind each count', async () => {
    const out = path.join(temp.dir, 'report.xlsx');
    const run = await report('--out', out, '--json');
    assert.equal(run.code, 0, describeResult(run));
    const summary = parseSingleJson(run.stdout) as { out: string; by: string; rows: number; fields: Array<{ name: string; kind: string }>; sheets: Array<{ name: string; rows: number }> };
    assert.equal(summary.out, out);
    assert.equal(summary.by, 'ProductId');
    assert.equal(summary.rows, ROWS);
    assert.deepEqual(summary.fields.map((f) => `${f.name}:${f.kind}`), ['sentiment:enum', 'pain_points:array', 'praised_aspects:array', 'language:category']);

    const sheets = await readReport(out);
    assert.deepEqual([...sheets.keys()], summary.sheets.map((s) => s.name));
    const results = storedResults(db, jobId);
    assert.equal(results.length, ROWS);
    for (const field of ['sentiment', 'pain_points', 'praised_aspects', 'language']) {
      assertPivotCounts(sheets.get(`${field} counts`)!, expectedCounts(results, field, productOf));
    }
    // The rows behind the counts: one line per (row, element), each with its product.
    const behind = sheets.get('pain_points rows')!;
    const expected = expectedCounts(results, 'pain_points', productOf).get('')!;
    assert.equal(behind.length - 1, [...expected.values()].reduce((a, b) => a + b, 0));
    assert.deepEqual(behind[0].slice(0, 4), ['pain_points', 'ProductId', 'Row', 'Id']);
    for (const line of behind.slice(1)) assert.equal(String(line[1]), productOf(Number(line[2]) - 1), `row ${String(line[2])}'s product`);
    const all = sheets.get('Rows')!;
    assert.equal(all.length - 1, ROWS);
    assert.deepEqual(all[0], ['Row', 'Id', 'ProductId', 'Score', 'Summary', 'Text', 'sentiment', 'pain_points', 'praised_aspects', 'language']);
  });

  test('--by regroups the counts; without --out the workbook goes beside the job\'s output', async () => {
    const run = await report('--by', 'Score');
    assert.equal(run.code, 0, describeResult(run));
    assert.equal(run.stdout.trim(), path.join(temp.dir, 'insights.report.xlsx'));
    assert.match(run.stderr, /report of 40 rows by Score: counted sentiment \(enum, 4 values\)/);
    const sheets = await readReport(run.stdout.trim());
    const byScore = sheets.get('sentiment counts')!;
    assert.equal(byScore[0][0], 'Score');
    const total = byScore.slice(2).reduce((sum, line) => sum + Number(line[1]), 0);
    assert.equal(total, ROWS, 'the groups share out every row');
  });

  test('what cannot be reported is a usage error naming the fix', async () => {
    const noColumn = await report('--by', 'Brand');
    assert.equal(noColumn.code, 2, describeResult(noColumn));
    assert.match(noColumn.stderr, /--by Brand: no such column in sheet .*its columns: Id, ProductId/);
    const table = path.join(temp.dir, 'strings.csv');
    await writeFile(table, 'key,en,fr\ngreeting,Hello there,\n');
    const seed = await runCli(['translate', table, '--to', 'fr', '--provider', 'pseudo', '--db', db, '--json'], { cwd: temp.dir });
    assert.equal(seed.code, 0, describeResult(seed));
    const translation = String(parseSingleJson(seed.stdout).job_id);
    const refused = await runCli(['report', translation, '--db', db], { cwd: temp.dir });
    assert.equal(refused.code, 2, describeResult(refused));
    assert.match(refused.stderr, /is a translate job; a report counts the results of a map job/);
  });

  test('purging the job deletes its report workbooks from the store too', async () => {
    const purged = await runCli(['purge', jobId, '--db', db, '--json'], { cwd: temp.dir });
    assert.equal(purged.code, 0, describeResult(purged));
    const files = (JSON.parse(purged.stdout) as { jobs: Array<{ files: string[] }> }).jobs[0].files;
    assert.ok(files.filter((f) => f.endsWith('.xlsx')).length >= 2, `reports deleted: ${files.join(', ')}`);
  });
});
