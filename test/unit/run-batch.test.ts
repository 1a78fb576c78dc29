import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { configSchema } from '../../src/config/config-schema.ts';
import { BatchRunner } from '../../src/executor/run-batch.ts';
import { ProviderError, type LlmProvider, type ProviderReply, type TranslateRequest } from '../../src/llm/provider.ts';
import { EngineEvents } from '../../src/monitor/engine-events.ts';
import { createSqliteStore } from '../../src/store/create-store.ts';
import type { JobStore } from '../../src/store/job-store.ts';
import { prepareJob, toBatchRows, toTaskRows } from '../../src/tasks/prepare-job.ts';
import { type CellValue, type SpreadsheetDocument } from '../../src/workbook/sheet-model.ts';
import { FanyiError } from '../../src/errors.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

/** The LLM edge, scripted: every request is recorded and answered by `answer`. */
class ScriptedProvider implements LlmProvider {
  readonly name = 'scripted';
  readonly model = 'scripted';
  readonly requests: TranslateRequest[] = [];
  constructor(readonly answer: (request: TranslateRequest, n: number) => ProviderReply) {}
  async translate(request: TranslateRequest): Promise<ProviderReply> {
    this.requests.push(request);
    return this.answer(request, this.requests.length);
  }
}

const ok = (request: TranslateRequest): ProviderReply => ({
  content: JSON.stringify(Object.fromEntries(request.items.map((i) => [i.id, `«${i.text}»`]))),
  finishReason: 'stop',
  promptTokens: 10,
  completionTokens: 10,
  model: 'scripted',
});

async function setup(texts: string[], maxBatchSize = 100): Promise<{ store: JobStore; jobId: string }> {
  const rows: CellValue[][] = [['Key', 'EN', 'DE'], ...texts.map((t, i): CellValue[] => [`k${i}`, t, null])];
  const doc: SpreadsheetDocument = { format: 'csv', sheets: [{ name: 'S', index: 0, hidden: false, rows, comments: new Map(), merges: [] }], setText() {}, async save() {} };
  const config = configSchema.parse({ llm: { batch_control: { max_batch_size: maxBatchSize } } });
  const prepared = prepareJob(doc, config, { to: ['de'], overwrite: false });
  const store = await createSqliteStore({ filename: path.join(scratchDir('fanyi-run-'), 'f.db') });
  const jobId = 'job_run';
  await store.createJob({ jobId, kind: 'translate', sourceName: 's.csv', sourcePath: '/x', excelId: 'e', outPath: null, options: {} }, toTaskRows(jobId, 'e', prepared.split.tasks, ''), toBatchRows(jobId, prepared.batches));
  return { store, jobId };
}

function runner(store: JobStore, provider: LlmProvider): BatchRunner {
  return new BatchRunner({
    store,
    provider,
    events: new EngineEvents(),
    retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5, max429Waits: 5 },
    timeoutMs: 5_000,
    promptOverheadTokens: 100,
  });
}

async function runAll(store: JobStore, jobId: string, provider: LlmProvider): Promise<void> {
  const r = runner(store, provider);
  for (let b = await store.claimBatch(jobId, 'w', 60_000); b; b = await store.claimBatch(jobId, 'w', 60_000)) await r.run(b, 'w', new AbortController().signal);
}

test('a 400 on one cell is isolated by splitting: the rest completes, that cell ends rejected', async () => {
  const { store, jobId } = await setup(['one', 'two', 'FORBIDDEN', 'four', 'five']);
  const provider = new ScriptedProvider((request) => {
    if (request.items.some((i) => i.text === 'FORBIDDEN')) throw new ProviderError('bad_request', 'HTTP 400: data_inspection_failed', { status: 400 });
    return ok(request);
  });
  await runAll(store, jobId, provider);
  const counts = await store.countByStatus(jobId);
  assert.deepEqual([counts.completed, counts.failed], [4, 1]);
  assert.ok(provider.requests.length <= 6, `isolating one cell of five took ${provider.requests.length} calls`);
  assert.equal(provider.requests.filter((r) => r.items.length === 1 && r.items[0].text === 'FORBIDDEN').length, 1, 'a rejected cell alone is not retried');
  await store.close();
});

