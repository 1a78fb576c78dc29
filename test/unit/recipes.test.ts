import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { CLASS_PRESETS } from '../../src/config/class-presets.ts';
import { isFanyiError } from '../../src/errors.ts';
import { examplesFor } from '../../src/map/map-examples.ts';
import { fewShotTurns } from '../../src/map/map-messages.ts';
import { builtInRecipes, loadRecipe, promptSlots, recipePrompt } from '../../src/map/recipes.ts';
import { readCsvDocument } from '../../src/workbook/csv/csv-document.ts';
import { DEFAULT_READ_LIMITS } from '../../src/workbook/sheet-model.ts';
import { withTempDir } from '../helpers/fanyi-cli.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';

const RECIPES = ['product-model', 'review-insights', 'review-themes', 'review-translate'];

test('the four seed 003 recipes are built in and load with their lane, classes, grouping and --to', () => {
  assert.deepEqual(builtInRecipes(), RECIPES);
  const loaded = Object.fromEntries(RECIPES.map((name) => [name, loadRecipe(name)]));
  assert.deepEqual(
    RECIPES.map((name) => [name, loaded[name].lane, loaded[name].classes ?? null, loaded[name].groupBy ?? null, loaded[name].needsTo]),
    [
      ['product-model', 'learning', null, 'ProductId', false],
      ['review-insights', 'insight_extraction', 'reviews', null, false],
      ['review-themes', 'theme_extraction', 'reviews', null, false],
      ['review-translate', 'translation', 'reviews', null, true],
    ],
  );
  assert.equal(loaded['review-insights'].classTable, CLASS_PRESETS.reviews);
  for (const name of RECIPES) {
    assert.ok(!loaded[name].prompt.includes('<!--') && loaded[name].prompt.length > 200, `${name}: the prompt, without the header comment`);
  }
});

/** Every object in a schema, the root included. */
function objectSchemas(schema: Record<string, unknown>, where = '(root)'): Array<[string, Record<string, unknown>]> {
  const found: Array<[string, Record<string, unknown>]> = schema.type === 'object' ? [[where, schema]] : [];
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [key, value] of Object.entries(properties)) found.push(...objectSchemas(value, `${where}.${key}`));
  if (schema.items) found.push(...objectSchemas(schema.items as Record<string, unknown>, `${where}[]`));
  return found;
}

test('every schema compiles with ajv (strict) and is strict-mode structured output: each object closed, every property required', () => {
  const ajv = new Ajv({ strict: true });
  for (const name of RECIPES) {
    const { schema } = loadRecipe(name);
    assert.doesNotThrow(() => ajv.compile(schema), name);
    for (const [where, object] of objectSchemas(schema)) {
      assert.equal(object.additionalProperties, false, `${name} ${where}: additionalProperties false`);
      assert.deepEqual([...(object.required as string[])].sort(), Object.keys(object.properties as object).sort(), `${name} ${where}: required covers every property`);
    }
  }
});

test('few-shot examples are results the schema accepts, for rows of the recipe\'s columns; the translation ones only for their language', () => {
  const ajv = new Ajv({ strict: true });
  for (const name of RECIPES) {
    const recipe = loadRecipe(name);
    const fewShot = recipe.classTable?.classes.some((c) => c.prompt === 'few-shot') ?? false;
    assert.equal(recipe.examples.length > 0, fewShot, `${name}: examples exactly when a class is few-shot`);
    const validate = ajv.compile(recipe.schema);
    for (const example of recipe.examples) {
      assert.ok(validate(example.result), `${name}: ${ajv.errorsText(validate.errors)}`);
      assert.deepEqual(Object.keys(example.row).sort(), [...recipe.columns].sort(), `${name}: an example row has the recipe's columns`);
    }
  }
  const translate = loadRecipe('review-translate');
  assert.equal(examplesFor(translate.examples, 'zh-CN').length, translate.examples.length);
  assert.equal(examplesFor(translate.examples, 'zh-cn').length, translate.examples.length, 'a code in any case');
  assert.deepEqual(examplesFor(translate.examples, 'ja'), [], 'Chinese examples never go into a Japanese job');
  assert.equal(examplesFor(loadRecipe('review-insights').examples, 'ja').length, 2, 'examples without a language serve every job');
});

