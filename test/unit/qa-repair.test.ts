/**
 * The QA gate inside BatchRunner: the repair call (what it sends, how its answer is used), the
 * statuses committed, and the repair turns of the chat messages.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../../src/config/config-schema.ts';
import { BatchRunner } from '../../src/executor/run-batch.ts';
import { buildTranslateMessages } from '../../src/llm/prompts/build-messages.ts';
import { ProviderError, type LlmProvider, type ProviderReply, type TranslateRequest } from '../../src/llm/provider.ts';
import { EngineEvents } from '../../src/monitor/engine-events.ts';
import { createSqliteStore } from '../../src/store/create-store.ts';
import type { JobStore, TaskView } from '../../src/store/job-store.ts';
import { prepareJob, toBatchRows, toTaskRows } from '../../src/tasks/prepare-job.ts';
import type { CellValue, SpreadsheetDocument } from '../../src/workbook/sheet-model.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

type Answer = (request: TranslateRequest) => ProviderReply | Promise<ProviderReply>;

class ScriptedProvider implements LlmProvider {
  readonly name = 'scripted';
  readonly model = 'scripted';
  readonly requests: TranslateRequest[] = [];
  constructor(readonly answer: Answer) {}
  async translate(request: TranslateRequest): Promise<ProviderReply> {
    this.requests.push(request);
    return this.answer(request);
  }
}

const reply = (object: Record<string, string>): ProviderReply => ({ content: JSON.stringify(object), finishReason: 'stop', promptTokens: 10, completionTokens: 10, model: 'scripted' });

/** Translates by `table`; on a repair call, by `repaired` where it has the text. */
function answering(table: Record<string, string>, repaired: Record<string, string> = {}): Answer {
  return (request) => reply(Object.fromEntries(request.items.map((i) => [i.id, (request.repair && repaired[i.text]) || table[i.text]])));
}

async function setup(texts: string[]): Promise<{ store: JobStore; jobId: string }> {
  const rows: CellValue[][] = [['Key', 'EN', 'DE'], ...texts.map((t, i): CellValue[] => [`k${i}`, t, null])];
  const doc: SpreadsheetDocument = { format: 'csv', sheets: [{ name: 'S', index: 0, hidden: false, rows, comments: new Map(), merges: [] }], setText() {}, async save() {} };
  const prepared = prepareJob(doc, configSchema.parse({}), { to: ['de'], overwrite: false });
  const store = await createSqliteStore({ filename: path.join(scratchDir('fanyi-qa-'), 'f.db') });
  const jobId = 'job_qa';
  await store.createJob({ jobId, kind: 'translate', sourceName: 's.csv', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, toTaskRows(jobId, 'e', prepared.split.tasks, ''), toBatchRows(jobId, prepared.batches));
  return { store, jobId };
}

async function runAll(store: JobStore, jobId: string, provider: LlmProvider, qa = { repair: true }): Promise<Map<string, TaskView>> {
  const runner = new BatchRunner({ store, provider, events: new EngineEvents(), retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2, max429Waits: 2 }, timeoutMs: 5_000, promptOverheadTokens: 100, qa });
  for (let b = await store.claimBatch(jobId, 'w', 60_000); b; b = await store.claimBatch(jobId, 'w', 60_000)) await runner.run(b, 'w', new AbortController().signal);
  const page = await store.taskPage(jobId, { offset: 0, limit: 100 });
  return new Map(page.rows.map((r) => [r.source_text, r]));
}

const TABLE = { 'Level {0}': 'Stufe', 'Gold: %s': 'Gold:', 'Open the map': 'Karte öffnen' };

