/**
 * `--recipe` and `--classes` on `fanyi map` and `fanyi estimate`, over the real 1,000-review file
 * (read in place): a recipe brings its prompt, schema, columns, class table and lane; the class
 * table decides the calls (seed-003's table as written, or the recipes' default); a recipe run
 * offline fills its schema's columns on its lane; misuse is a usage error naming the fix.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeResult, makeTempDir, parseSingleJson, runCli } from '../helpers/fanyi-cli.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';

const REVIEWS = 'reviews-amazon-fine-food/fine_food_reviews_1k.csv';

interface Estimate {
  rows: number;
  batches: number;
  estimated_calls: number;
  calls_per_100_rows: number;
  columns_sent: string[];
  result_columns: string[];
  classes: Array<{ class: string; rows: number; unique_rows: number; calls: number }>;
}

describe('map recipes and class tables over the real review file', { skip: realDataSkip }, () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let file: string;

  before(async () => {
    temp = await makeTempDir('fanyi-map-recipes-');
    file = realDataPath(REVIEWS);
  });

  after(() => temp?.cleanup());

  const estimate = async (...flags: string[]): Promise<Estimate> => {
    const run = await runCli(['estimate', file, '--json', ...flags], { cwd: temp.dir });
    assert.equal(run.code, 0, describeResult(run));
    return parseSingleJson(run.stdout) as unknown as Estimate;
  };

  const byClass = (e: Estimate) => Object.fromEntries(e.classes.map((c) => [c.class, c.rows]));

  test("the insights recipe packs by its class table: a documented minority alone, ≤ 19 calls per 100 reviews", async () => {
    const e = await estimate('--recipe', 'review-insights');
    assert.equal(e.rows, 1000);
    assert.deepEqual(e.columns_sent, ['Score', 'Summary', 'Text']);
    assert.deepEqual(e.result_columns, ['sentiment', 'pain_points', 'praised_aspects', 'language']);
    const rows = byClass(e);
    assert.equal(rows.short + rows.standard + rows.vip, 1000);
    assert.ok(rows.vip > 0 && rows.vip < 100, `a minority goes alone: ${JSON.stringify(rows)}`);
    const vip = e.classes.find((c) => c.class === 'vip')!;
    assert.equal(vip.calls, vip.unique_rows, 'one review per call in the VIP class (identical reviews sent once)');
    assert.ok(e.calls_per_100_rows <= 19, `${e.calls_per_100_rows} calls per 100 reviews`);
  });

  test("--classes seed-003 applies the seed's table as written: most real reviews are VIP", async () => {
    const e = await estimate('--recipe', 'review-insights', '--classes', 'seed-003');
    assert.deepEqual(byClass(e), { standard: 95, vip: 905 });
    // The seed's 924 calls (905 alone + 95 in fives), less the VIP reviews that repeat another word for word: sent once.
    const vip = e.classes.find((c) => c.class === 'vip')!;
    assert.equal(e.estimated_calls, vip.unique_rows + Math.ceil(95 / 5));
    assert.ok(vip.unique_rows >= 900, `${vip.unique_rows} unique VIP reviews`);
  });

  test('a recipe runs offline on its lane, every row getting its schema\'s columns; estimate foresaw its calls', async () => {
    const out = path.join(temp.dir, 'insights.csv');
    const db = path.join(temp.dir, 'jobs.db');
    const run = await runCli(['map', file, '--recipe', 'review-insights', '--provider', 'pseudo', '--out', out, '--db', db, '--json'], { cwd: temp.dir });
    assert.equal(run.code, 0, describeResult(run));
    const summary = parseSingleJson(run.stdout);
    // The first batches, claimed before any reply, go out cut in two; estimate counts those calls too.
    const e = await estimate('--recipe', 'review-insights', '--provider', 'pseudo');
    assert.ok(e.estimated_calls > e.batches, `estimate foresees cuts: ${e.batches} batches, ${e.estimated_calls} calls`);
    const made = Number(summary.calls);
    assert.ok(Math.abs(made - e.estimated_calls) <= Math.max(2, 0.05 * e.estimated_calls), `estimated ${e.estimated_calls} calls, the run made ${made}`);
    const status = parseSingleJson((await runCli(['status', String(summary.job_id), '--db', db, '--json'], { cwd: temp.dir })).stdout);
    assert.equal(status.kind, 'map');
    assert.equal(status.lane, 'insight_extraction');
    const header = (await readFile(out, 'utf8')).split(/\r?\n/, 1)[0];
    assert.match(header, /,sentiment,pain_points,praised_aspects,language$/);
  });

  test('misuse is a usage error that names the fix', async () => {
    const noTo = await runCli(['map', file, '--recipe', 'review-translate', '--provider', 'pseudo', '--db', path.join(temp.dir, 'x.db')], { cwd: temp.dir });
    assert.equal(noTo.code, 2, describeResult(noTo));
    assert.match(noTo.stderr, /needs --to/);
    const both = await runCli(['estimate', file, '--recipe', 'review-insights', '--prompt', 'p.md', '--schema', 's.json'], { cwd: temp.dir });
    assert.equal(both.code, 2, describeResult(both));
    assert.match(both.stderr, /give --recipe, or --prompt and --schema/);
    const unsent = await runCli(['estimate', file, '--recipe', 'review-insights', '--columns', 'Summary,Text', '--classes', 'reviews'], { cwd: temp.dir });
    assert.equal(unsent.code, 2, describeResult(unsent));
    assert.match(unsent.stderr, /reads Score, which the job does not send/);
  });
});