test('every ${…} of every prompt names a column of the real review file, or the --to slot of a recipe that needs it', { skip: realDataSkip }, async () => {
  const doc = await readCsvDocument(realDataPath('reviews-amazon-fine-food/fine_food_reviews_1k.csv'), DEFAULT_READ_LIMITS);
  const headers = doc.sheets[0].rows[0] as string[];
  for (const name of RECIPES) {
    const recipe = loadRecipe(name);
    const raw = await readFile(path.join(recipe.dir, 'prompt.md'), 'utf8');
    const slots = promptSlots(recipe.prompt);
    assert.ok(slots.length >= 3, `${name}: names the review's columns`);
    for (const slot of slots) assert.ok(headers.includes(slot) || (slot === 'to' && recipe.needsTo), `${name}: \${${slot}} is not a column of the review file`);
    for (const column of recipe.columns) assert.ok(headers.includes(column) && slots.includes(column), `${name}: column ${column} is in the file and the prompt`);
    if (recipe.groupBy) assert.ok(headers.includes(recipe.groupBy), `${name}: groupBy ${recipe.groupBy}`);
    assert.equal(slots.includes('to'), recipe.needsTo, `${name}: names \${to} exactly when it needs --to`);
    assert.ok(raw.startsWith('<!--'), `${name}: a header lists the prompt's inputs`);
  }
});

test('recipePrompt fills ${to} for a translation recipe and asks for --to when it is missing; other recipes are unchanged', () => {
  const translate = loadRecipe('review-translate');
  const prompt = recipePrompt(translate, 'zh-CN');
  assert.ok(!prompt.includes('${to}') && prompt.includes('into zh-CN'), prompt);
  assert.deepEqual(promptSlots(prompt), ['Score', 'Summary', 'Text']);
  assert.throws(() => recipePrompt(translate), (error) => isFanyiError(error) && error.code === 'USAGE' && /--recipe review-translate needs --to/.test(error.message));
  const insights = loadRecipe('review-insights');
  assert.equal(recipePrompt(insights, 'ja'), insights.prompt);
  assert.deepEqual(promptSlots('${Product Name} and ${Text} and ${Text}'), ['Product Name', 'Text']);
});

test('fewShotTurns: the examples as one earlier exchange in the map wire format, the recipe\'s columns in order', () => {
  const recipe = loadRecipe('review-insights');
  const [user, assistant] = fewShotTurns(recipe.examples, recipe.columns);
  assert.equal(user.role, 'user');
  assert.equal(assistant.role, 'assistant');
  const rows = JSON.parse(user.content) as Record<string, Record<string, string>>;
  assert.deepEqual(Object.keys(rows), ['1', '2']);
  assert.deepEqual(Object.keys(rows['1']), recipe.columns);
  assert.deepEqual(JSON.parse(assistant.content), { 1: recipe.examples[0].result, 2: recipe.examples[1].result });
  assert.deepEqual(fewShotTurns([], recipe.columns), []);
});

test('--recipe DIR loads a copy a user edited; a slot that is not a column, or an unknown name, is refused with what to do', async () => {
  await withTempDir(async (dir) => {
    const copy = path.join(dir, 'my-insights');
    await cp(loadRecipe('review-insights').dir, copy, { recursive: true });
    const prompt = await readFile(path.join(copy, 'prompt.md'), 'utf8');
    await writeFile(path.join(copy, 'prompt.md'), prompt.replace('its text ${Text}.', 'its text ${Text}, and its helpful votes ${HelpfulnessNumerator}.'));
    const edited = (message: RegExp) => {
      assert.throws(() => loadRecipe('my-insights', dir), (error) => isFanyiError(error) && error.code === 'CONFIG_INVALID' && message.test(error.message));
    };
    edited(/recipe my-insights: prompt\.md names \$\{HelpfulnessNumerator\}, not a column of the recipe \(recipe\.json's columns: Score, Summary, Text\)/);
    const original = JSON.parse(await readFile(path.join(copy, 'recipe.json'), 'utf8'));
    const meta = { ...original, columns: [...original.columns, 'HelpfulnessNumerator'] };
    await writeFile(path.join(copy, 'recipe.json'), JSON.stringify(meta));
    const mine = loadRecipe('my-insights', dir);
    assert.equal(mine.name, 'my-insights');
    assert.ok(promptSlots(mine.prompt).includes('HelpfulnessNumerator'));
    await writeFile(path.join(copy, 'recipe.json'), JSON.stringify({ ...meta, lane: 'analysis' }));
    edited(/recipe my-insights: recipe\.json: lane: /);
    await writeFile(path.join(copy, 'recipe.json'), JSON.stringify({ ...meta, classes: 'seed-004' }));
    edited(/recipe my-insights: recipe\.json: classes: unknown class table "seed-004"/);
  });
  assert.throws(
    () => loadRecipe('review-sentiment'),
    (error) => isFanyiError(error) && error.code === 'USAGE' && /unknown recipe "review-sentiment": built-in recipes are product-model, review-insights, review-themes, review-translate/.test(error.message),
  );
});
