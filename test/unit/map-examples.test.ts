/**
 * Few-shot classes (seed 003's VIP prompt): a call of a class whose prompt style is `few-shot`
 * carries the job's worked examples as one earlier user/assistant exchange, a call of any other
 * class does not; the packer, the executor's reservation and `estimate` count the example tokens
 * for exactly those calls. `--examples FILE` and a recipe's examples.json reach the spec through
 * the map command's inputs; examples the schema rejects, or that the job could never send, are
 * refused with what to do.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { mapInputsFrom } from '../../src/cli/commands/map.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { isFanyiError } from '../../src/errors.ts';
import { MapStrategy } from '../../src/executor/map-strategy.ts';
import { callOverheadTokens, fewShotTurns, turnTokens } from '../../src/map/map-messages.ts';
import { buildMapSpec, type MapSpec } from '../../src/map/map-spec.ts';
import { planMap } from '../../src/map/plan-map.ts';
import { loadRecipe } from '../../src/map/recipes.ts';
import type { BatchItem, ClaimedBatch } from '../../src/store/job-store.ts';
import { scanWorkbook } from '../../src/workbook/read-workbook.ts';
import { DEFAULT_READ_LIMITS } from '../../src/workbook/sheet-model.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const dir = scratchDir('fanyi-map-examples-');
const config = configSchema.parse({});
const insights = loadRecipe('review-insights');

/** Reviews of every class of the `reviews` table: short (≤ 200), standard, and VIP (over 1,000, or rated 1 and over 500). */
async function reviewsFile(): Promise<string> {
  const rows = [
    ['1', '5', 'Tasty', 'Good crackers.'],
    ['2', '4', 'Fine', `These were ${'quite '.repeat(50)}fine.`],
    ['3', '1', 'Broken', `Arrived crushed. ${'The box was open and half the crackers were dust. '.repeat(12)}`],
    ['4', '5', 'Long praise', `I love them. ${'Crunchy, salty, fresh and cheap. '.repeat(40)}`],
    ['5', '3', 'Meh', 'Nothing special.'],
  ];
  const file = path.join(dir, 'reviews.csv');
  await writeFile(file, `Id,Score,Summary,Text\n${rows.map((r) => r.map((c) => `"${c}"`).join(',')).join('\n')}\n`);
  return file;
}

async function specOf(flags: Parameters<typeof mapInputsFrom>[0]): Promise<{ spec: MapSpec; plan: Awaited<ReturnType<typeof planMap>> }> {
  const document = await scanWorkbook(await reviewsFile(), DEFAULT_READ_LIMITS);
  const { map, classify } = await mapInputsFrom(flags, config);
  const spec = buildMapSpec(document, map);
  return { spec, plan: await planMap(document, spec, config, { jobId: 'j', excelId: 'e' }, classify) };
}

const batchOf = (lane: string): ClaimedBatch => ({ jobId: 'j', batchId: `B_${lane}`, groupId: 'G', lane, sourceLang: '', targetLang: 'map', attempts: 0, items: [] });
const itemOf = (sourceText: string): BatchItem => ({ dedupeKey: sourceText, sourceText, sourceContext: null, retryCount: 0 });

