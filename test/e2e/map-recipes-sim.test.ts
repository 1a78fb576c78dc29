/**
 * Issue 15's end to end over real reviews, on the simulated provider (which answers structured
 * output with random schema-valid values):
 *   - the four shipped recipes (review-insights, review-themes, review-translate --to zh-CN,
 *     product-model --group-by ProductId) through `fanyi map`, each result checked against its
 *     recipe's schema, one line per row (per product for product-model);
 *   - two jobs at once on one endpoint under a binding TPM limit (`fanyi serve`'s in-process
 *     pool, one limiter): a translation saturating the endpoint and an insights map job submitted
 *     through `POST /api/v3/map`. On its own lane (`insight_extraction`, above `translation`) the
 *     map job takes the limit's grants, and the translation gets little more than its reserved
 *     share meanwhile; the same job on the `translation` lane shares the grants first come, first
 *     served. Measured as translation cells answered while the map job ran, in the same test.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { groupColumns } from '../../src/map/map-spec.ts';
import { loadRecipe } from '../../src/map/recipes.ts';
import { describeResult, makeTempDir, parseSingleJson, runCli } from '../helpers/fanyi-cli.ts';
import { realDataSkip } from '../helpers/real-data.ts';
import { writeReviewSlice } from '../helpers/report-checks.ts';
import { startServeHarness, waitForJob } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable } from '../helpers/string-table.ts';

const KEY = 'sk-map-recipes-sim';
const ROWS = 40;

describe('the four recipes over real reviews through the simulated provider', { skip: realDataSkip }, () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let provider: SimulatedProvider;
  let slice: Awaited<ReturnType<typeof writeReviewSlice>>;

  before(async () => {
    temp = await makeTempDir('fanyi-map-recipes-sim-');
    provider = await startSimulatedProvider({ apiKey: KEY, latencyMs: 20 });
    slice = await writeReviewSlice(temp.dir, ROWS);
  });

  after(async () => {
    await provider?.close();
    await temp?.cleanup();
  });

  const cases: Array<{ recipe: string; flags: string[]; groupBy?: string }> = [
    { recipe: 'review-insights', flags: [] },
    { recipe: 'review-themes', flags: [] },
    { recipe: 'review-translate', flags: ['--to', 'zh-CN'] },
    { recipe: 'product-model', flags: ['--group-by', 'ProductId'], groupBy: 'ProductId' },
  ];

  for (const { recipe, flags, groupBy } of cases) {
    test(`${recipe}: every ${groupBy ? 'product' : 'row'} gets a result its recipe's schema accepts`, async () => {
      const out = path.join(temp.dir, `${recipe}.jsonl`);
      const requestsBefore = provider.stats.requestLog.length;
      const run = await runCli(['map', slice.file, '--recipe', recipe, ...flags, '--out', out, '--json', '--db', path.join(temp.dir, `${recipe}.db`), '--base-url', provider.baseUrl, '--model', 'sim-model'], {
        cwd: temp.dir,
        env: { OPENAI_API_KEY: KEY },
        timeoutMs: 120_000,
      });
      assert.equal(run.code, 0, describeResult(run));
      const summary = parseSingleJson(run.stdout) as Record<string, any>;
      assert.equal(summary.status, 'completed', run.stdout);
      const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const expected = groupBy ? new Set(Array.from({ length: ROWS }, (_, i) => slice.productOf(i + 1))).size : ROWS;
      assert.equal(lines.length, expected, `${lines.length} lines, ${expected} ${groupBy ? 'products' : 'rows'}`);
      const validate = new Ajv({ strict: false, allErrors: true }).compile(loadRecipe(recipe).schema as object);
      const own = groupBy ? groupColumns(groupBy) : ['id'];
      for (const line of lines) {
        const result = Object.fromEntries(Object.entries(line).filter(([key]) => !own.includes(key)));
        assert.ok(validate(result), `${JSON.stringify(line)}: ${JSON.stringify(validate.errors)}`);
      }
      const calls = provider.stats.requestLog.slice(requestsBefore).filter((e) => e.status === 200);
      assert.ok(calls.length > 0 && calls.every((e) => e.responseType === 'json_schema'), `structured output asked on every call: ${calls.map((e) => e.responseType).join(', ')}`);
      if (groupBy) assert.equal(calls.length, expected, 'one call per product');
    });
  }
});

describe('two jobs on one endpoint: an insights map job beside a saturating translation', { skip: realDataSkip }, () => {
  /** Translation cells answered while the map job's calls ran, and the map job's outcome. */
  async function race(lane: 'insight_extraction' | 'translation'): Promise<{ cellsDuring: number; mapCalls: number; completed: number }> {
    const provider = await startSimulatedProvider({ apiKey: 'test-key', latencyMs: 200, latencyJitter: 0.25, rpm: 1_200, tpm: 100_000, burstWindowMs: 1_000, recordTexts: false });
    const server = await startServeHarness({
      provider,
      configYaml: 'llm:\n  performance: { rpm_throttle: 1200, tpm_throttle: 100000 }\n  batch_control: { max_batch_size: 20, max_concurrent_workers: 16 }\ntranslation: { memory: false }\n',
    });
    let translation: string | undefined;
    try {
      const table = await writeStringTable(path.join(server.dir, 'strings.xlsx'), uniqueTexts(2_000));
      translation = await uploadFile(server, table.file);
      const started = await server.request('/api/v3/translate', { json: { session_id: translation, options: { to: ['pt-BR', 'th'] } } });
      assert.equal(started.status, 202, await started.text());
      // Saturated: the translation has had answers and the bucket has run dry for a few seconds.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const slice = await writeReviewSlice(server.dir, ROWS);
      const reviews = await uploadFile(server, slice.file);
      const mapped = await server.request('/api/v3/map', { json: { session_id: reviews, recipe: 'review-insights', lane } });
      assert.equal(mapped.status, 202, await mapped.text());
      const finished = await waitForJob(server, reviews, undefined, 180_000);
      assert.equal(finished.status, 'completed', JSON.stringify(finished));
      const log = provider.stats.requestLog.filter((e) => e.status === 200);
      const mapCalls = log.filter((e) => e.responseType === 'json_schema');
      const from = Math.min(...mapCalls.map((e) => e.receivedAt));
      const to = Math.max(...mapCalls.map((e) => e.at));
      const cellsDuring = log.filter((e) => e.responseType !== 'json_schema' && e.receivedAt >= from && e.at <= to).reduce((sum, e) => sum + e.ids.length, 0);
      return { cellsDuring, mapCalls: mapCalls.length, completed: finished.progress.completed as number };
    } finally {
      if (translation) await server.request(`/api/v3/cancel/${translation}`, { method: 'POST' });
      await server.close();
      await provider.close();
    }
  }

  test('on its own lane the map job takes the limit; on the translation lane it shares it', async (t) => {
    const priority = await race('insight_extraction');
    const sameLane = await race('translation');
    t.diagnostic(`translation cells answered while the map job ran: ${priority.cellsDuring} (map job on insight_extraction, ${priority.mapCalls} calls), ${sameLane.cellsDuring} (on translation, ${sameLane.mapCalls} calls)`);
    for (const run of [priority, sameLane]) assert.equal(run.completed, ROWS);
    assert.ok(
      priority.cellsDuring < sameLane.cellsDuring * 0.5,
      `translation cells answered while the map job ran: ${priority.cellsDuring} with the map job on insight_extraction, ${sameLane.cellsDuring} on translation`,
    );
  });
});

async function uploadFile(server: Awaited<ReturnType<typeof startServeHarness>>, file: string): Promise<string> {
  const answer = await server.upload(await readFile(file), path.basename(file));
  const body = (await answer.json()) as { session_id: string };
  assert.equal(answer.status, 201, JSON.stringify(body));
  return body.session_id;
}
