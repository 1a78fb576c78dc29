import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { CLASS_PRESETS, resolveClassTable } from '../../src/config/class-presets.ts';
import type { ClassTableInput } from '../../src/config/class-table-schema.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { isFanyiError } from '../../src/errors.ts';
import { estimateOutputTokens, estimateTokens } from '../../src/tasks/batching/estimate-tokens.ts';
import { ClassPlanner, describeClassPlan, estimateRowCost, planClasses, type ClassBudget, type ClassRow } from '../../src/tasks/batching/plan-classes.ts';
import { charCount, ReviewClassifier, rowClassifier } from '../../src/tasks/batching/review-classes.ts';
import { packOptions } from '../../src/tasks/prepare-job.ts';
import { readCsvDocument } from '../../src/workbook/csv/csv-document.ts';
import { DEFAULT_READ_LIMITS } from '../../src/workbook/sheet-model.ts';
import { withTempDir } from '../helpers/fanyi-cli.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';

const seed003 = new ReviewClassifier(CLASS_PRESETS['seed-003']);
const nameOf = (classifier: ReviewClassifier, text: string, score: unknown) => classifier.classes[classifier.classify(text, (column) => (column === 'Score' ? score : undefined))].name;
const roomy: ClassBudget = { maxInputTokens: 1e9, maxOutputTokens: 1e9, maxBatchSize: 100 };
const row = (text: string, score: unknown = 3, cost = { input: 10, output: 10 }): ClassRow => ({ text, values: { Score: score }, cost });

test('seed-003 classes at the seed\'s boundaries: 50/51, 100/101, 200/201 characters, ratings 1 and 5 against 3', () => {
  // The seed: VIP = > 200, or rating in {1, 5} and > 100; short = ≤ 50; standard = the rest (51–200).
  const expected: Array<[number, string, string, string]> = [
    // length, rated 1, rated 5, rated 3
    [50, 'short', 'short', 'short'],
    [51, 'standard', 'standard', 'standard'],
    [100, 'standard', 'standard', 'standard'],
    [101, 'vip', 'vip', 'standard'],
    [200, 'vip', 'vip', 'standard'],
    [201, 'vip', 'vip', 'vip'],
  ];
  for (const [length, one, five, three] of expected) {
    const text = 'x'.repeat(length);
    assert.deepEqual([nameOf(seed003, text, 1), nameOf(seed003, text, 5), nameOf(seed003, text, 3)], [one, five, three], `${length} characters`);
  }
});

test('a rating is matched whether the cell holds 5, "5", " 5 " or "5.0"; an empty or other cell never matches', () => {
  const text = 'x'.repeat(150);
  for (const score of [5, '5', ' 5 ', '5.0', 1, '1']) assert.equal(nameOf(seed003, text, score), 'vip', `score ${JSON.stringify(score)}`);
  for (const score of [undefined, null, '', '4', 'five', 15]) assert.equal(nameOf(seed003, text, score), 'standard', `score ${JSON.stringify(score)}`);
});

test('length counts code points as the seed\'s Python len() does: an emoji is one character', () => {
  const fifty = `${'x'.repeat(49)}😀`;
  assert.equal(fifty.length, 51, 'two UTF-16 units');
  assert.equal(charCount(fifty), 50);
  assert.equal(nameOf(seed003, fifty, 3), 'short');
  assert.equal(charCount('\ud83d'), 1, 'a lone surrogate is one character');
});

