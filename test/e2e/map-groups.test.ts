/**
 * Few-shot classes and groups end to end, on subsets of the real review file (read in place) and
 * the simulated OpenAI-compatible server: the request bodies of VIP calls carry the recipe's
 * examples as an earlier user/assistant exchange and no other call does; `--recipe
 * product-model` (`--group-by ProductId`) makes one call per product, the largest product's
 * reviews sampled to fit, the rows sent recorded and shown in the output (one row per product,
 * schema-valid result columns), in `status`, in an `export` to JSON lines, and a SIGKILLed run
 * resumes without sending a committed group again.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { resolveClassTable } from '../../src/config/class-presets.ts';
import { loadRecipe } from '../../src/map/recipes.ts';
import { ReviewClassifier } from '../../src/tasks/batching/review-classes.ts';
import { quoteField } from '../../src/workbook/csv/csv-parse.ts';
import { readCsvFile } from '../helpers/csv-file-diff.ts';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, startCli } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';

const REVIEWS = 'reviews-amazon-fine-food/fine_food_reviews_1k.csv';
/** The limiter paces at the configured TPM: these runs test what is sent, not pacing. */
const FAST = ['--tpm', '50000000'];
/** The product with the most reviews in the file (217, ~103,000 characters): more than one call takes. */
const LARGEST = 'B000G6RYNE';

type Review = Record<string, string>;

