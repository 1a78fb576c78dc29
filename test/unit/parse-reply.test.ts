/**
 * The reply reader: every shape a real model writes the right answer in is read; what holds no
 * complete answer stays malformed (and the batch is split and re-sent).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ProviderReply } from '../../src/llm/provider.ts';
import { OpenAiCompatibleProvider } from '../../src/llm/providers/openai-compatible-provider.ts';
import { parseReply, type ParsedReply } from '../../src/llm/reply/parse-reply.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';

const IDS = ['1', '2'];
const ANSWER = { '1': 'Iniciar {0}', '2': 'Sair "já"' };
const FLAT = JSON.stringify(ANSWER);

function reply(content: string, extra: Partial<ProviderReply> = {}): ProviderReply {
  return { content, finishReason: 'stop', promptTokens: 1, completionTokens: 1, model: 'm', ...extra };
}

function read(content: string, ids: readonly string[] = IDS, extra: Partial<ProviderReply> = {}): ParsedReply {
  return parseReply(reply(content, extra), ids);
}

function assertRead(content: string, expected: Record<string, string> = ANSWER, ids: readonly string[] = IDS): void {
  const parsed = read(content, ids);
  assert.ok(parsed.ok, `not read: ${JSON.stringify(parsed)}\ncontent: ${content}`);
  assert.deepEqual(Object.fromEntries(parsed.translations), expected);
}

function assertMalformed(content: string, reason: string, extra: Partial<ProviderReply> = {}): string {
  const parsed = read(content, IDS, extra);
  assert.equal(parsed.ok, false, `read, but should not be: ${content}`);
  assert.equal(!parsed.ok && parsed.reason, reason, !parsed.ok ? parsed.detail : '');
  return parsed.ok ? '' : parsed.detail;
}

describe('parseReply reads', () => {
  test('the flat object asked for', () => assertRead(FLAT));

  test('the object inside a code fence, with or without a language and prose around it', () => {
    assertRead(`\`\`\`json\n${FLAT}\n\`\`\``);
    assertRead(`\`\`\`\n${JSON.stringify(ANSWER, null, 2)}\n\`\`\``);
    assertRead(`Sure! Here you go:\n\`\`\`json\n${FLAT}\n\`\`\`\nAnything else?`);
  });

  test('the object between sentences', () => {
    assertRead(`Here are the translations: ${FLAT} Let me know if you need anything else.`);
    assertRead(`Here are the translations:\n\n${JSON.stringify(ANSWER, null, 2)}\n\nNote: I kept the {0} placeholder.`);
  });

  test('the answer, not a brace pair in the prose before it', () => {
    assertRead(`I kept {0} and {name} as they are. ${FLAT}`);
  });

  test('near-JSON that jsonrepair mends: trailing commas, single quotes, a missing comma, comments', () => {
    assertRead(`{\n  "1": "Iniciar {0}",\n  "2": "Sair \\"já\\"",\n}`);
    assertRead(`Here: {"1": "Iniciar {0}", "2": "Sair \\"já\\"",} Done.`);
    assertRead(`{'1': 'Iniciar {0}', '2': 'Sair "já"'}`);
    assertRead(`{"1": "Iniciar {0}" "2": "Sair \\"já\\""}`);
    assertRead(`{\n  // the button\n  "1": "Iniciar {0}",\n  "2": "Sair \\"já\\"" /* quoted */\n}`);
  });

  test('ids in another order', () => assertRead(`{"2": "Sair \\"já\\"", "1": "Iniciar {0}"}`));

  test('an echo of the request shape: items, items beside context, per-item objects', () => {
    assertRead(JSON.stringify({ items: ANSWER }));
    assertRead(JSON.stringify({ context: { sheet: 'UI' }, items: ANSWER }));
    assertRead(JSON.stringify({ '1': { text: ANSWER['1'] }, '2': { text: ANSWER['2'], note: 'a button' } }));
    assertRead(JSON.stringify({ context: { sheet: 'UI' }, items: { '1': { text: ANSWER['1'], key: 'btn' }, '2': ANSWER['2'] } }));
  });

  test('a lone wrapper key around the answer', () => assertRead(JSON.stringify({ translations: ANSWER })));

  test('numbers where strings were asked', () => {
    assertRead('{"1": 42, "2": 1.5}', { '1': '42', '2': '1.5' });
    assertRead('{"1": {"text": 7}, "2": "x"}', { '1': '7', '2': 'x' });
  });

  test('an id named like a wrapper is an id', () => assertRead('{"items": "Itens"}', { items: 'Itens' }, ['items']));
});

describe('parseReply stays malformed for', () => {
  test('a reply with no JSON object at all', () => {
    assertMalformed('1: Iniciar\n2: Sair', 'not_object');
    assertMalformed('1: Iniciar {0}\n2: Sair', 'bad_json');
    assertMalformed('Here is the translation: Iniciar', 'not_object');
    assertMalformed('["Iniciar {0}", "Sair"]', 'not_object');
    assertMalformed('"Iniciar"', 'not_object');
  });

  test('a reply cut off at the output limit, however well it parses', () => {
    assertMalformed(FLAT, 'truncated', { finishReason: 'length' });
  });

  test('an object never closed, even when the repair could close it', () => {
    assertMalformed('{"1": "Iniciar {0}", "2": "Sa', 'truncated');
    assertMalformed('Here: {"1": "Iniciar {0}", "2": "{0} gold and {1', 'truncated');
    assertMalformed('{"items": {"1": {"text": "Iniciar"}, "2": {"text": "Sa', 'truncated');
  });

  test('no content, saying why when the model refused', () => {
    assert.match(assertMalformed('', 'empty'), /no content/);
    assert.match(assertMalformed('', 'empty', { refusal: 'I cannot help with that.' }), /refused: I cannot help/);
    assertMalformed('  \n', 'empty');
  });

  test('missing or unknown ids', () => {
    assertMalformed('{"1": "Iniciar {0}"}', 'ids_mismatch');
    assertMalformed(`{"1": "a", "2": "b", "3": "c"}`, 'ids_mismatch');
    assertMalformed(JSON.stringify({ items: { '1': 'a' } }), 'ids_mismatch');
  });

  test('an answer that is no text', () => {
    assertMalformed('{"1": null, "2": "b"}', 'not_string');
    assertMalformed('{"1": true, "2": "b"}', 'not_string');
    assertMalformed('{"1": ["a"], "2": "b"}', 'not_string');
    assertMalformed('{"1": {"translation": "a", "note": "b"}, "2": "b"}', 'not_string');
  });
});

describe('a null content from an OpenAI-compatible server', () => {
  let server: SimulatedProvider | undefined;
  after(() => server?.close());

  test('is an empty reply (split and re-asked as malformed), not a server failure retried as a whole', async () => {
    server = await startSimulatedProvider({ faultPlan: () => 'nullContent' });
    const provider = new OpenAiCompatibleProvider({ baseUrl: server.baseUrl, apiKey: 'k', model: 'sim' });
    const got = await provider.translate({ sourceLang: 'zh', targetLang: 'pt-BR', timeoutMs: 5_000, items: [{ id: '1', text: '开始' }] });
    assert.equal(got.content, '');
    const parsed = parseReply(got, ['1']);
    assert.equal(!parsed.ok && parsed.reason, 'empty');
  });
});
