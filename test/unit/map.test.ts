/**
 * `fanyi map`'s parts: the prompt template (columns named, rendering, missing columns named in the
 * error), the spec over a real CSV, the reply schema, results into columns (arrays and objects as
 * JSON text), the lenient reading of replies, the ajv repair selection in the batch runner, and
 * the provider falling back from json_schema to json_object once per endpoint.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { Ajv } from 'ajv';
import ExcelJS from 'exceljs';
import { loadConfig } from '../../src/config/load-config.ts';
import { runSettingsFrom } from '../../src/config/run-settings.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { FanyiError } from '../../src/errors.ts';
import { MapStrategy } from '../../src/executor/map-strategy.ts';
import { BatchRunner } from '../../src/executor/run-batch.ts';
import { ProviderError, type LlmProvider, type ProviderReply, type TranslateRequest } from '../../src/llm/provider.ts';
import { OpenAiCompatibleProvider } from '../../src/llm/providers/openai-compatible-provider.ts';
import { PseudoProvider } from '../../src/llm/providers/pseudo-provider.ts';
import { parseObjectReply } from '../../src/llm/reply/parse-reply.ts';
import { schemaValue } from '../../src/llm/schema-value.ts';
import { mapPayload, mapSystemPrompt } from '../../src/map/map-messages.ts';
import { cellText, resultEdits } from '../../src/map/map-output.ts';
import { createMapJob } from '../../src/map/map-job.ts';
import { buildMapSpec } from '../../src/map/map-spec.ts';
import { planMap } from '../../src/map/plan-map.ts';
import { renderInstructions, sentColumns, templateColumns } from '../../src/map/prompt-template.ts';
import { isStrictSubset, replySchema } from '../../src/map/reply-schema.ts';
import { EngineEvents } from '../../src/monitor/engine-events.ts';
import { createSqliteStore } from '../../src/store/create-store.ts';
import type { JobStore, TaskView, WritableResult } from '../../src/store/job-store.ts';
import { createEmbeddedEngine } from '../../src/presets.ts';
import { readWorkbook, scanWorkbook } from '../../src/workbook/read-workbook.ts';
import { DEFAULT_READ_LIMITS, heldScan } from '../../src/workbook/sheet-model.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const SCHEMA = {
  type: 'object',
  properties: {
    sentiment: { type: 'string', enum: ['positive', 'negative', 'neutral'] },
    aspects: { type: 'array', items: { type: 'string' }, maxItems: 5 },
    score: { type: 'integer', minimum: 1, maximum: 5 },
  },
  required: ['sentiment', 'aspects'],
  additionalProperties: false,
};
const PROMPT = 'Read the review ${Text} (rated ${Score} of 5).\nName its sentiment and the aspects it talks about.';

const dir = scratchDir('fanyi-map-unit-');
const servers: SimulatedProvider[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function csvDocument(name: string, text: string) {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return scanWorkbook(file, DEFAULT_READ_LIMITS);
}

test('the template names its columns; rendered, each ${Column} reads [Column]', () => {
  assert.deepEqual(templateColumns(PROMPT), ['Text', 'Score']);
  assert.deepEqual(templateColumns('${ Product Id } and ${Text} and ${Text}'), ['Product Id', 'Text']);
  assert.equal(renderInstructions('<!-- note -->\nRate ${Text}.'), 'Rate [Text].');
  assert.deepEqual(sentColumns(PROMPT, undefined), ['Text', 'Score']);
  assert.deepEqual(sentColumns(PROMPT, ['Summary', 'Text', 'Score']), ['Summary', 'Text', 'Score']);
});

test('--columns that leave out a column the prompt names, or a prompt naming none: usage errors that say which', () => {
  assert.throws(() => sentColumns(PROMPT, ['Text']), (e: unknown) => e instanceof FanyiError && e.code === 'USAGE' && e.message.includes('${Score}'));
  assert.throws(() => sentColumns('Classify this.', undefined), (e: unknown) => e instanceof FanyiError && /names no column/.test(e.message));
});

test('columns the file lacks are named in the error, with the columns it has', async () => {
  const document = await csvDocument('a.csv', 'Id,Score,Text\n1,5,Great\n');
  assert.throws(
    () => buildMapSpec(document, { prompt: 'Rate ${Txt} and ${Stars} given ${Score}', schema: SCHEMA }),
    (e: unknown) => e instanceof FanyiError && e.message.includes('"Txt", "Stars"') && e.message.includes('Id, Score, Text'),
  );
});

test('a schema that is not an object with properties is refused before anything runs', async () => {
  const document = await csvDocument('b.csv', 'Id,Text\n1,Great\n');
  for (const schema of [{ type: 'string' }, { type: 'object' }, [1], { type: 'object', properties: { a: { type: 'no-such-type' } } }]) {
    assert.throws(() => buildMapSpec(document, { prompt: '${Text}', schema, schemaSource: 's.json' }), (e: unknown) => e instanceof FanyiError && e.code === 'USAGE' && e.message.startsWith('s.json'));
  }
});

test('the spec over a CSV: rows with the fields sent, ids, result columns after the last used column', async () => {
  const document = await csvDocument('c.csv', 'Id,Score,Text,Note\n7,5,Great,\n8,1,Awful,x\n9,,,\n10,5,Great,\n');
  const spec = buildMapSpec(document, { prompt: PROMPT, schema: SCHEMA, idColumn: 'Id' });
  assert.deepEqual(spec.resultColumns, ['sentiment', 'aspects', 'score']);
  assert.equal(spec.firstResultCol, 4);
  const plan = await planMap(document, spec, configSchema.parse({}), { jobId: 'j', excelId: 'e' });
  // Row 9 sends nothing; rows 7 and 10 send the same fields and share one batch slot.
  assert.deepEqual(plan.tasks.map((t) => t.source_text), ['{"Text":"Great","Score":"5"}', '{"Text":"Awful","Score":"1"}', '{"Text":"Great","Score":"5"}']);
  assert.deepEqual(plan.tasks.map((t) => JSON.parse(t.source_context!).id), ['7', '8', '10']);
  assert.equal(plan.tasks[0].dedupe_key, plan.tasks[2].dedupe_key);
  assert.deepEqual(plan.classes.map((c) => [c.className, c.rows, c.uniqueRows, c.batches]), [['rows', 3, 2, 1]]);
  assert.ok(plan.tasks.every((t) => t.col_idx === 4 && t.target_lang === 'map'));
});

test('a table longer than the scan holds: planned from rows streamed from the file, as from the table held whole', async () => {
  const file = path.join(dir, 'long.xlsx');
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Reviews');
  sheet.addRow(['Id', 'Score', 'Text']);
  for (let i = 1; i <= 1500; i++) sheet.addRow([i, (i % 5) + 1, i % 3 ? `review ${i}` : 'same text']);
  // The only cell of column E, far below the rows a scan holds: the results still go after it.
  sheet.getCell('E1400').value = 'a note far down';
  await workbook.xlsx.writeFile(file);
  const scan = await scanWorkbook(file, DEFAULT_READ_LIMITS);
  assert.ok(scan.sheets[0].tail && scan.sheets[0].rows.length < 1501, 'the scan holds the first rows and summarizes the rest');
  const spec = buildMapSpec(scan, { prompt: PROMPT, schema: SCHEMA, idColumn: 'Id' });
  assert.equal(spec.firstResultCol, 5);
  const config = configSchema.parse({});
  const plan = await planMap(scan, spec, config, { jobId: 'j', excelId: 'e' });
  assert.equal(plan.taskCount, 1500);
  // Scores are numbers in the xlsx and go out as numbers; rows past the first 1,000 keep their place and id.
  const row1499 = plan.tasks.find((t) => t.row_idx === 1499)!;
  assert.deepEqual([JSON.parse(row1499.source_text), JSON.parse(row1499.source_context!).id, row1499.cell_ref], [{ Text: 'review 1499', Score: 5 }, 1499, 'F1500']);
  // 1,000 unique reviews and "same text" under five scores.
  assert.deepEqual(plan.classes.map((c) => [c.rows, c.uniqueRows]), [[1500, 1005]]);
  const held = await planMap(heldScan(await readWorkbook(file, DEFAULT_READ_LIMITS)), spec, config, { jobId: 'j', excelId: 'e' });
  assert.deepEqual(plan.tasks, held.tasks);
  assert.deepEqual(plan.batches.map((b) => [b.batch_id, b.task_count, b.unique_count]), held.batches.map((b) => [b.batch_id, b.task_count, b.unique_count]));
});

test('a table with nothing to send in any row: refused, and no part of the job stays stored', async () => {
  const file = path.join(dir, 'empty-rows.csv');
  await writeFile(file, 'Id,Score,Text\n1,,\n2,,\n');
  const db = path.join(dir, `empty-${Math.random()}.db`);
  const engine = await createEmbeddedEngine({ dbPath: db, loaded: loadConfig({ provider: 'pseudo', filesDir: `${db}.files` }, {}, dir) });
  try {
    await assert.rejects(engine.createMapJob({ file, map: { prompt: PROMPT, schema: SCHEMA }, jobId: 'job_empty' }), (e: unknown) => e instanceof FanyiError && e.code === 'NOTHING_TO_TRANSLATE' && /no row below the header/.test(e.message));
    assert.equal(await engine.store.getJob('job_empty'), undefined);
    assert.equal((await engine.store.taskPage('job_empty', { offset: 0, limit: 10 })).rows.length, 0);
  } finally {
    await engine.close();
  }
});

test('a job the store declines (its ingestion came too late): no rows read, nothing refused', async () => {
  const file = path.join(dir, 'declined.csv');
  await writeFile(file, 'Id,Score,Text\n1,5,Great\n');
  const db = path.join(dir, `declined-${Math.random()}.db`);
  const loaded = loadConfig({ provider: 'pseudo', filesDir: `${db}.files` }, {}, dir);
  const engine = await createEmbeddedEngine({ dbPath: db, loaded });
  try {
    const parts = { store: engine.store, files: engine.files, config: loaded.config, run: runSettingsFrom(loaded), model: 'pseudo', storeJob: async () => undefined };
    const plan = await createMapJob(parts, 'job_declined', { file, map: { prompt: PROMPT, schema: SCHEMA } });
    assert.equal(plan.taskCount, 0);
    assert.equal(await engine.store.getJob('job_declined'), undefined);
  } finally {
    await engine.close();
  }
});

test('a class seam: maxItemsPerCall bounds the rows per batch of that class only', async () => {
  const rows = Array.from({ length: 30 }, (_, i) => `${i},${i % 2 ? 5 : 3},review ${i}`).join('\n');
  const document = await csvDocument('d.csv', `Id,Score,Text\n${rows}\n`);
  const spec = buildMapSpec(document, { prompt: PROMPT, schema: SCHEMA });
  const plan = await planMap(document, spec, configSchema.parse({}), { jobId: 'j', excelId: 'e' }, (row) => (row.fields.Score === '5' ? { className: 'vip', maxItemsPerCall: 1, priority: 1 } : { className: 'rest' }));
  const byClass = Object.fromEntries(plan.classes.map((c) => [c.className, c.batches]));
  assert.deepEqual(byClass, { rest: 1, vip: 15 });
  assert.ok(plan.batches.filter((b) => b.lane === 'vip').every((b) => b.unique_count === 1 && b.priority === 1));
});

test('the reply schema: the row schema once under $defs, every id required; strict only in the strict subset', () => {
  const { schema, strict } = replySchema(SCHEMA, ['1', '2']);
  assert.equal(strict, false, 'score is not required');
  assert.deepEqual(schema.required, ['1', '2']);
  const ajv = new Ajv({ strict: false });
  const value = schemaValue(schema);
  assert.ok(ajv.validate(schema, value), JSON.stringify(ajv.errors));
  assert.deepEqual(Object.keys(value as object), ['1', '2']);
  assert.equal(isStrictSubset({ ...SCHEMA, required: ['sentiment', 'aspects', 'score'] }), true);
  const withDefs = replySchema({ type: 'object', properties: { a: { $ref: '#/$defs/x' } }, $defs: { x: { type: 'number', minimum: 3 } } }, ['1']);
  assert.ok(ajv.validate(withDefs.schema, schemaValue(withDefs.schema)));
  assert.equal((schemaValue(withDefs.schema) as Record<string, { a: number }>)['1'].a, 3);
});

test('the pseudo provider answers a map call with a schema-valid result per id', async () => {
  const spec = { prompt: PROMPT, schema: SCHEMA, columns: ['Text', 'Score'] };
  const payload = mapPayload(spec, mapSystemPrompt(spec), [{ id: '1', fieldsJson: '{"Text":"ok"}' }, { id: '2', fieldsJson: '{"Text":"bad"}' }]);
  const reply = await new PseudoProvider().translate({ sourceLang: '', targetLang: 'map', items: [], payload, timeoutMs: 1 });
  const parsed = JSON.parse(reply.content) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false });
  assert.deepEqual(Object.keys(parsed), ['1', '2']);
  for (const value of Object.values(parsed)) assert.ok(ajv.validate(SCHEMA, value), JSON.stringify(ajv.errors));
});

test('results into cells: strings as they are, numbers written out, arrays and objects as JSON, null left empty', async () => {
  assert.equal(cellText('positive'), 'positive');
  assert.equal(cellText(4), '4');
  assert.equal(cellText(false), 'false');
  assert.equal(cellText(['taste', 'price']), '["taste","price"]');
  assert.equal(cellText({ a: 1 }), '{"a":1}');
  assert.equal(cellText(null), undefined);
  const spec = { sheetName: 'S', resultColumns: ['sentiment', 'aspects', 'score'] };
  async function* results(): AsyncGenerator<WritableResult> {
    yield { sheetName: 'S', rowIdx: 3, colIdx: 9, targetLang: 'map', result: '{"sentiment":"negative","aspects":["smell",{"x":1}],"score":null}' };
  }
  const edits = [];
  for await (const edit of resultEdits(spec, results())) edits.push(edit);
  assert.deepEqual(edits, [
    { sheetName: 'S', row: 3, col: 9, text: 'negative' },
    { sheetName: 'S', row: 3, col: 10, text: '["smell",{"x":1}]' },
  ]);
});

test('map replies are read as leniently as translations: prose, fences, trailing commas, an items echo; a non-object answer is a format error', () => {
  const ids = ['1', '2'];
  const reply = (content: string): ProviderReply => ({ content, finishReason: 'stop', promptTokens: 1, completionTokens: 1, model: 'm' });
  const good = '{"1": {"sentiment": "positive"}, "2": {"sentiment": "negative"}}';
  for (const content of [good, `Here you go:\n${good}\nAnything else?`, `\`\`\`json\n${good}\n\`\`\``, good.replace('}}', '},}'), `{"items": ${good}}`]) {
    const parsed = parseObjectReply(reply(content), ids);
    assert.ok(parsed.ok, content);
    assert.deepEqual(parsed.values.get('2'), { sentiment: 'negative' });
  }
  assert.equal(parseObjectReply(reply('{"1": {"sentiment": "positive"}, "2": "negative"}'), ids).ok, false);
  assert.equal(parseObjectReply(reply('{"1": {"sentiment": "positive"}}'), ids).ok, false);
});

/** Answers each map call with `answer(rowFields, isRepair)` per id. */
class RowProvider implements LlmProvider {
  readonly name = 'rows';
  readonly model = 'rows';
  readonly requests: TranslateRequest[] = [];
  constructor(readonly answer: (fields: Record<string, string>, repair: boolean) => unknown) {}
  async translate(request: TranslateRequest): Promise<ProviderReply> {
    this.requests.push(request);
    const user = JSON.parse(request.payload!.messages[1].content) as Record<string, Record<string, string>>;
    const repair = request.payload!.messages.some((m) => m.role === 'assistant');
    const content = JSON.stringify(Object.fromEntries(Object.entries(user).map(([id, fields]) => [id, this.answer(fields, repair)])));
    return { content, finishReason: 'stop', promptTokens: 10, completionTokens: 10, model: 'rows' };
  }
}

