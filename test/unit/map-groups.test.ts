/**
 * `--group-by`: rows grouped by a column's value in order of first appearance (empty values
 * counted, not grouped); a group too large for one call sampled deterministically to fit the
 * input budget, the ids of the rows sent recorded in its task's context; one task and one call per
 * group; the group output's columns; misuse refused. On the real review file: the product-model
 * recipe's 207 products, its largest one sampled.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { mapInputsFrom } from '../../src/cli/commands/map.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { isFanyiError } from '../../src/errors.ts';
import { MapStrategy } from '../../src/executor/map-strategy.ts';
import { groupBudget, groupRows } from '../../src/map/map-groups.ts';
import { callOverheadTokens } from '../../src/map/map-messages.ts';
import { writeJsonLines } from '../../src/map/map-output.ts';
import { resultTokens } from '../../src/map/map-packer.ts';
import { buildMapSpec, type MapSpec } from '../../src/map/map-spec.ts';
import { planMap } from '../../src/map/plan-map.ts';
import { loadRecipe } from '../../src/map/recipes.ts';
import type { WritableResult } from '../../src/store/job-store.ts';
import { estimateTokens } from '../../src/tasks/batching/estimate-tokens.ts';
import { sampleToBudget } from '../../src/tasks/batching/sample-to-budget.ts';
import { packOptions } from '../../src/tasks/prepare-job.ts';
import { scanWorkbook } from '../../src/workbook/read-workbook.ts';
import { DEFAULT_READ_LIMITS } from '../../src/workbook/sheet-model.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';
import { readFile } from 'node:fs/promises';
import { scratchDir } from '../helpers/scratch-dir.ts';

const dir = scratchDir('fanyi-map-groups-');
const SCHEMA = { type: 'object', properties: { aspects: { type: 'array', items: { type: 'string' } }, who: { type: 'array', items: { type: 'string' } } }, required: ['aspects', 'who'] };
const PROMPT = 'Model the product from its reviews: ${Text} rated ${Score}.';

/** Product P1 with 40 long reviews, P2 with 2, one row without a product; ids 100+. */
async function productsFile(): Promise<string> {
  const rows: string[] = [];
  for (let i = 0; i < 40; i++) rows.push(`${100 + i},P1,${(i % 5) + 1},"Review ${i}: ${'the taste is fine and the price is fair '.repeat(8)}"`);
  rows.splice(3, 0, '200,P2,5,Great', '201, P2 ,1,Awful', '202,,3,No product');
  const file = path.join(dir, 'products.csv');
  await writeFile(file, `Id,ProductId,Score,Text\n${rows.join('\n')}\n`);
  return file;
}

async function planOf(file: string, config = configSchema.parse({}), flags: Record<string, string> = {}) {
  const document = await scanWorkbook(file, DEFAULT_READ_LIMITS);
  const spec = buildMapSpec(document, { prompt: PROMPT, schema: SCHEMA, idColumn: 'Id', groupBy: 'ProductId', ...flags });
  return { spec, plan: await planMap(document, spec, config, { jobId: 'j', excelId: 'e' }) };
}

test('rows grouped by their value (trimmed) in order of first appearance; rows without one counted apart', async () => {
  const rows = [{ group: 'B' }, { group: 'A' }, { group: ' B ' }, { group: '' }, { group: null }, { group: 7 }].map((r, i) => ({ rowIdx: i + 1, fields: {}, id: i + 2, ...r }));
  const { groups, rowsWithoutKey } = await groupRows(rows);
  assert.deepEqual(groups.map((g) => [g.value, g.rows.map((r) => r.id)]), [['B', [2, 4]], ['A', [3]], [7, [7]]]);
  assert.equal(rowsWithoutKey, 2);
});