test('400s on everything stop the job instead of splitting every batch down to single cells', async () => {
  const { store, jobId } = await setup(Array.from({ length: 40 }, (_, i) => `text ${i}`));
  const provider = new ScriptedProvider(() => {
    throw new ProviderError('bad_request', "HTTP 400: 'response_format' is not supported", { status: 400 });
  });
  await assert.rejects(runAll(store, jobId, provider), (e: unknown) => e instanceof FanyiError && e.code === 'PROVIDER_REQUEST');
  assert.ok(provider.requests.length <= 5);
  await store.close();
});

test('a reply with no message is retried as a server error, not split', async () => {
  const { store, jobId } = await setup(['one', 'two', 'three', 'four']);
  const provider = new ScriptedProvider((request, n) => {
    if (n === 1) throw new ProviderError('server', 'reply had no message content');
    return ok(request);
  });
  await runAll(store, jobId, provider);
  assert.equal((await store.countByStatus(jobId)).completed, 4);
  assert.equal(provider.requests.length, 2);
  assert.ok(provider.requests.every((r) => r.items.length === 4));
  await store.close();
});

test('a store failure while committing is an internal error: the paid call is not sent again', async () => {
  const { store, jobId } = await setup(['one', 'two']);
  const provider = new ScriptedProvider(ok);
  const broken: JobStore = Object.create(store, {
    commitResults: { value: async () => Promise.reject(new Error('disk I/O error')) },
  });
  const batch = (await store.claimBatch(jobId, 'w', 60_000))!;
  await assert.rejects(runner(broken, provider).run(batch, 'w', new AbortController().signal), /disk I\/O error/);
  assert.equal(provider.requests.length, 1);
  await store.close();
});

test('an endpoint that stops answering stops the job instead of failing every batch slowly', async () => {
  const { store, jobId } = await setup(Array.from({ length: 60 }, (_, i) => `text ${i}`), 1);
  const provider = new ScriptedProvider(() => {
    throw new ProviderError('network', 'connection failed: ECONNREFUSED');
  });
  const started = Date.now();
  await assert.rejects(runAll(store, jobId, provider), (e: unknown) => e instanceof FanyiError && e.code === 'PROVIDER_UNAVAILABLE' && /resume/.test(e.message));
  assert.ok(Date.now() - started < 5_000);
  assert.equal(provider.requests.length, 30, 'stops at the 30th failure in a row');
  assert.equal((await store.countByStatus(jobId)).completed, 0);
  await store.close();
});

test("a batch bigger than the provider takes comfortably in one call goes out as even calls under the provider's limit", async () => {
  const texts = Array.from({ length: 30 }, (_, i) => `a short interface string number ${i} with a few more words`);
  const { store, jobId } = await setup(texts);
  const provider = new ScriptedProvider(ok);
  const limit = 500;
  Object.assign(provider, { callTokenLimit: (lang: string) => (lang === 'de' ? limit : undefined) });
  await runAll(store, jobId, provider);
  assert.equal((await store.countByStatus(jobId)).completed, 30);
  assert.ok(provider.requests.length > 1, 'one claimed batch of 30 items is more than 500 tokens');
  for (const request of provider.requests) assert.ok(request.estimatedTokens! <= limit, `a call of ${request.estimatedTokens} tokens`);
  const sizes = provider.requests.map((r) => r.items.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 2, `calls of ${sizes.join(', ')} items: even, not full ones and a scrap`);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 30, 'every item sent once');
  await store.close();
});

test('failed probes of an endpoint that is down spend none of the batch’s retries; ordinary 5xx do', async () => {
  const { store, jobId } = await setup(['one', 'two']);
  const failure = (n: number) => Object.assign(new ProviderError('server', 'HTTP 503', { status: 503 }), n > 2 ? { probe: true } : {});
  // Two ordinary failures (max_retries 2 allows them), then five probes failing: the outage, not the batch.
  const provider = new ScriptedProvider((request, n) => {
    if (n <= 7) throw failure(n);
    return ok(request);
  });
  await runAll(store, jobId, provider);
  assert.equal((await store.countByStatus(jobId)).completed, 2);
  assert.equal(provider.requests.length, 8);

  const second = await setup(['three']);
  const plain = new ScriptedProvider((request, n) => {
    if (n <= 3) throw new ProviderError('server', 'HTTP 503', { status: 503 });
    return ok(request);
  });
  await runAll(second.store, second.jobId, plain);
  assert.equal((await second.store.countByStatus(second.jobId)).failed, 1, 'three ordinary 5xx in a row exceed max_retries 2');
  await store.close();
  await second.store.close();
});
