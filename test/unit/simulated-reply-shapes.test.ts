/**
 * The simulated provider's reply habits: each fault writes the right answer in one shape a real
 * model writes it in (checked here against the shape itself, not against fanyi's reader).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import { applyContentFault, FAULT_NAMES } from '../helpers/simulated-faults.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { REPLY_SHAPE_FAULTS } from '../helpers/simulated-reply-shapes.ts';

const ANSWER = { '1': '⟪pt-BR⟫Iniciar {0}', '2': '42', '3': '1.50', '10': '⟪pt-BR⟫Sair' };
const WRAPPED_REQUEST = JSON.stringify({ context: { sheet: 'UI' }, items: { '1': { text: 'Start {0}', key: 'btn_start' }, '2': '42', '3': '1.50', '10': 'Quit' } });

const content = (fault: (typeof REPLY_SHAPE_FAULTS)[number], payload = '') => applyContentFault(ANSWER, fault, payload);

const providers: SimulatedProvider[] = [];
after(() => Promise.all(providers.map((provider) => provider.close())));

test('every reply shape is a fault name, listed after the older faults so their seeded picks stay the same', () => {
  assert.deepEqual(FAULT_NAMES.slice(9, 9 + REPLY_SHAPE_FAULTS.length), [...REPLY_SHAPE_FAULTS]);
});

test('prose and fences wrap the exact JSON answer', () => {
  const prose = content('proseAround');
  assert.throws(() => JSON.parse(prose.content!));
  const [before, json, afterText] = prose.content!.split('\n');
  assert.match(before, /^Here are the translations:/);
  assert.deepEqual(JSON.parse(json), ANSWER);
  assert.match(afterText, /\w/);
  const fence = /^```json\n([\s\S]*)\n```$/.exec(content('codeFence').content!);
  assert.deepEqual(JSON.parse(fence![1]), ANSWER);
  assert.deepEqual([prose.answeredIds, prose.finishReason], ['all', 'stop']);
});

test('a trailing comma is the only thing wrong', () => {
  const text = content('trailingComma').content!;
  assert.throws(() => JSON.parse(text));
  assert.match(text, /",\n}$/);
  assert.deepEqual(JSON.parse(text.replace(/,\n}$/, '\n}')), ANSWER);
});

test('reordered ids come last first, as written text', () => {
  const text = content('reorderIds').content!;
  assert.deepEqual([...text.matchAll(/"(\d+)":/g)].map((m) => m[1]), ['10', '3', '2', '1']);
  assert.deepEqual(JSON.parse(text), ANSWER);
});

test('numbers for strings: only a text that is a number literal as written', () => {
  assert.deepEqual(JSON.parse(content('numbersForStrings').content!), { ...ANSWER, '2': 42 });
});

test('echoes of the request shape', () => {
  assert.deepEqual(JSON.parse(content('echoItems').content!), { items: ANSWER });
  assert.deepEqual(JSON.parse(content('echoTextObjects').content!)['1'], { text: ANSWER['1'] });
  assert.deepEqual(JSON.parse(content('echoRequest', WRAPPED_REQUEST).content!), {
    context: { sheet: 'UI' },
    items: { '1': { text: ANSWER['1'], key: 'btn_start' }, '2': '42', '3': '1.50', '10': ANSWER['10'] },
  });
  assert.deepEqual(JSON.parse(content('echoRequest', JSON.stringify({ '1': 'Start {0}' })).content!), ANSWER, 'a flat request echoed is the flat answer');
});

test('null content goes over the wire as null, answers nothing and is counted', async () => {
  const provider = await startSimulatedProvider({ faultPlan: () => 'nullContent' });
  providers.push(provider);
  const client = new OpenAI({ baseURL: provider.baseUrl, apiKey: 'k', maxRetries: 0 });
  const completion = await client.chat.completions.create({
    model: 'm',
    messages: [{ role: 'system', content: 'Translate into Portuguese [pt-BR].' }, { role: 'user', content: '{"1": "Start"}' }],
  });
  assert.equal(completion.choices[0].message.content, null);
  assert.equal(completion.choices[0].finish_reason, 'stop');
  assert.equal(provider.stats.faultsInjected.nullContent, 1);
  assert.equal(provider.stats.translatedIds.size, 0);
});