test('calls come short → standard → VIP with the seed\'s sizes: 20, 5 and 1 per call', () => {
  // Interleaved on purpose: 41 short, 11 standard, 3 VIP rows arriving VIP first.
  const rows: ClassRow[] = [row('v'.repeat(300)), row('s'.repeat(60)), row('x'.repeat(10))];
  for (let i = 0; i < 40; i++) rows.push(row('x'.repeat(20)));
  // 150 characters: VIP when rated 5 (the first two), standard when rated 3.
  for (let i = 0; i < 10; i++) rows.push(row('s'.repeat(120)), row('v'.repeat(150), i < 2 ? 5 : 3));
  const plan = planClasses(rows, CLASS_PRESETS['seed-003'], roomy);
  assert.deepEqual(plan.summary.map((s) => [s.class, s.rows, s.calls, s.perCall, s.prompt]), [
    ['short', 41, 3, 20, 'standard'],
    ['standard', 19, 4, 5, 'standard'],
    ['vip', 3, 3, 1, 'few-shot'],
  ]);
  assert.deepEqual(plan.calls.map((c) => [c.className, c.order, c.rows.length]), [
    ['short', 1, 20], ['short', 1, 20], ['short', 1, 1],
    ['standard', 2, 5], ['standard', 2, 5], ['standard', 2, 5], ['standard', 2, 4],
    ['vip', 3, 1], ['vip', 3, 1], ['vip', 3, 1],
  ]);
  assert.deepEqual(plan.calls.flatMap((c) => c.rows).sort((a, b) => a - b), rows.map((_, i) => i), 'every row in exactly one call');
  assert.deepEqual(plan.classes.map((c) => c.rows.length), [41, 19, 3]);
  assert.deepEqual(plan.classes[2].rows, [0, 44, 46], 'the VIP rows, in input order');
  assert.equal(describeClassPlan(plan.summary), 'short 41 rows → 3 calls (20 per call) · standard 19 rows → 4 calls (5 per call) · vip 3 rows → 3 calls (1 per call, few-shot)');
});

test('per_call is capped to max_batch_size, and a call closes when the token budget is reached, never splitting a row', () => {
  const capped = planClasses(Array.from({ length: 25 }, () => row('x'.repeat(10))), CLASS_PRESETS['seed-003'], { ...roomy, maxBatchSize: 8 });
  assert.deepEqual(capped.calls.map((c) => c.rows.length), [8, 8, 8, 1]);
  const budget = { maxInputTokens: 1e9, maxOutputTokens: 1e9, maxCallTokens: 100, maxBatchSize: 100 };
  const rows = [row('a', 3, { input: 30, output: 10 }), row('b', 3, { input: 30, output: 10 }), row('c', 3, { input: 200, output: 50 }), row('d', 3, { input: 10, output: 10 })];
  const byBudget = planClasses(rows, CLASS_PRESETS.reviews, budget);
  assert.deepEqual(byBudget.calls.map((c) => c.rows), [[0, 1], [2], [3]], 'the oversized row goes alone; the next starts a new call');
  assert.deepEqual(byBudget.calls.map((c) => c.estInputTokens + c.estOutputTokens), [80, 250, 20]);
  const chars = planClasses([row('x'.repeat(60)), row('x'.repeat(60)), row('x'.repeat(60))], CLASS_PRESETS.reviews, { ...roomy, maxChars: 130 });
  assert.deepEqual(chars.calls.map((c) => c.rows.length), [2, 1], 'max_chars_per_batch counts the class text');
});

test('the streaming planner hands out each call once, when it closes, and holds only the open ones', () => {
  const planner = new ClassPlanner(CLASS_PRESETS['seed-003'], roomy);
  const seen: number[][] = [];
  for (let i = 0; i < 45; i++) for (const call of planner.add(i, 'x'.repeat(10), undefined, { input: 1, output: 1 })) seen.push(call.rows);
  assert.deepEqual(seen.map((r) => r.length), [20, 20], 'full calls close as soon as they fill');
  seen.push(...planner.finish().map((c) => c.rows));
  assert.deepEqual(seen.map((r) => r.length), [20, 20, 5]);
  assert.deepEqual(planner.finish(), [], 'finish closes once');
  assert.deepEqual(planner.summary().map((s) => [s.class, s.rows, s.calls]), [['short', 45, 3], ['standard', 0, 0], ['vip', 0, 0]]);
});

test('order positions decide processing order; without them the table order does', () => {
  const table = (orders: Array<number | undefined>): ClassTableInput => ({
    classes: [
      { name: 'long', chars: { min: 11 }, per_call: 1, order: orders[0] },
      { name: 'short', chars: { max: 10 }, per_call: 'budget', order: orders[1] },
    ],
  });
  assert.deepEqual(new ReviewClassifier(resolveClassTable(table([2, 1]))).classes.map((c) => c.name), ['short', 'long']);
  assert.deepEqual(new ReviewClassifier(resolveClassTable(table([undefined, undefined]))).classes.map((c) => c.name), ['long', 'short']);
});