async function runMapJob(texts: string[], provider: LlmProvider): Promise<{ store: JobStore; tasks: Map<string, TaskView> }> {
  const document = await csvDocument(`job-${Math.random()}.csv`, `Id,Score,Text\n${texts.map((t, i) => `${i},5,${t}`).join('\n')}\n`);
  const spec = buildMapSpec(document, { prompt: PROMPT, schema: SCHEMA });
  const store = await createSqliteStore({ filename: path.join(dir, `s-${Math.random()}.db`) });
  const plan = await planMap(document, spec, configSchema.parse({}), { jobId: 'job_map', excelId: 'e' });
  await store.createJob({ jobId: 'job_map', kind: 'map', sourceName: 'x.csv', sourcePath: '/x', excelId: 'e', outPath: null, options: { map: spec } }, plan.tasks, plan.batches);
  const runner = new BatchRunner({ store, provider, events: new EngineEvents(), retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2, max429Waits: 2 }, timeoutMs: 5_000, strategy: new MapStrategy(spec) });
  for (let b = await store.claimBatch('job_map', 'w', 60_000); b; b = await store.claimBatch('job_map', 'w', 60_000)) await runner.run(b, 'w', new AbortController().signal);
  const page = await store.taskPage('job_map', { offset: 0, limit: 100 });
  return { store, tasks: new Map(page.rows.map((r) => [(JSON.parse(r.source_text) as { Text: string }).Text, r])) };
}

