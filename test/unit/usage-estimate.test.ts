/**
 * Replies without `usage` (issue 17): the simulator's `usage: false` and BPE-like counting, the
 * provider's estimate in their place, and the limiter leaving its slow start on such a reply.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import { EndpointLimiter } from '../../src/limits/endpoint-limiter.ts';
import { EndpointPool } from '../../src/llm/endpoints/endpoint-pool.ts';
import type { TranslateRequest } from '../../src/llm/provider.ts';
import { OpenAiCompatibleProvider } from '../../src/llm/providers/openai-compatible-provider.ts';
import { startSimulatedProvider, type SimulatedProvider, type SimulatedProviderOptions } from '../helpers/simulated-provider.ts';
import { countBpeLike } from '../helpers/simulated-tokens.ts';

const providers: SimulatedProvider[] = [];
after(() => Promise.all(providers.map((provider) => provider.close())));

async function start(options: SimulatedProviderOptions): Promise<SimulatedProvider> {
  const provider = await startSimulatedProvider({ apiKey: 'k', ...options });
  providers.push(provider);
  return provider;
}

const request: TranslateRequest = { sourceLang: 'en', targetLang: 'th', items: [{ id: '1', text: 'Open the golden chest' }, { id: '2', text: 'Claim {0} coins' }], timeoutMs: 5_000, estimatedTokens: 300 };

/** Lets granted promises settle their `then` callbacks. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

test('BPE-like counting: ~4 ASCII characters a token, a Thai character a token, a Han character 1.25', () => {
  assert.equal(countBpeLike('abcdefgh'), 2);
  assert.equal(countBpeLike('กขคงจ'), 5);
  assert.equal(countBpeLike('开始游戏'), 5);
  assert.equal(countBpeLike('ação'), 2, 'Latin letters with diacritics: two to a token');
});

test('usage: false sends replies without usage but with the rate-limit headers', async () => {
  const provider = await start({ usage: false, tpm: 200_000, rpm: 1_200, tokenCounting: 'bpe' });
  const client = new OpenAI({ baseURL: provider.baseUrl, apiKey: 'k', maxRetries: 0 });
  const { data, response } = await client.chat.completions
    .create({ model: 'm', messages: [{ role: 'system', content: 'Translate into Thai [th].' }, { role: 'user', content: '{"1":"Open"}' }] })
    .withResponse();
  assert.equal(data.usage, undefined);
  assert.equal(response.headers.get('x-ratelimit-limit-tokens'), '200000');
  const remaining = Number(response.headers.get('x-ratelimit-remaining-tokens'));
  const charged = countBpeLike('Translate into Thai [th].{"1":"Open"}') + countBpeLike(data.choices[0].message.content!);
  assert.equal(remaining, Math.floor(200_000 / 60 - charged), 'the limit is charged by the BPE-like count');
});

test('a reply without usage is counted from estimates of the prompt and the answer, marked as estimated', async () => {
  const provider = await start({ usage: false });
  const reply = await new OpenAiCompatibleProvider({ baseUrl: provider.baseUrl, apiKey: 'k', model: 'm' }).translate(request);
  assert.equal(reply.tokensEstimated, true);
  assert.ok(reply.promptTokens > 20, `prompt tokens ${reply.promptTokens}`);
  assert.ok(reply.completionTokens > 10, `completion tokens ${reply.completionTokens}`);

  const withUsage = await start({});
  const reported = await new OpenAiCompatibleProvider({ baseUrl: withUsage.baseUrl, apiKey: 'k', model: 'm' }).translate(request);
  assert.equal(reported.tokensEstimated, undefined, 'a reply with usage is the provider’s count');
});

test('the first reply without usage ends the slow start: the next calls go out together', async () => {
  const provider = await start({ usage: false });
  const limiter = new EndpointLimiter({ rpm: 1e6, tpm: 1e9 });
  const pool = new EndpointPool([{ name: 'e', provider: new OpenAiCompatibleProvider({ baseUrl: provider.baseUrl, apiKey: 'k', model: 'm' }), limiter }]);
  await pool.translate(request);
  let granted = 0;
  void limiter.acquire(100, undefined, 'th').then(() => granted++);
  void limiter.acquire(100, undefined, 'th').then(() => granted++);
  await flush();
  assert.equal(granted, 2, 'the estimates were tested by a reply: no more one call at a time');
});