test('rowClassifier: a map row\'s fields to its class, items per call (none: by budget) and priority in processing order', () => {
  const seed = rowClassifier(CLASS_PRESETS['seed-003']);
  assert.deepEqual(seed({ fields: { Score: 5, Summary: 'x', Text: 'x'.repeat(150) } }), { className: 'vip', maxItemsPerCall: 1, priority: 7 });
  assert.deepEqual(seed({ fields: { Score: '3', Text: 'x'.repeat(150) } }), { className: 'standard', maxItemsPerCall: 5, priority: 6 });
  assert.deepEqual(seed({ fields: { Score: null, Text: null } }), { className: 'short', maxItemsPerCall: 20, priority: 5 }, 'an empty text is 0 characters');
  assert.deepEqual(rowClassifier(CLASS_PRESETS.reviews, 1)({ fields: { Score: 1, Text: 'x'.repeat(600) } }), { className: 'vip', maxItemsPerCall: 1, priority: 3 });
  assert.deepEqual(rowClassifier(CLASS_PRESETS.reviews)({ fields: { Score: 1, Text: 'x'.repeat(300) } }), { className: 'standard', priority: 6 }, 'budget classes set no item limit');
  assert.deepEqual(new ReviewClassifier(CLASS_PRESETS['seed-003']).columns, ['Text', 'Score'], 'the columns a map job must read to classify');
});

/** The message a table is refused with. */
function refusal(spec: Parameters<typeof resolveClassTable>[0], dir?: string): string {
  try {
    resolveClassTable(spec, dir);
  } catch (error) {
    if (!isFanyiError(error) || error.code !== 'CONFIG_INVALID') throw error;
    return error.message;
  }
  assert.fail('the table was accepted');
}

test('a table whose ranges overlap, leave a gap or stop short is refused, naming the classes and the lengths', () => {
  const classes = (...list: ClassTableInput['classes']) => ({ classes: list });
  assert.match(
    refusal(classes({ name: 'short', chars: { max: 60 }, per_call: 20 }, { name: 'standard', chars: { min: 51, max: 200 }, per_call: 5 }, { name: 'vip', chars: { min: 201 }, per_call: 1 })),
    /classes "short" \(0–60 characters\) and "standard" \(51–200 characters\) overlap at 51–60 characters/,
  );
  assert.match(refusal(classes({ name: 'short', chars: { max: 50 }, per_call: 20 }, { name: 'vip', chars: { min: 201 }, per_call: 1 })), /no class covers 51–200 characters/);
  assert.match(refusal(classes({ name: 'short', chars: { max: 50 }, per_call: 20 }, { name: 'standard', chars: { min: 51, max: 200 }, per_call: 5 })), /no class covers 201\+ characters/);
  assert.match(refusal(classes({ name: 'short', chars: { min: 1, max: 50 }, per_call: 20 }, { name: 'rest', chars: { min: 51 }, per_call: 5 })), /no class covers 0 characters/);
  assert.match(refusal(classes({ name: 'a', chars: {}, per_call: 1 }, { name: 'a', when: { column: 'Score', in: [1] }, per_call: 1 })), /class name "a" is used twice/);
  assert.match(refusal(classes({ name: 'a', per_call: 1 } as never)), /a class needs chars, when, or both/);
  assert.match(refusal(classes({ name: 'a', chars: { min: 10, max: 5 }, per_call: 1 })), /max must be at least min/);
  assert.match(refusal(classes({ name: 'a', chars: {}, per_call: 0 })), /per_call/);
  assert.match(refusal('seed-004'), /unknown class table "seed-004": presets are seed-003, reviews/);
});