test('invalid results go into one repair call with ajv\'s messages; fixed ones complete, the rest are kept for review', async () => {
  const provider = new RowProvider((fields, repair) => {
    if (fields.Text === 'wrong enum') return { sentiment: repair ? 'positive' : 'great', aspects: [] };
    if (fields.Text === 'stays wrong') return { aspects: ['taste'] };
    return { sentiment: 'neutral', aspects: ['price'] };
  });
  const { store, tasks } = await runMapJob(['fine', 'wrong enum', 'stays wrong', 'also fine'], provider);
  assert.equal(provider.requests.length, 2, 'the call and one repair');
  const repair = provider.requests[1];
  assert.deepEqual(repair.items.map((i) => JSON.parse(i.text).Text).sort(), ['stays wrong', 'wrong enum'], 'only the invalid rows are sent again');
  const notes = repair.payload!.messages.at(-1)!.content;
  assert.match(notes, /sentiment: must be equal to one of the allowed values \(positive, negative, neutral\)/);
  assert.match(notes, /must have required property 'sentiment'/);
  assert.equal(repair.payload!.messages[2].role, 'assistant');
  assert.match(repair.payload!.messages[2].content, /"great"/, 'the previous answers are the model\'s own turn');
  assert.equal(tasks.get('fine')!.status, 'completed');
  assert.equal(tasks.get('wrong enum')!.status, 'completed');
  assert.deepEqual(JSON.parse(tasks.get('wrong enum')!.result!), { sentiment: 'positive', aspects: [] });
  const kept = tasks.get('stays wrong')!;
  assert.equal(kept.status, 'needs_review');
  assert.deepEqual(JSON.parse(kept.result!), { aspects: ['taste'] }, 'the result is kept');
  assert.match(kept.qa_flags!, /schema_invalid/);
  await store.close();
});