test('sampleToBudget: everything when it fits; else a deterministic sample within the budget, in the original order', () => {
  const items = Array.from({ length: 50 }, (_, i) => ({ key: `row ${i}`, tokens: 10 + (i % 7), chars: 40 }));
  assert.deepEqual(sampleToBudget(items, { tokens: 10_000, chars: 10_000 }), items.map((_, i) => i));
  const taken = sampleToBudget(items, { tokens: 200, chars: 10_000 });
  assert.ok(taken.length > 10 && taken.length < 20, `${taken.length} taken`);
  assert.ok(taken.reduce((sum, i) => sum + items[i].tokens, 0) <= 200);
  assert.deepEqual(taken, [...taken].sort((a, b) => a - b));
  assert.deepEqual(sampleToBudget(items, { tokens: 200, chars: 10_000 }), taken, 'the same sample every time');
  assert.notDeepEqual(taken, taken.map((_, i) => i), 'not simply the first rows');
  // The sample follows the items' keys, not their positions: reversed input, same rows.
  const reversed = [...items].reverse();
  assert.deepEqual(sampleToBudget(reversed, { tokens: 200, chars: 10_000 }).map((i) => reversed[i].key).sort(), taken.map((i) => items[i].key).sort());
  assert.ok(sampleToBudget(items, { tokens: 10_000, chars: 400 }).length === 10, 'the character budget binds too');
  assert.deepEqual(sampleToBudget([{ key: 'huge', tokens: 900, chars: 9 }], { tokens: 100, chars: 100 }), [0], 'a group is never sent empty');
});

test('one task and one call per group; a group over the budget sampled to fit, the rows sent recorded in its context', async () => {
  // A small input budget (max_batch_tokens) so P1's 40 reviews cannot all go.
  const config = configSchema.parse({ llm: { batch_control: { max_batch_tokens: 1_500 } } });
  const { spec, plan } = await planOf(await productsFile(), config);
  assert.equal(plan.tasks.length, 2);
  assert.equal(plan.batches.length, 2);
  assert.ok(plan.batches.every((b) => b.unique_count === 1 && b.lane === 'groups'));
  const [p1, p2] = plan.tasks.map((t) => ({ task: t, context: JSON.parse(t.source_context!) as { id: string; rows: number; sent: string[] }, sent: JSON.parse(t.source_text) as { ProductId: string; rows_in_group: number; rows: Array<Record<string, string>> } }));
  assert.deepEqual(p2.context, { id: 'P2', class: 'groups', rows: 2, sent: ['200', '201'] }, 'a CSV\'s ids are its text');
  assert.deepEqual(p2.sent, { ProductId: 'P2', rows_in_group: 2, rows: [{ Text: 'Great', Score: '5' }, { Text: 'Awful', Score: '1' }] });
  assert.equal(p1.context.rows, 40);
  assert.equal(p1.sent.rows_in_group, 40);
  assert.ok(p1.context.sent.length > 3 && p1.context.sent.length < 40, `${p1.context.sent.length} of 40 sent`);
  // The ids recorded are exactly the rows in the text sent, in file order.
  assert.deepEqual(p1.sent.rows.map((r) => String(Number(/^Review (\d+)/.exec(r.Text)![1]) + 100)), p1.context.sent);
  const budget = groupBudget(packOptions(config, callOverheadTokens(spec)), resultTokens(spec));
  assert.ok(estimateTokens(p1.task.source_text) <= budget.tokens, `${estimateTokens(p1.task.source_text)} tokens within ${budget.tokens}`);
  assert.deepEqual(plan.groups, { groupBy: 'ProductId', groups: 2, rows: 42, rowsWithoutKey: 1, sampledGroups: 1, rowsSent: p1.context.sent.length + 2 });
  // The output table's rows: group 1, 2; the first result column after ProductId, rows, rows_sent.
  assert.deepEqual(plan.tasks.map((t) => [t.row_idx, t.col_idx, t.cell_ref]), [[1, 3, 'D2'], [2, 3, 'D3']]);
  // The same file plans the same sample (resume, estimate and run agree).
  assert.equal((await planOf(await productsFile(), config)).plan.tasks[0].source_text, p1.task.source_text);
  // With the default budget everything fits.
  assert.equal((await planOf(await productsFile())).plan.groups?.sampledGroups, 0);
});

