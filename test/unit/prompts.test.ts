/**
 * Issue 4, prompts: few-shot examples and language notes reach only the calls into their own
 * language, in the wire format; custom system templates and bad config fail with clear errors.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { FanyiError } from '../../src/errors.ts';
import { buildTranslateMessages } from '../../src/llm/prompts/build-messages.ts';
import { bestMatch, builtInLanguageNotes, PromptStyle } from '../../src/llm/prompts/prompt-style.ts';
import { describePayload } from '../../src/llm/prompts/wire-payload.ts';
import type { TranslateRequest } from '../../src/llm/provider.ts';
import { parseChatRequest, type ChatRequest } from '../helpers/simulated-chat-protocol.ts';

const style = new PromptStyle({
  language_notes: { 'pt-BR': 'Use você, informal.', th: '' },
  examples: { 'pt-BR': [{ source: '开始游戏', target: 'Iniciar jogo' }, { source: '背包已满', target: 'Mochila cheia' }], ja: [{ source: '设置', target: '設定' }] },
});

function request(targetLang: string, extra: Partial<TranslateRequest> = {}): TranslateRequest {
  return { sourceLang: 'zh-CN', targetLang, items: [{ id: '1', text: '退出' }], prompt: style.forLanguage(targetLang), timeoutMs: 1, ...extra };
}

let dir: string;
before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'fanyi-prompts-'))));
after(() => rm(dir, { recursive: true, force: true }));

test('examples and the note go only to calls into their language; the system prompt names the target [pt-BR]', () => {
  const pt = buildTranslateMessages(request('pt-BR'));
  assert.deepEqual(pt.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  assert.match(pt[0].content, /into Portuguese \(Brazil\) \[pt-BR\]/);
  assert.match(pt[0].content, /^Use você, informal\.$/m);
  assert.deepEqual(JSON.parse(pt[1].content), { 1: '开始游戏', 2: '背包已满' }, 'the same flat id → text shape as the payload');
  assert.deepEqual(JSON.parse(pt[2].content), { 1: 'Iniciar jogo', 2: 'Mochila cheia' });
  assert.deepEqual(JSON.parse(pt[3].content), { 1: '退出' }, 'the call\'s own texts come last');

  const ja = buildTranslateMessages(request('ja'));
  assert.deepEqual(JSON.parse(ja[2].content), { 1: '設定' });
  assert.match(ja[0].content, /full-width punctuation/, 'the built-in note for ja');
  for (const message of ja) assert.ok(!/Mochila|você/.test(message.content), 'nothing of pt-BR in a ja call');

  const vi = buildTranslateMessages(request('vi'));
  assert.deepEqual(vi.map((m) => m.role), ['system', 'user'], 'no examples configured: no extra turns');
  assert.ok(!/você|full-width/.test(vi[0].content));
});

test('notes: config before built-ins, "" turns one off, a code without region covers its regions only', () => {
  assert.ok(!buildTranslateMessages(request('th'))[0].content.includes("No spaces between Thai words"), 'th: "" in config');
  assert.match(buildTranslateMessages({ ...request('th'), prompt: new PromptStyle().forLanguage('th') })[0].content, /No spaces between Thai words/);
  const notes = Object.entries({ pt: 'any Portuguese', 'pt-PT': 'European', 'zh-Hant': 'Traditional' });
  assert.equal(bestMatch(notes, 'pt-BR'), 'any Portuguese');
  assert.equal(bestMatch(notes, 'pt-PT'), 'European', 'the exact locale beats the bare language');
  assert.equal(bestMatch(notes, 'zh-HK'), 'Traditional');
  assert.equal(bestMatch(notes, 'zh-CN'), undefined, 'zh-Hant never serves Simplified');
  assert.equal(bestMatch(Object.entries({ 'pt-PT': 'European' }), 'pt-BR'), undefined, 'a region never serves another');
  const builtIn = Object.entries(builtInLanguageNotes());
  assert.match(bestMatch(builtIn, 'zh-TW') ?? '', /Traditional/);
  assert.match(bestMatch(builtIn, 'zh-CN') ?? '', /Simplified/);
});

test('examples follow the payload shape: wrapped in "items" when the call sends context', () => {
  const messages = buildTranslateMessages(request('pt-BR', { items: [{ id: '1', text: '退出', context: { sheet: 'UI', maxLength: 8 } }] }));
  assert.deepEqual(JSON.parse(messages[1].content), { items: { 1: '开始游戏', 2: '背包已满' } });
  assert.match(messages[0].content, /max_len = hard character limit/);
  assert.ok(!messages[0].content.includes('ref ='), 'only the fields this call sends are explained');
  assert.equal(describePayload({ 1: 'a' }), 'Input: JSON, id → text.');
});

test('the simulated provider finds the texts after the examples, and a repair after them', () => {
  const asChat = (messages: unknown[]) => parseChatRequest(JSON.stringify({ model: 'm', messages })) as ChatRequest;
  const plain = asChat(buildTranslateMessages(request('pt-BR')));
  assert.deepEqual([plain.lang, plain.source, plain.repair], ['pt-BR', { 1: '退出' }, false]);
  assert.ok(plain.instructions.some((m) => m.includes('Iniciar jogo')), 'the examples are instructions, not texts');
  const repair = asChat(buildTranslateMessages(request('pt-BR', { repair: { 1: { previous: 'Sai', problems: ['too short'] } } })));
  assert.deepEqual([repair.source, repair.repair], [{ 1: '退出' }, true]);
});

test('config: examples and notes are validated by language code, with the option and the code named', async () => {
  const cases: Array<[string, RegExp]> = [
    ['prompts:\n  examples:\n    klingon:\n      - { source: a, target: b }\n', /prompts\.examples\.klingon: unknown language code "klingon"/],
    ['prompts:\n  language_notes:\n    xx-QQ: hi\n', /prompts\.language_notes\.xx-QQ: unknown language code/],
    ['prompts:\n  examples:\n    pt-BR:\n      - { source: a }\n', /prompts\.examples\.pt-BR\.0\.target/],
    ['prompts:\n  system: missing.md\n', /prompts\.system: file not found: missing\.md/],
  ];
  for (const [yaml, message] of cases) {
    await writeFile(path.join(dir, 'fanyi.yaml'), yaml);
    assert.throws(() => loadConfig({}, {}, dir), (error: unknown) => error instanceof FanyiError && error.code === 'CONFIG_INVALID' && message.test(error.message));
  }
});

test('config: a custom system template, relative to the config file, with the built-in slots', async () => {
  await writeFile(path.join(dir, 'fanyi.yaml'), 'prompts:\n  system: my-system.md\n  language_notes:\n    pt-BR: Use você.\n');
  await writeFile(path.join(dir, 'my-system.md'), '<!-- house style -->\nYou translate for Acme into ${target_name} [${target_code}].\n${language_note}\n${input_shape}\n');
  const custom = new PromptStyle(loadConfig({}, {}, dir).config.prompts);
  const [system] = buildTranslateMessages({ ...request('pt-BR'), prompt: custom.forLanguage('pt-BR') });
  assert.equal(system.content, 'You translate for Acme into Portuguese (Brazil) [pt-BR].\nUse você.\nInput: JSON, id → text.');

  await writeFile(path.join(dir, 'my-system.md'), 'Translate into [${target_code}] for ${studio}.');
  assert.throws(() => new PromptStyle(loadConfig({}, {}, dir).config.prompts), /unknown slot \$\{studio\}/);
  await writeFile(path.join(dir, 'my-system.md'), 'Translate into Portuguese.');
  assert.throws(() => new PromptStyle(loadConfig({}, {}, dir).config.prompts), /must contain \$\{target_code\}/);
});