test('a repair call that fails leaves the first answers, flagged', async () => {
  let calls = 0;
  const provider: LlmProvider = {
    name: 'x',
    model: 'x',
    async translate(request) {
      if (++calls > 1) throw new ProviderError('bad_request', 'HTTP 400: nope', { status: 400 });
      const user = JSON.parse(request.payload!.messages[1].content) as Record<string, unknown>;
      return { content: JSON.stringify(Object.fromEntries(Object.keys(user).map((id) => [id, { sentiment: 'meh', aspects: [] }]))), finishReason: 'stop', promptTokens: 1, completionTokens: 1, model: 'x' };
    },
  };
  const { store, tasks } = await runMapJob(['one'], provider);
  assert.equal(tasks.get('one')!.status, 'needs_review');
  await store.close();
});

test('an endpoint that refuses json_schema gets json_object from then on, the schema still in the prompt', async () => {
  const server = await startSimulatedProvider({ rejectJsonSchema: true });
  servers.push(server);
  const provider = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, model: 'm', logprobs: false });
  const spec = { prompt: PROMPT, schema: SCHEMA, columns: ['Text', 'Score'] };
  const call = (): Promise<ProviderReply> => provider.translate({ sourceLang: '', targetLang: 'map', items: [], timeoutMs: 5_000, payload: mapPayload(spec, mapSystemPrompt(spec), [{ id: '1', fieldsJson: '{"Text":"ok","Score":"5"}' }]) });
  const first = await call();
  assert.deepEqual(server.stats.requestLog.map((r) => r.status), [400, 200], 'refused with json_schema, answered with json_object');
  await call();
  assert.deepEqual(server.stats.requestLog.map((r) => r.status), [400, 200, 200], 'json_schema is not tried again');
  const value = (JSON.parse(first.content) as Record<string, unknown>)['1'];
  const ajv = new Ajv({ strict: false });
  assert.ok(ajv.validate(SCHEMA, value), `the server followed the schema stated in the prompt: ${JSON.stringify(ajv.errors)}`);
});