test('a group call says it is a group; its JSON lines carry the group value, size and rows sent', async () => {
  const { spec, plan } = await planOf(await productsFile());
  const system = new MapStrategy(spec).request({ jobId: 'j', batchId: 'b', groupId: 'g', lane: 'groups', sourceLang: '', targetLang: 'map', attempts: 0, items: [] }, [{ dedupeKey: 'k', sourceText: plan.tasks[1].source_text, sourceContext: null, retryCount: 0 }]).payload!.messages[0].content;
  assert.match(system, /one group of rows sharing the same ProductId/);
  assert.match(system, /"rows_in_group"/);
  const out = path.join(dir, 'groups.jsonl');
  async function* results(): AsyncGenerator<WritableResult> {
    for (const t of plan.tasks) yield { sheetName: t.sheet_name, rowIdx: t.row_idx, colIdx: t.col_idx, targetLang: 'map', result: JSON.stringify({ aspects: ['taste'], who: [] }), sourceContext: t.source_context };
  }
  await writeJsonLines(out, results(), spec);
  const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines[1], { ProductId: 'P2', rows: 2, rows_sent: ['200', '201'], aspects: ['taste'], who: [] });
});

test('misuse: a missing --group-by column, a schema naming the group columns, --classes or --examples with groups', async () => {
  const file = await productsFile();
  const document = await scanWorkbook(file, DEFAULT_READ_LIMITS);
  assert.throws(() => buildMapSpec(document, { prompt: PROMPT, schema: SCHEMA, groupBy: 'Product' }), (e) => isFanyiError(e) && e.code === 'NO_SOURCE_COLUMN' && /"Product"/.test(e.message));
  assert.throws(
    () => buildMapSpec(document, { prompt: PROMPT, schema: { type: 'object', properties: { rows: { type: 'integer' } } }, groupBy: 'ProductId' }),
    (e) => isFanyiError(e) && e.code === 'USAGE' && /"rows" would clash with the group output's own columns \(ProductId, rows, rows_sent\)/.test(e.message),
  );
  const config = configSchema.parse({});
  await assert.rejects(mapInputsFrom({ recipe: 'product-model', classes: 'reviews' }, config), (e) => isFanyiError(e) && e.code === 'USAGE' && /with --group-by every group is its own call/.test(e.message));
  await assert.rejects(mapInputsFrom({ recipe: 'review-insights', groupBy: 'ProductId', examples: file }, config), (e) => isFanyiError(e) && /--examples show one row's result/.test(e.message));
  // The recipe brings its grouping; a config class table is a row job's and is left aside.
  const inputs = await mapInputsFrom({ recipe: 'product-model' }, configSchema.parse({ batching: { classes: 'reviews' } }));
  assert.equal(inputs.map.groupBy, 'ProductId');
  assert.equal(inputs.classify, undefined);
  assert.equal(inputs.lane, 'learning');
});

test('the product-model recipe on the real review file: 207 products, the largest sampled to fit one call', { skip: realDataSkip }, async () => {
  const recipe = loadRecipe('product-model');
  const file = realDataPath('reviews-amazon-fine-food/fine_food_reviews_1k.csv');
  const document = await scanWorkbook(file, DEFAULT_READ_LIMITS);
  const config = configSchema.parse({});
  const spec: MapSpec = buildMapSpec(document, { prompt: recipe.prompt, schema: recipe.schema, columns: recipe.columns, groupBy: recipe.groupBy, idColumn: 'Id' });
  const plan = await planMap(document, spec, config, { jobId: 'j', excelId: 'e' });
  assert.equal(plan.groups?.groups, 207);
  assert.equal(plan.batches.length, 207);
  assert.equal(plan.groups?.rows, 1000);
  const largest = plan.tasks.map((t) => JSON.parse(t.source_context!) as { id: string; rows: number; sent: string[] }).sort((a, b) => b.rows - a.rows)[0];
  assert.equal(largest.id, 'B000G6RYNE');
  assert.equal(largest.rows, 217);
  assert.ok(largest.sent.length < 217 && largest.sent.length > 50, `${largest.sent.length} of 217 reviews sent`);
  assert.equal(plan.groups?.sampledGroups, 1);
  const budget = groupBudget(packOptions(config, callOverheadTokens(spec)), resultTokens(spec));
  const task = plan.tasks.find((t) => JSON.parse(t.source_context!).id === 'B000G6RYNE')!;
  assert.ok(estimateTokens(task.source_text) <= budget.tokens && task.source_text.length <= budget.chars);
  process.stderr.write(`# product-model on the real file: 207 groups, B000G6RYNE ${largest.sent.length} of 217 reviews sent (${estimateTokens(task.source_text)} tokens, ${task.source_text.length} chars)\n`);
});