test('a VIP call carries the examples as one earlier exchange in its own wire format; a standard call does not', async () => {
  const { spec, plan } = await specOf({ recipe: 'review-insights' });
  assert.deepEqual(spec.fewShotClasses, ['vip'], "the reviews table's few-shot class");
  assert.equal(spec.examples?.length, insights.examples.length);
  const strategy = new MapStrategy(spec);
  const vipTask = plan.tasks.find((t) => JSON.parse(t.source_context!).class === 'vip')!;
  const standardTask = plan.tasks.find((t) => JSON.parse(t.source_context!).class === 'standard')!;

  const vip = strategy.request(batchOf('vip'), [itemOf(vipTask.source_text)]).payload!.messages;
  assert.deepEqual(vip.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  const shown = JSON.parse(vip[1].content) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(shown['1']), spec.columns, 'the example row in the columns the job sends');
  assert.equal(shown['1'].Summary, insights.examples[0].row.Summary);
  assert.deepEqual(JSON.parse(vip[2].content), Object.fromEntries(insights.examples.map((e, i) => [String(i + 1), e.result])));
  assert.equal(vip[3].content, `{"1":${vipTask.source_text}}`, 'the call\'s own row comes last, under its own id');

  const standard = strategy.request(batchOf('standard'), [itemOf(standardTask.source_text)]).payload!.messages;
  assert.deepEqual(standard.map((m) => m.role), ['system', 'user']);
  assert.ok(!standard.some((m) => m.content.includes(insights.examples[0].row.Summary as string)), 'no example text in a standard call');

  // A repair call of a VIP batch keeps the examples before the rows, the previous answer after them.
  const repair = strategy.request(batchOf('vip'), [itemOf(vipTask.source_text)], { 1: { previous: '{}', problems: ['/sentiment: required'] } }).payload!.messages;
  assert.deepEqual(repair.map((m) => m.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
});

test('the example tokens are counted for exactly the calls that carry them: packer, executor and estimate agree', async () => {
  const { spec, plan } = await specOf({ recipe: 'review-insights' });
  const strategy = new MapStrategy(spec);
  const perCall = turnTokens(fewShotTurns(spec.examples, spec.columns));
  assert.ok(perCall > 100, `${perCall} example tokens a call`);
  assert.equal(strategy.overheadTokens(batchOf('vip')) - strategy.overheadTokens(batchOf('standard')), perCall);
  assert.equal(strategy.overheadTokens(batchOf('short')), callOverheadTokens(spec));
  const byClass = Object.fromEntries(plan.classes.map((c) => [c.className, c]));
  assert.deepEqual(Object.keys(byClass).sort(), ['short', 'standard', 'vip']);
  assert.equal(byClass.vip.batches, 2, 'the two VIP reviews, one per call');
  assert.equal(byClass.vip.exampleTokens, byClass.vip.batches * perCall);
  assert.equal(byClass.standard.exampleTokens + byClass.short.exampleTokens, 0);
  // What the executor reserves for the job's calls (overhead + items) is what estimate adds up.
  const estimated = plan.classes.reduce((sum, c) => sum + c.estInputTokens + c.exampleTokens, 0) + plan.batches.length * callOverheadTokens(spec);
  const reserved = plan.batches.reduce((sum, b) => sum + strategy.overheadTokens(batchOf(b.lane)) + b.est_input_tokens, 0);
  assert.equal(reserved, estimated);
});

test('--examples FILE without a recipe: every call carries them without a class table, the few-shot classes with one', async () => {
  const file = path.join(dir, 'examples.json');
  await writeFile(file, JSON.stringify([{ row: { Text: 'Stale.', Score: 1 }, result: { sentiment: 'negative', aspects: ['freshness'] } }]));
  const prompt = path.join(dir, 'p.md');
  const schema = path.join(dir, 's.json');
  await writeFile(prompt, 'Rate ${Text} (${Score} stars).');
  await writeFile(schema, JSON.stringify({ type: 'object', properties: { sentiment: { enum: ['positive', 'negative'] }, aspects: { type: 'array', items: { type: 'string' } } }, required: ['sentiment', 'aspects'] }));
  const plain = await specOf({ prompt, schema, examples: file });
  assert.equal(plain.spec.fewShotClasses, undefined);
  assert.deepEqual(plain.spec.examples, [{ row: { Text: 'Stale.', Score: 1 }, result: { sentiment: 'negative', aspects: ['freshness'] } }]);
  const strategy = new MapStrategy(plain.spec);
  assert.deepEqual(strategy.request(batchOf('rows'), [itemOf('{"Text":"x","Score":"5"}')]).payload!.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  assert.ok(plain.plan.classes[0].exampleTokens > 0);

  const seed = await specOf({ prompt, schema, examples: file, classes: 'seed-003' });
  assert.deepEqual(seed.spec.fewShotClasses, ['vip']);
  const table = path.join(dir, 'plain-table.json');
  await writeFile(table, JSON.stringify({ text_column: 'Text', classes: [{ name: 'all', chars: { min: 0 }, per_call: 'budget' }] }));
  await assert.rejects(specOf({ prompt, schema, examples: file, classes: table }), (e) => isFanyiError(e) && e.code === 'USAGE' && /no class with prompt: few-shot/.test(e.message));
});

test('examples that would teach the wrong thing are refused, naming the example and the problem', async () => {
  const document = await scanWorkbook(await reviewsFile(), DEFAULT_READ_LIMITS);
  const base = { prompt: 'Rate ${Text}.', schema: { type: 'object', properties: { sentiment: { enum: ['positive', 'negative'] } }, required: ['sentiment'] }, examplesSource: '--examples ex.json' };
  assert.throws(
    () => buildMapSpec(document, { ...base, examples: [{ row: { Text: 'ok' }, result: { sentiment: 'positive' } }, { row: { Text: 'bad' }, result: { sentiment: 'awful' } }] }),
    (e) => isFanyiError(e) && e.code === 'USAGE' && /--examples ex\.json: example 2's result does not match the schema: \/sentiment: must be equal to one of the allowed values \(positive, negative\)/.test(e.message),
  );
  assert.throws(
    () => buildMapSpec(document, { ...base, examples: [{ row: { Review: 'ok' }, result: { sentiment: 'positive' } }] }),
    (e) => isFanyiError(e) && /example 1's row has none of the columns the job sends \(Text\)/.test(e.message),
  );
  const missing = path.join(dir, 'nope.json');
  await assert.rejects(specOf({ recipe: 'review-insights', examples: missing }), (e) => isFanyiError(e) && e.code === 'FILE_NOT_FOUND' && e.message.startsWith('--examples: no file at'));
  const notExamples = path.join(dir, 'not-examples.json');
  await writeFile(notExamples, JSON.stringify({ row: {}, result: {} }));
  await assert.rejects(specOf({ recipe: 'review-insights', examples: notExamples }), (e) => isFanyiError(e) && e.code === 'USAGE' && /expected \[\{"row"/.test(e.message));
});