test('--classes FILE and batching.classes: a JSON or YAML table, a file relative to the config, checked at load', async () => {
  await withTempDir(async (dir) => {
    await writeFile(path.join(dir, 'mine.json'), JSON.stringify({ text_column: 'Body', classes: [{ name: 'all', chars: {}, per_call: 'budget' }] }));
    await writeFile(path.join(dir, 'gap.yaml'), 'classes:\n  - { name: short, chars: { max: 50 }, per_call: 20 }\n  - { name: long, chars: { min: 100 }, per_call: 1 }\n');
    assert.equal(resolveClassTable('mine.json', dir).text_column, 'Body');
    assert.match(refusal('gap.yaml', dir), /^gap\.yaml: classes: no class covers 51–99 characters/);
    await writeFile(path.join(dir, 'fanyi.yaml'), 'batching:\n  classes: mine.json\n');
    const loaded = loadConfig({}, {}, dir).config.batching.classes;
    assert.ok(typeof loaded === 'object' && loaded.text_column === 'Body', 'the file, relative to the config file, read at load');
    assert.equal(loadConfig({ classes: 'seed-003' }, {}, dir).config.batching.classes, 'seed-003', '--classes beats the file; a preset stays a name');
    assert.throws(() => loadConfig({ classes: 'gap.yaml' }, {}, dir), /gap\.yaml: classes: no class covers 51–99/);
    await writeFile(path.join(dir, 'fanyi.yaml'), 'batching:\n  classes:\n    - { name: short, chars: { max: 50 }, per_call: 20 }\n');
    assert.throws(() => loadConfig({}, {}, dir), /batching\.classes\.classes: no class covers 51\+ characters/, 'an inline list is checked as a table');
  });
});

/** The review file's rows: Text, Score and the translate recipe's item (Summary and Text). */
async function realReviews(): Promise<Array<{ text: string; score: string; summary: string }>> {
  const doc = await readCsvDocument(realDataPath('reviews-amazon-fine-food/fine_food_reviews_1k.csv'), DEFAULT_READ_LIMITS);
  const [header, ...rows] = doc.sheets[0].rows as string[][];
  const [text, score, summary] = ['Text', 'Score', 'Summary'].map((name) => header.indexOf(name));
  return rows.map((r) => ({ text: r[text], score: r[score], summary: r[summary] }));
}

/**
 * Each review costed as a zh-CN translation of its Summary and Text (the largest replies of the
 * recipes: insights and themes answer in fewer tokens), under the default budgets (packOptions of
 * a default config: the same derivation as translation batches).
 */
function realPlan(reviews: Awaited<ReturnType<typeof realReviews>>, preset: string) {
  const rows = reviews.map((r): ClassRow => {
    const item = JSON.stringify({ Score: r.score, Summary: r.summary, Text: r.text });
    return { text: r.text, values: { Score: r.score }, cost: estimateRowCost(item, estimateOutputTokens(r.summary + r.text, 'zh-CN', estimateTokens(r.summary + r.text))) };
  });
  return planClasses(rows, resolveClassTable(preset), packOptions(configSchema.parse({})));
}

test('real reviews: seed-003 makes 905 of 1,000 VIP and 924 calls; the recipes\' default stays under the seed\'s 19 calls per 100', { skip: realDataSkip }, async (t) => {
  const reviews = await realReviews();
  assert.equal(reviews.length, 1000);
  const seed = realPlan(reviews, 'seed-003');
  const vip = seed.summary.find((s) => s.class === 'vip')!;
  assert.equal(vip.rows, 905);
  assert.equal(seed.calls.length, 924);
  const reviewsPlan = realPlan(reviews, 'reviews');
  const perHundred = (reviewsPlan.calls.length * 100) / reviews.length;
  assert.ok(perHundred <= 19, `reviews preset: ${perHundred} calls per 100 reviews`);
  const single = reviewsPlan.calls.filter((c) => c.rows.length === 1 && c.className === 'vip').length;
  assert.ok(single > 0 && single <= reviews.length * 0.1, `single-review calls for a minority (${single})`);
  for (const plan of [seed, reviewsPlan]) assert.equal(plan.calls.reduce((n, c) => n + c.rows.length, 0), 1000);
  for (const [name, plan] of [['seed-003', seed], ['reviews', reviewsPlan]] as const) {
    t.diagnostic(`${name}: ${plan.calls.length} calls per 1,000 reviews; ${plan.summary.map((s) => `${s.class} ${s.rows} rows / ${s.calls} calls`).join(', ')}`);
  }
});
