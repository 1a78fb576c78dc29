/**
 * `fanyi map` end to end: the real 1,000-review Amazon Fine Food file (read in place), a prompt
 * and a schema written here (sentiment enum + aspects array), the simulated OpenAI-compatible
 * server answering structured-output requests. Every row gets schema-valid columns in a copy of
 * the CSV whose other bytes are the input's; injected invalid results are repaired once and the
 * rest end needs_review; JSON lines out; xlsx in (offline, pseudo); status shows the kind; a
 * SIGKILLed run resumes without sending a committed row again; a run through a Redis queue.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import ExcelJS from 'exceljs';
import { diffCsv, readCsvFile } from '../helpers/csv-file-diff.ts';
import { describeResult, makeTempDir, providerFlags, runCli, startCli, type CliProcess } from '../helpers/fanyi-cli.ts';
import { REDIS_URL, startWorker, uniquePrefix } from '../helpers/queue-workers.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';
import { deleteKeys } from '../helpers/redis-server.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { diffXlsx } from '../helpers/xlsx-cell-diff.ts';

const REVIEWS = 'reviews-amazon-fine-food/fine_food_reviews_1k.csv';
const PROMPT = `Read this product review: \${Summary} — \${Text} (rated \${Score} of 5 stars).
Say whether it is positive, negative or neutral, and list the product aspects it talks about (taste, price, packaging…), as short nouns.
`;
const SCHEMA = {
  type: 'object',
  properties: {
    sentiment: { type: 'string', enum: ['positive', 'negative', 'neutral'] },
    aspects: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 5 },
  },
  required: ['sentiment', 'aspects'],
  additionalProperties: false,
};
/** The limiter paces at the configured TPM (default 1.1M, ~10 s for this file): these runs test results, not pacing. */
const FAST = ['--tpm', '50000000'];
const ajv = new Ajv({ strict: false });
const isValid = ajv.compile(SCHEMA);

/** A row the simulated model gets wrong first (and, for some, after the repair too): decided by its text, as a model's mistakes follow the input. */
const firstWrong = (row: unknown) => textOf(row).length % 7 === 0;
const staysWrong = (row: unknown) => textOf(row).length % 14 === 0;
const textOf = (row: unknown) => String((row as { Text?: string }).Text ?? '');