test('failing items go into one repair call; fixed ones complete, the rest need review', async () => {
  const { store, jobId } = await setup(Object.keys(TABLE));
  const provider = new ScriptedProvider(answering(TABLE, { 'Level {0}': 'Stufe {0}' }));
  const tasks = await runAll(store, jobId, provider);
  assert.equal(provider.requests.length, 2);
  const repair = provider.requests[1];
  assert.deepEqual(repair.items.map((i) => i.text).sort(), ['Gold: %s', 'Level {0}'], 'only the failing texts, in a smaller call');
  assert.deepEqual(Object.keys(repair.repair ?? {}), repair.items.map((i) => i.id));
  const gold = repair.items.find((i) => i.text === 'Gold: %s')!;
  assert.equal(repair.repair?.[gold.id].previous, 'Gold:');
  assert.match(repair.repair![gold.id].problems.join(), /%s/);
  assert.deepEqual([tasks.get('Level {0}')?.status, tasks.get('Level {0}')?.result, tasks.get('Level {0}')?.quality_score], ['completed', 'Stufe {0}', 100]);
  assert.deepEqual([tasks.get('Open the map')?.status, tasks.get('Open the map')?.quality_score], ['completed', 100]);
  const goldTask = tasks.get('Gold: %s')!;
  assert.deepEqual([goldTask.status, goldTask.result, goldTask.quality_score], ['needs_review', 'Gold:', 40]);
  assert.match(JSON.parse(goldTask.qa_flags!)[0], /^placeholder_mismatch: /);
  assert.equal((await store.jobTotals(jobId)).apiCalls, 2, 'the repair call counts as a call');
  await store.close();
});

test('without a repair (qa.repair false) failing items go straight to review', async () => {
  const { store, jobId } = await setup(['Level {0}']);
  const provider = new ScriptedProvider(answering(TABLE, { 'Level {0}': 'Stufe {0}' }));
  const tasks = await runAll(store, jobId, provider, { repair: false });
  assert.equal(provider.requests.length, 1);
  assert.equal(tasks.get('Level {0}')?.status, 'needs_review');
  await store.close();
});

test('a malformed or failed repair reply leaves the first answers, flagged, never failed', async () => {
  for (const broken of [() => ({ ...reply({}), content: 'not json' }), () => Promise.reject(new ProviderError('server', 'HTTP 503'))]) {
    const { store, jobId } = await setup(['Level {0}']);
    const provider = new ScriptedProvider((request) => (request.repair ? broken() : answering(TABLE)(request)));
    const tasks = await runAll(store, jobId, provider);
    assert.ok(provider.requests.length >= 2);
    assert.ok(provider.requests.slice(1).every((r) => r.repair), 'never split or sent as a normal call again');
    assert.deepEqual([tasks.get('Level {0}')?.status, tasks.get('Level {0}')?.result], ['needs_review', 'Stufe']);
    await store.close();
  }
});

test('confidence comes from the reply logprobs, null without them', async () => {
  const { store, jobId } = await setup(['Open the map']);
  const content = JSON.stringify({ 1: 'Karte öffnen' });
  const tokens = ['{"', '1', '":"', 'Kar', 'te', ' öff', 'nen', '"}'];
  assert.equal(tokens.join(''), content);
  const logprobs = tokens.map((token) => ({ token, logprob: ['Kar', 'te', ' öff', 'nen'].includes(token) ? Math.log(0.5) : 0 }));
  const tasks = await runAll(store, jobId, new ScriptedProvider(() => ({ ...reply({}), content, logprobs })));
  assert.equal(tasks.get('Open the map')?.confidence, 0.5);
  const plain = await setup(['Open the map']);
  const without = await runAll(plain.store, plain.jobId, new ScriptedProvider(answering(TABLE)));
  assert.equal(without.get('Open the map')?.confidence, null);
  await store.close();
  await plain.store.close();
});

test('a repair request keeps the texts in the first user message and alternates roles', () => {
  const request: TranslateRequest = {
    sourceLang: 'en',
    targetLang: 'de',
    timeoutMs: 1000,
    items: [{ id: '1', text: 'Level {0}' }],
    repair: { 1: { previous: 'Stufe', problems: ['missing placeholder {0}'] } },
  };
  const messages = buildTranslateMessages(request);
  assert.deepEqual(messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  assert.deepEqual(JSON.parse(messages[1].content), { 1: 'Level {0}' });
  assert.deepEqual(JSON.parse(messages[2].content), { 1: 'Stufe' });
  assert.match(messages[3].content, /"1": \[\s*"missing placeholder \{0\}"\s*\]/);
  assert.ok(!messages[3].content.includes('Level {0}'), 'the source text is not repeated in the instructions');
  assert.deepEqual(buildTranslateMessages({ ...request, repair: undefined }).map((m) => m.role), ['system', 'user']);
});