describe('few-shot classes and --group-by over the real review file', { skip: realDataSkip }, () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let header: string[];
  let reviews: Review[];
  const servers: SimulatedProvider[] = [];
  const server = async (options: Parameters<typeof startSimulatedProvider>[0] = {}) => {
    const s = await startSimulatedProvider({ apiKey: 'test-key', ...options });
    servers.push(s);
    return s;
  };

  /** A CSV of `rows` with the file's header, written in the temp dir. */
  async function subset(name: string, rows: readonly Review[]): Promise<string> {
    const file = path.join(temp.dir, name);
    const lines = [header, ...rows.map((r) => header.map((h) => r[h] ?? ''))].map((cells) => cells.map((c) => quoteField(c, ',')).join(','));
    await writeFile(file, `${lines.join('\n')}\n`);
    return file;
  }

  before(async () => {
    temp = await makeTempDir('fanyi-map-groups-');
    const csv = await readCsvFile(realDataPath(REVIEWS));
    const [head, ...rows] = csv.records.map((r) => r.fields);
    header = head;
    reviews = rows.map((fields) => Object.fromEntries(head.map((h, i) => [h, fields[i] ?? ''])));
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await temp?.cleanup();
  });

  test('VIP calls carry the recipe\'s examples as an earlier exchange in the request body; other calls do not', async () => {
    const recipe = loadRecipe('review-insights');
    const classifier = new ReviewClassifier(resolveClassTable('reviews'));
    const isVip = (row: Review) => classifier.classes[classifier.classify(row.Text, (c) => row[c])].name === 'vip';
    const rows = reviews.slice(0, 150);
    assert.ok(rows.some(isVip) && rows.some((r) => !isVip(r)), 'the subset has VIP and other reviews');
    const file = await subset('first150.csv', rows);
    const sim = await server();
    const run = await runCli(['map', file, '--recipe', 'review-insights', '--out', path.join(temp.dir, 'insights.csv'), '--db', path.join(temp.dir, 'fewshot.db'), '--json', ...FAST, ...providerFlags(sim.baseUrl)], { cwd: temp.dir, timeoutMs: 120_000 });
    assert.equal(run.code, 0, describeResult(run));
    const calls = sim.stats.requestLog.filter((r) => r.status === 200 && !r.repair);
    const exampleRows = JSON.stringify(Object.fromEntries(recipe.examples.map((e, i) => [String(i + 1), Object.fromEntries(recipe.columns.map((c) => [c, e.row[c]]))])));
    const exampleResults = JSON.stringify(Object.fromEntries(recipe.examples.map((e, i) => [String(i + 1), e.result])));
    let vipCalls = 0;
    for (const call of calls) {
      const sent = Object.values(JSON.parse(call.payload) as Record<string, Review>);
      const vip = sent.every((row) => isVip(row));
      assert.ok(vip || !sent.some((row) => isVip(row)), 'a call holds one class');
      if (vip) {
        vipCalls++;
        assert.equal(sent.length, 1, 'a VIP review goes alone');
        // Every message but the rows: the system prompt, then the example exchange.
        assert.deepEqual(call.instructions.slice(1), [exampleRows, exampleResults], 'the examples as the user turn and the assistant turn before the rows');
      } else {
        assert.equal(call.instructions.length, 1, `only the system prompt besides the rows (${sent.length} rows)`);
        assert.ok(!call.instructions[0].includes(recipe.examples[0].row.Summary as string));
      }
    }
    assert.equal(vipCalls, new Set(rows.filter(isVip).map((r) => `${r.Score}|${r.Summary}|${r.Text}`)).size, 'one call per (unique) VIP review');
    assert.ok(calls.length > vipCalls, 'and calls of other classes');
  });

  describe('--recipe product-model: one call and one result per product', () => {
    let file: string;
    let products: Map<string, Review[]>;
    const schema = loadRecipe('product-model').schema;
    const isValid = new Ajv({ strict: false }).compile(schema);

    before(async () => {
      // The largest product and the first ten others, every review of each.
      const firstTen = [...new Set(reviews.map((r) => r.ProductId))].filter((p) => p !== LARGEST).slice(0, 10);
      const keep = new Set([LARGEST, ...firstTen]);
      const rows = reviews.filter((r) => keep.has(r.ProductId));
      products = new Map([...keep].map((p) => [p, rows.filter((r) => r.ProductId === p)]));
      file = await subset('products.csv', rows);
    });

    test('estimate and run agree on groups and calls; the largest product is sampled, the sample recorded and shown', async () => {
      const estimate = await runCli(['estimate', file, '--recipe', 'product-model', '--id', 'Id', '--json'], { cwd: temp.dir });
      assert.equal(estimate.code, 0, describeResult(estimate));
      const e = parseSingleJson(estimate.stdout) as { estimated_calls: number; groups: { groups: number; sampled_groups: number; rows: number; rows_sent: number } };
      assert.deepEqual({ groups: e.groups.groups, sampled: e.groups.sampled_groups, rows: e.groups.rows }, { groups: 11, sampled: 1, rows: [...products.values()].flat().length });
      assert.equal(e.estimated_calls, 11);

      const sim = await server();
      const db = path.join(temp.dir, 'groups.db');
      const out = path.join(temp.dir, 'products.mapped.csv');
      const run = await runCli(['map', file, '--recipe', 'product-model', '--id', 'Id', '--db', db, '--json', ...FAST, ...providerFlags(sim.baseUrl)], { cwd: temp.dir, timeoutMs: 120_000 });
      assert.equal(run.code, 0, describeResult(run));
      const summary = JSON.parse(run.stdout) as { job_id: string; output: string; counts: { completed: number; total: number } };
      assert.equal(summary.output, out, 'default output beside the input');
      assert.deepEqual([summary.counts.completed, summary.counts.total], [11, 11]);

      // The wire: one group per call, structured output, the group's rows as sent.
      const calls = sim.stats.requestLog.filter((r) => r.status === 200);
      assert.equal(calls.length, 11);
      const sentRows = new Map<string, Array<Record<string, string>>>();
      for (const call of calls) {
        assert.equal(call.responseType, 'json_schema');
        const payload = JSON.parse(call.payload) as Record<string, { ProductId: string; rows_in_group: number; rows: Array<Record<string, string>> }>;
        assert.deepEqual(Object.keys(payload), ['1']);
        const group = payload['1'];
        assert.equal(group.rows_in_group, products.get(group.ProductId)!.length);
        assert.deepEqual(Object.keys(group.rows[0]), ['Score', 'Summary', 'Text']);
        sentRows.set(group.ProductId, group.rows);
        assert.match(call.instructions[0], /one group of rows sharing the same ProductId/);
      }

      // The output: one row per product, in order of first appearance, rows_sent the Ids sent, results valid.
      const csv = await readCsvFile(out);
      const [head, ...rows] = csv.records.map((r) => r.fields);
      assert.deepEqual(head, ['ProductId', 'rows', 'rows_sent', 'dimensions', 'who', 'what', 'when', 'where', 'why']);
      assert.deepEqual(rows.map((r) => r[0]), [...new Set([...products.keys()].sort((a, b) => reviews.findIndex((r) => r.ProductId === a) - reviews.findIndex((r) => r.ProductId === b)))]);
      for (const row of rows) {
        const [product, size, sentIds, ...results] = row;
        const all = products.get(product)!;
        assert.equal(Number(size), all.length);
        const ids = JSON.parse(sentIds) as string[];
        const byId = new Map(all.map((r) => [r.Id, r]));
        assert.deepEqual(ids.map((id) => byId.get(id)!.Text), sentRows.get(product)!.map((r) => r.Text), `${product}: the Ids recorded are the reviews sent`);
        if (product === LARGEST) assert.ok(ids.length < all.length && ids.length > 30, `${LARGEST}: ${ids.length} of ${all.length} sent`);
        else assert.equal(ids.length, all.length);
        const result = Object.fromEntries(['dimensions', 'who', 'what', 'when', 'where', 'why'].map((k, i) => [k, JSON.parse(results[i])]));
        assert.ok(isValid(result), `${product}: ${JSON.stringify(result)}`);
      }

      const status = await runCli(['status', summary.job_id, '--db', db, '--json'], { cwd: temp.dir });
      const shown = parseSingleJson(status.stdout) as { kind: string; lane: string; map_groups: { groups: number; sampled_groups: number } };
      assert.deepEqual([shown.kind, shown.lane, shown.map_groups.groups, shown.map_groups.sampled_groups], ['map', 'learning', 11, 1]);
      const text = await runCli(['status', summary.job_id, '--db', db], { cwd: temp.dir });
      assert.match(text.stdout, /11 groups by ProductId \(\d+ rows; 1 group sampled to fit a call: \d+ rows sent\)/);

      // Export from the store alone, to JSON lines: one line per product, the same results.
      const jsonl = path.join(temp.dir, 'products.jsonl');
      const exported = await runCli(['export', summary.job_id, '--db', db, '--out', jsonl], { cwd: temp.dir });
      assert.equal(exported.code, 0, describeResult(exported));
      const lines = (await readFile(jsonl, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(lines.map((l) => l.ProductId), rows.map((r) => r[0]));
      assert.deepEqual(lines.map((l) => l.rows_sent), rows.map((r) => JSON.parse(r[2])));
      assert.deepEqual(lines[0].who, JSON.parse(rows[0][4]));
    });

    test('SIGKILL mid-run, then resume: every product completes and no group committed before the kill is sent again', async () => {
      const sim = await server({ latencyMs: 300 });
      const db = path.join(temp.dir, 'kill.db');
      const out = path.join(temp.dir, 'kill.jsonl');
      await writeFile(path.join(temp.dir, 'slow.yaml'), 'llm:\n  adaptive: { enabled: false }\n');
      const args = ['--config', 'slow.yaml', '--db', db, ...FAST, ...providerFlags(sim.baseUrl)];
      const cli = startCli(['map', file, '--recipe', 'product-model', '--out', out, '--concurrency', '1', ...args], { cwd: temp.dir, timeoutMs: 120_000 });
      while (sim.stats.ok < 3 && cli.child.exitCode === null) await sleep(20);
      cli.child.kill('SIGKILL');
      const first = await cli.done;
      assert.equal(first.signal, 'SIGKILL', describeResult(first));
      const committed = withReadonlyDb(db, (d) => d.prepare("select source_text t from tasks where status = 'completed'").all() as Array<{ t: string }>).map((r) => r.t);
      assert.ok(committed.length > 0 && committed.length < 11, `${committed.length} groups committed before the kill`);
      sim.setOptions({ latencyMs: 0 });
      const resumed = await runCli(['resume', ...args, '--json'], { cwd: temp.dir, timeoutMs: 120_000 });
      assert.equal(resumed.code, 0, describeResult(resumed));
      assert.equal((JSON.parse(resumed.stdout) as { status: string }).status, 'completed');
      const sent = new Map<string, number>();
      for (const entry of sim.stats.requestLog.filter((r) => r.status === 200)) for (const t of entry.texts) sent.set(t, (sent.get(t) ?? 0) + 1);
      assert.deepEqual(committed.filter((t) => (sent.get(t) ?? 0) > 1), [], 'groups committed before the kill were not sent again');
      const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { ProductId: string });
      assert.equal(lines.length, 11);
      assert.equal(new Set(lines.map((l) => l.ProductId)).size, 11);
    });
  });
});