describe('fanyi map over the real review file', { skip: realDataSkip }, () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let input: string;
  let reviews: Array<{ Id: string; Score: string; Summary: string; Text: string }>;
  const servers: SimulatedProvider[] = [];
  const files = () => ['--prompt', path.join(temp.dir, 'sentiment.md'), '--schema', path.join(temp.dir, 'sentiment.json')];
  const server = async (options: Parameters<typeof startSimulatedProvider>[0] = {}) => {
    const s = await startSimulatedProvider({ apiKey: 'test-key', ...options });
    servers.push(s);
    return s;
  };

  before(async () => {
    temp = await makeTempDir('fanyi-map-');
    input = realDataPath(REVIEWS);
    await writeFile(path.join(temp.dir, 'sentiment.md'), PROMPT);
    await writeFile(path.join(temp.dir, 'sentiment.json'), JSON.stringify(SCHEMA, null, 2));
    const csv = await readCsvFile(input);
    const [header, ...rows] = csv.records.map((r) => r.fields);
    reviews = rows.map((fields) => Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ''])) as (typeof reviews)[number]);
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await temp?.cleanup();
  });

  /** The result columns of an output CSV, checked against the input row by row. */
  async function resultsOf(out: string): Promise<Array<{ sentiment: string; aspects: string }>> {
    const csv = await readCsvFile(out);
    const [header, ...rows] = csv.records.map((r) => r.fields);
    assert.deepEqual(header.slice(-2), ['sentiment', 'aspects'], 'result columns appended after the last column, headed by the property names');
    assert.equal(rows.length, reviews.length);
    return rows.map((fields) => ({ sentiment: fields[header.length - 2] ?? '', aspects: fields[header.length - 1] ?? '' }));
  }

  test('every row gets schema-valid columns through json_schema; the CSV is otherwise byte for byte the input', async () => {
    const sim = await server();
    const db = path.join(temp.dir, 'plain.db');
    const out = path.join(temp.dir, 'plain.csv');
    const run = await runCli(['map', input, ...files(), '--out', out, '--db', db, '--json', ...FAST, ...providerFlags(sim.baseUrl)], { cwd: temp.dir, timeoutMs: 120_000 });
    assert.equal(run.code, 0, describeResult(run));
    const summary = JSON.parse(run.stdout) as { job_id: string; status: string; counts: { completed: number; total: number }; calls: number; tokens: { total: number } };
    assert.equal(summary.status, 'completed');
    assert.equal(summary.counts.completed, reviews.length);
    const results = await resultsOf(out);
    for (const [i, r] of results.entries()) assert.ok(isValid({ sentiment: r.sentiment, aspects: JSON.parse(r.aspects) }), `row ${i + 2}: ${JSON.stringify(r)}`);
    const diff = await diffCsv(input, out);
    assert.deepEqual(diff.problems, []);
    assert.equal(diff.rewrittenRecords, 0, 'every record is the input record plus appended fields');
    const calls = sim.stats.requestLog.filter((r) => r.status === 200);
    assert.ok(calls.every((r) => r.responseType === 'json_schema'), 'structured output asked for');
    assert.ok(calls.length < reviews.length / 5, `rows go many to a call: ${calls.length} calls`);
    process.stderr.write(`# map, 1000 reviews on the simulator: ${summary.calls} calls, ${summary.tokens.total} tokens\n`);

    const status = await runCli(['status', summary.job_id, '--db', db, '--json'], { cwd: temp.dir });
    assert.equal(status.code, 0, describeResult(status));
    const shown = JSON.parse(status.stdout) as { kind: string; counts: { completed: number } };
    assert.equal(shown.kind, 'map');
    const text = await runCli(['status', summary.job_id, '--db', db], { cwd: temp.dir });
    assert.match(text.stdout, new RegExp(`job ${summary.job_id}  map  completed`));

    // Export, from the store alone, to JSON lines: the id column's value and the stored result per row.
    const jsonl = path.join(temp.dir, 'plain.jsonl');
    const exported = await runCli(['export', summary.job_id, '--db', db, '--out', jsonl], { cwd: temp.dir });
    assert.equal(exported.code, 0, describeResult(exported));
    const lines = (await readFile(jsonl, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { id: number; sentiment: string; aspects: string[] });
    assert.equal(lines.length, reviews.length);
    assert.deepEqual(lines.slice(0, 3).map((l) => l.id), [2, 3, 4], 'without --id, the row number in the sheet');
    lines.forEach((line, i) => assert.deepEqual({ sentiment: line.sentiment, aspects: line.aspects }, { sentiment: results[i].sentiment, aspects: JSON.parse(results[i].aspects) }));
  });

  test('invalid results: one repair call with the failing rows; repaired ones complete, the rest end needs_review, kept and listed', async () => {
    const sim = await server({ invalidResult: (row, call) => (call.repair ? staysWrong(row) : firstWrong(row)) });
    const db = path.join(temp.dir, 'repair.db');
    const out = path.join(temp.dir, 'repair.csv');
    const run = await runCli(['map', input, ...files(), '--out', out, '--db', db, '--json', ...FAST, ...providerFlags(sim.baseUrl)], { cwd: temp.dir, timeoutMs: 120_000 });
    assert.equal(run.code, 3, `exit 3: finished, some rows to review\n${describeResult(run)}`);
    const summary = JSON.parse(run.stdout) as { counts: { completed: number; needs_review: number; failed: number }; flags: Record<string, number>; review_file: string };
    const expectedReview = reviews.filter((r) => staysWrong({ Text: r.Text })).length;
    assert.ok(expectedReview > 0 && reviews.some((r) => firstWrong({ Text: r.Text }) && !staysWrong({ Text: r.Text })));
    assert.equal(summary.counts.needs_review, expectedReview);
    assert.equal(summary.counts.completed, reviews.length - expectedReview);
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.flags.schema_invalid, expectedReview);
    assert.equal(summary.review_file, path.join(temp.dir, 'repair.review.xlsx'));
    const repairs = sim.stats.requestLog.filter((r) => r.repair && r.status === 200);
    assert.ok(repairs.length > 0, 'repair calls were made');
    const repairedRows = repairs.flatMap((r) => r.texts.map((t) => JSON.parse(t) as { Text: string }));
    assert.ok(repairedRows.every((row) => firstWrong(row)), 'a repair call carries only rows whose result was invalid');
    const results = await resultsOf(out);
    results.forEach((r, i) => {
      if (staysWrong(reviews[i])) assert.equal(r.sentiment, '', `row ${i + 2}: the invalid result is kept as it is (its sentiment missing)`);
      else assert.ok(isValid({ sentiment: r.sentiment, aspects: JSON.parse(r.aspects) }), `row ${i + 2}`);
    });
    const flagged = withReadonlyDb(db, (d) => d.prepare("select count(*) n from tasks where status = 'needs_review' and qa_flags like '%schema_invalid%'").get()) as { n: number };
    assert.equal(flagged.n, expectedReview);
  });

  test('--out results.jsonl --id Id: one line per row, named by its Id, results valid', async () => {
    const sim = await server();
    const out = path.join(temp.dir, 'results.jsonl');
    const run = await runCli(['map', input, ...files(), '--id', 'Id', '--out', out, '--db', path.join(temp.dir, 'jsonl.db'), ...FAST, ...providerFlags(sim.baseUrl)], { cwd: temp.dir, timeoutMs: 120_000 });
    assert.equal(run.code, 0, describeResult(run));
    assert.equal(run.stdout, `${out}\n`);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; sentiment: string; aspects: string[] });
    assert.deepEqual(lines.map((l) => l.id), reviews.map((r) => r.Id));
    for (const { id, ...result } of lines) assert.ok(isValid(result), `${id}: ${JSON.stringify(result)}`);
  });

  test('xlsx in, offline (--provider pseudo): result columns beside the table, every other cell and part as it was', async () => {
    const xlsx = path.join(temp.dir, 'reviews.xlsx');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Reviews');
    sheet.addRow(['Id', 'Score', 'Summary', 'Text']);
    for (const r of reviews.slice(0, 40)) sheet.addRow([Number(r.Id), Number(r.Score), r.Summary, r.Text]);
    sheet.getCell('A1').font = { bold: true };
    await workbook.xlsx.writeFile(xlsx);
    const out = path.join(temp.dir, 'reviews.mapped.xlsx');
    const run = await runCli(['map', xlsx, ...files(), '--db', path.join(temp.dir, 'xlsx.db'), '--provider', 'pseudo', '--json', ...FAST], { cwd: temp.dir });
    assert.equal(run.code, 0, describeResult(run));
    assert.equal((JSON.parse(run.stdout) as { output: string }).output, out, 'default output: <name>.mapped.xlsx beside the input');
    const diff = await diffXlsx(xlsx, out);
    assert.deepEqual(diff.problems, []);
    assert.ok(diff.added.length >= 80 && diff.added.every((c) => c.col === 4 || c.col === 5), `only the result columns (E, F) gained cells: ${JSON.stringify(diff.added.filter((c) => c.col < 4))}`);
    const written = new ExcelJS.Workbook();
    await written.xlsx.readFile(out);
    const ws = written.getWorksheet('Reviews')!;
    assert.deepEqual([ws.getCell('E1').value, ws.getCell('F1').value], ['sentiment', 'aspects']);
    for (let row = 2; row <= 41; row++) {
      const result = { sentiment: ws.getCell(row, 5).value, aspects: JSON.parse(String(ws.getCell(row, 6).value)) };
      assert.ok(isValid(result), `row ${row}: ${JSON.stringify(result)}`);
    }
  });

  test('SIGKILL mid-run, then resume: the job completes and no row committed before the kill is sent again', async () => {
    const sim = await server({ latencyMs: 150 });
    const db = path.join(temp.dir, 'kill.db');
    const out = path.join(temp.dir, 'kill.csv');
    await writeFile(path.join(temp.dir, 'small.yaml'), 'llm:\n  adaptive: { enabled: false }\n  batch_control: { max_batch_size: 8 }\n');
    const args = ['--config', 'small.yaml', '--db', db, ...FAST, ...providerFlags(sim.baseUrl)];
    const cli = startCli(['map', input, ...files(), '--out', out, '--concurrency', '2', ...args], { cwd: temp.dir, timeoutMs: 120_000 });
    while (sim.stats.ok < 6 && cli.child.exitCode === null) await sleep(20);
    cli.child.kill('SIGKILL');
    const first = await cli.done;
    assert.equal(first.signal, 'SIGKILL', describeResult(first));
    const committed = withReadonlyDb(db, (d) => d.prepare("select distinct source_text t from tasks where status = 'completed'").all() as Array<{ t: string }>).map((r) => r.t);
    assert.ok(committed.length > 0 && committed.length < reviews.length, `${committed.length} rows committed before the kill`);
    sim.setOptions({ latencyMs: 0 });
    const resumed = await runCli(['resume', ...args, '--json'], { cwd: temp.dir, timeoutMs: 120_000 });
    assert.equal(resumed.code, 0, describeResult(resumed));
    assert.equal((JSON.parse(resumed.stdout) as { status: string }).status, 'completed');
    const sent = new Map<string, number>();
    for (const entry of sim.stats.requestLog.filter((r) => r.status === 200)) for (const text of entry.texts) sent.set(text, (sent.get(text) ?? 0) + 1);
    const again = committed.filter((text) => (sent.get(text) ?? 0) > 1);
    assert.deepEqual(again, [], 'rows committed before the kill were not sent again');
    const results = await resultsOf(out);
    for (const [i, r] of results.entries()) assert.ok(isValid({ sentiment: r.sentiment, aspects: JSON.parse(r.aspects) }), `row ${i + 2}`);
  });

  describe('through a Redis queue', () => {
    const prefix = uniquePrefix('map');
    let worker: CliProcess | undefined;
    after(async () => {
      worker?.child.kill('SIGKILL');
      await deleteKeys(REDIS_URL, prefix);
    });

    test('a fanyi worker runs the map job from the stored job alone; the submitter writes the output', async () => {
      const sim = await server({ latencyMs: 20 });
      const db = path.join(temp.dir, 'queue.db');
      const env = { OPENAI_API_KEY: 'test-key', FANYI_QUEUE_PREFIX: prefix };
      // The store exists (migrated) before the worker opens it.
      const seeded = await runCli(['map', input, ...files(), '--db', db, '--provider', 'pseudo', ...FAST, '--out', path.join(temp.dir, 'seed.jsonl')], { cwd: temp.dir, env });
      assert.equal(seeded.code, 0, describeResult(seeded));
      worker = await startWorker(['--db', db, '--queue', REDIS_URL, '--concurrency', '2', '--name', 'mapper'], env, temp.dir);
      const out = path.join(temp.dir, 'queue.csv');
      const run = await runCli(['map', input, ...files(), '--out', out, '--db', db, '--queue', REDIS_URL, '--json', ...FAST, '--base-url', sim.baseUrl, '--model', 'sim-model'], { cwd: temp.dir, env, timeoutMs: 120_000 });
      assert.equal(run.code, 0, describeResult(run));
      const jobId = (JSON.parse(run.stdout) as { job_id: string }).job_id;
      const results = await resultsOf(out);
      for (const [i, r] of results.entries()) assert.ok(isValid({ sentiment: r.sentiment, aspects: JSON.parse(r.aspects) }), `row ${i + 2}`);
      const claimers = withReadonlyDb(db, (d) => d.prepare("select distinct worker_id w from task_logs where job_id = ? and event = 'claimed'").all(jobId) as Array<{ w: string }>);
      const pids = new Set(claimers.map((c) => c.w.split(':')[1]?.split('@')[0]));
      assert.deepEqual([...pids], [String(worker!.child.pid)], 'the worker claimed every batch');
    });
  });
});
