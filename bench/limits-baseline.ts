/**
 * The naive client bench/limits.ts compares fanyi with: the same batches (fanyi's own read,
 * split, dedupe and packing) sent in the same wire protocol (fanyi's prompt and payload, item
 * context included, the same request body; keep it in step with the executor's), by a fixed pool of 10 workers that retry a 429 after its `retry-after` and do nothing
 * else — no limiter, no pacing, no adaptation. Runs in a process of its own.
 *
 * Usage: limits-baseline.ts <input> <baseUrl> <targets> [concurrency]; prints one JSON line.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { loadConfig } from '../src/config/load-config.ts';
import { readJobInput } from '../src/engine.ts';
import { prepareJob } from '../src/tasks/prepare-job.ts';
import { buildTranslateMessages } from '../src/llm/prompts/build-messages.ts';
import { PromptStyle } from '../src/llm/prompts/prompt-style.ts';
import { batchRequests } from './batch-requests.ts';

const [input, baseUrl, targetList, concurrencyArg] = process.argv.slice(2);
const CONCURRENCY = Number(concurrencyArg ?? 10);

interface WireBatch {
  cells: number;
  body: string;
  ids: string[];
}

/** One request body per packed batch, its unique texts numbered "1", "2", … as fanyi sends them. */
async function wireBatches(): Promise<WireBatch[]> {
  const loaded = loadConfig({ provider: 'openai', baseUrl, apiKey: 'bench', model: 'sim' }, {}, path.dirname(input));
  const { config } = loaded;
  const { document, options } = await readJobInput({ file: input, to: targetList.split(',') }, config);
  const prepared = prepareJob(document, config, options);
  return batchRequests(prepared, new PromptStyle(config.prompts), config.llm.performance.timeout * 1000).map(({ tasks, request }) => {
    const messages = buildTranslateMessages(request);
    // The body fanyi's provider sends (openai-compatible-provider.ts), logprobs included.
    const body = JSON.stringify({ model: loaded.provider.model, messages, temperature: config.llm.temperature ?? 0.2, response_format: { type: 'json_object' }, logprobs: true });
    return { cells: tasks.length, body, ids: request.items.map((item) => item.id) };
  });
}

const counters = { calls: 0, status429: 0, otherErrors: 0, cells: 0, badReplies: 0 };

/** Sends one batch until it is answered: a 429 waits `retry-after`, anything else waits 1 s. */
async function send(batch: WireBatch): Promise<void> {
  for (;;) {
    counters.calls++;
    const response = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
      body: batch.body,
    }).catch(() => undefined);
    const text = await response?.text().catch(() => undefined);
    if (response?.status === 200 && text !== undefined) {
      if (!hasAllIds(text, batch.ids)) counters.badReplies++;
      counters.cells += batch.cells;
      return;
    }
    if (response?.status === 429) {
      counters.status429++;
      const seconds = Number.parseFloat(response.headers.get('retry-after') ?? '');
      await sleep(Number.isFinite(seconds) ? seconds * 1000 : 1000);
      continue;
    }
    counters.otherErrors++;
    await sleep(1000);
  }
}

function hasAllIds(text: string, ids: string[]): boolean {
  try {
    const content = JSON.parse(JSON.parse(text).choices[0].message.content) as Record<string, unknown>;
    return ids.every((id) => typeof content[id] === 'string');
  } catch {
    return false;
  }
}

const t0 = performance.now();
const batches = await wireBatches();
const t1 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < batches.length) await send(batches[next++]);
  }),
);
const t2 = performance.now();
process.stdout.write(`${JSON.stringify({ batches: batches.length, ...counters, prepare_ms: Math.round(t1 - t0), calls_ms: Math.round(t2 - t1), total_ms: Math.round(t2 - t0) })}\n`);