test('the simulated server answers json_schema requests with values valid against the schema, and injects invalid ones when told', async () => {
  const server = await startSimulatedProvider({ invalidResult: (row) => (row as { Text: string }).Text === 'bad' });
  servers.push(server);
  const provider = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, model: 'm', logprobs: false });
  const spec = { prompt: PROMPT, schema: SCHEMA, columns: ['Text'] };
  const rows = Array.from({ length: 20 }, (_, i) => ({ id: String(i + 1), fieldsJson: JSON.stringify({ Text: i === 4 ? 'bad' : `review ${i}` }) }));
  const reply = await provider.translate({ sourceLang: '', targetLang: 'map', items: [], timeoutMs: 5_000, payload: mapPayload(spec, mapSystemPrompt(spec), rows) });
  const values = JSON.parse(reply.content) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false });
  const invalid = Object.entries(values).filter(([, v]) => !ajv.validate(SCHEMA, v)).map(([id]) => id);
  assert.deepEqual(invalid, ['5']);
  assert.equal(Object.keys(values).length, 20);
  // The `schemaInvalid` fault: about half the rows of the call, the first always.
  server.setOptions({ invalidResult: undefined, faults: { schemaInvalid: 1 } });
  const faulty = await provider.translate({ sourceLang: '', targetLang: 'map', items: [], timeoutMs: 5_000, payload: mapPayload(spec, mapSystemPrompt(spec), rows) });
  const broken = Object.entries(JSON.parse(faulty.content) as Record<string, unknown>).filter(([, v]) => !ajv.validate(SCHEMA, v)).map(([id]) => id);
  assert.ok(broken.includes('1') && broken.length > 1 && broken.length < 20, `invalid rows: ${broken.join(', ')}`);
});
