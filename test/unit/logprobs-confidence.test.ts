/**
 * `confidence` from token logprobs: the per-item computation, and the OpenAI-compatible provider
 * asking for logprobs against the simulated server — including a server that rejects them.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { itemConfidences, valueSpans } from '../../src/executor/item-confidence.ts';
import { OpenAiCompatibleProvider } from '../../src/llm/providers/openai-compatible-provider.ts';
import type { TranslateRequest } from '../../src/llm/provider.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { simulatedTranslation } from '../helpers/simulated-translation.ts';

const servers: SimulatedProvider[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

test('value spans of a flat JSON object, escapes and spacing included', () => {
  const content = '{"1": "Stufe {0}", "2":"Er sagt \\"hi\\"", "3" : ""}';
  const spans = valueSpans(content);
  assert.deepEqual([...spans.keys()], ['1', '2', '3']);
  assert.equal(content.slice(spans.get('1')!.start, spans.get('1')!.end), 'Stufe {0}');
  assert.equal(content.slice(spans.get('2')!.start, spans.get('2')!.end), 'Er sagt \\"hi\\"');
  assert.equal(spans.get('3')!.start, spans.get('3')!.end);
});

test('mean token probability over the tokens of each value only', () => {
  const tokens = [['{"1":"', 0], ['Ja', Math.log(0.9)], ['"', 0], [',"2":"', 0], ['Ne', Math.log(0.5)], ['in', Math.log(0.7)], ['"}', 0]] as const;
  const content = tokens.map(([t]) => t).join('');
  const confidences = itemConfidences(content, tokens.map(([token, logprob]) => ({ token, logprob })));
  assert.deepEqual(Object.fromEntries(confidences!), { 1: 0.9, 2: 0.6 });
});

test('multi-byte characters split across tokens are aligned by bytes', () => {
  const content = '{"1":"ไทย"}';
  const bytes = Buffer.from(content);
  // Thai letters are 3 bytes each; cut the text mid-character as byte-level tokenizers do.
  const cuts = [6, 10, 14, bytes.length];
  let from = 0;
  const logprobs = cuts.map((to, i) => {
    const token = { token: `tok${i}`, logprob: i === 0 || i === 3 ? 0 : Math.log(0.8), bytes: to - from };
    from = to;
    return token;
  });
  // The value (bytes 6–15) overlaps tokens 1–3; the last also holds the closing quote and brace.
  assert.equal(itemConfidences(content, logprobs)?.get('1'), 0.8667);
});

test('no logprobs, or logprobs that do not line up with the content: no confidence', () => {
  assert.equal(itemConfidences('{"1":"a"}', undefined), undefined);
  assert.equal(itemConfidences('{"1":"a"}', []), undefined);
  assert.equal(itemConfidences('{"1":"a"}', [{ token: 'something else entirely', logprob: 0 }]), undefined);
});

const request = (texts: string[]): TranslateRequest => ({ sourceLang: 'zh', targetLang: 'pt-BR', timeoutMs: 5_000, items: texts.map((text, i) => ({ id: String(i + 1), text })) });

test('the provider asks for logprobs and returns them with the reply', async () => {
  const server = await startSimulatedProvider({ tokenLogprob: () => Math.log(0.8) });
  servers.push(server);
  const provider = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, apiKey: 'k', model: 'sim' });
  const reply = await provider.translate(request(['开始游戏', '设置']));
  assert.equal(server.stats.requestLog[0].logprobs, true);
  assert.deepEqual(JSON.parse(reply.content), { 1: simulatedTranslation('开始游戏', 'pt-BR'), 2: simulatedTranslation('设置', 'pt-BR') });
  assert.equal(reply.logprobs?.map((t) => t.token).join(''), reply.content);
  assert.deepEqual(Object.fromEntries(itemConfidences(reply.content, reply.logprobs)!), { 1: 0.8, 2: 0.8 });
});

test('a server that rejects logprobs: asked again without, once, then never again', async () => {
  const server = await startSimulatedProvider({ rejectLogprobs: true });
  servers.push(server);
  const provider = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, apiKey: 'k', model: 'sim' });
  const first = await provider.translate(request(['开始游戏']));
  const second = await provider.translate(request(['设置']));
  assert.equal(first.logprobs, undefined);
  assert.deepEqual(JSON.parse(second.content), { 1: simulatedTranslation('设置', 'pt-BR') });
  assert.deepEqual(server.stats.requestLog.map((e) => [e.status, e.logprobs]), [[400, true], [200, false], [200, false]]);
});

test('logprobs: false never asks; a server that starts refusing them later is still handled', async () => {
  const server = await startSimulatedProvider({});
  servers.push(server);
  const off = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, apiKey: 'k', model: 'sim', logprobs: false });
  await off.translate(request(['开始游戏']));
  assert.equal(server.stats.requestLog[0].logprobs, false);
  const on = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, apiKey: 'k', model: 'sim' });
  await on.translate(request(['开始游戏']));
  // E.g. a load balancer now routing to another server version: the 400 names logprobs.
  server.setOptions({ rejectLogprobs: true });
  await on.translate(request(['设置']));
  await on.translate(request(['退出']));
  assert.deepEqual(server.stats.requestLog.slice(1).map((e) => [e.status, e.logprobs]), [[200, true], [400, true], [200, false], [200, false]]);
});
