import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTranslation, type QaInput } from '../../src/qa/check-translation.ts';

const codes = (input: Partial<QaInput> & { source: string; target: string }): string[] =>
  checkTranslation({ sourceLang: 'en', targetLang: 'de', ...input }).flags.map((f) => f.code);

test('placeholders of every style must be carried over', () => {
  const cases: Array<[string, string]> = [
    ['Hello {0}, you have {1} items', 'Hallo, du hast {1} Dinge'], // C# / Unity
    ['Welcome, {name}!', 'Willkommen, {nom}!'], // named
    ['{{count}} items', '{count} Dinge'], // i18next
    ['%s got %d coins', '%s hat Münzen'], // printf
    ['%1$s attacks %2$s', '%1$s greift an'], // Java positional
    ['Replay of %1', 'Replay di 1%'], // panel-attack, Lua positional
    ['Lifetime subscription for %PRICE%', 'Langganan seumur hidup seharga %HARGA%'], // mediainfo
    ['+{1_Amount} [ICON_Strength] Strength', '+{1_Amount} Stärke'], // Civ VI tag
  ];
  for (const [source, target] of cases) assert.deepEqual(codes({ source, target }), ['placeholder_mismatch'], source);
  assert.deepEqual(codes({ source: '#1を映し出した', target: '映照出了', sourceLang: 'ja', targetLang: 'zh-CN' }), ['placeholder_mismatch']); // Elin
});

test('reordered and repeated placeholders are fine; a duplicated one is not', () => {
  assert.deepEqual(codes({ source: '{0} beat {1}', target: '{1} wurde von {0} besiegt' }), []);
  assert.deepEqual(codes({ source: '%1$s attacks %2$s', target: '%2$s wird von %1$s angegriffen' }), []);
  const flags = checkTranslation({ source: '{0} and {0}', target: '{0} und {0} und {0}', targetLang: 'de' }).flags;
  assert.deepEqual(flags.map((f) => [f.code, f.extra]), [['placeholder_mismatch', ['{0}']]]);
});

test('markup: HTML, Unity rich text, BBCode', () => {
  assert.deepEqual(codes({ source: '<b>Warning</b>: low HP', target: '<b>Warnung: wenig HP' }), ['markup_mismatch']);
  assert.deepEqual(codes({ source: '<color=#00a2ff>{0}</color> wins', target: '<color#00a2ff>{0}</color> gewinnt' }), ['markup_mismatch']);
  assert.deepEqual(codes({ source: '<align="center">Settings', target: 'Einstellungen' }), ['markup_mismatch']);
  assert.deepEqual(codes({ source: '[b]Bold[/b] move', target: '[b]Fetter Zug' }), ['markup_mismatch']);
  assert.deepEqual(codes({ source: '<size=120%>Big</size>', target: '<size=120%>Groß</size>' }), []);
  assert.deepEqual(codes({ source: 'I <3 this', target: 'Ich <3 das' }), []);
});

test('escapes and entities are soft: a wrong break or a visible entity, not a crash', () => {
  const result = checkTranslation({ source: 'Line one\\nLine two', target: 'Zeile eins Zeile zwei', targetLang: 'de' });
  assert.deepEqual(result.flags.map((f) => [f.code, f.severity]), [['escape_mismatch', 'soft']]);
  assert.equal(result.hard, false);
  assert.deepEqual(codes({ source: 'Tom &amp; Jerry', target: 'Tom & Jerry' }), ['escape_mismatch']);
});

test('a translated bracket phrase is not a new tag', () => {
  assert.deepEqual(codes({ source: '<color=blue><[マウスの右ボタン]閉じる></color>', target: '<color=blue><[RMB] close></color>', sourceLang: 'ja', targetLang: 'en' }), []);
});

test('hard flags mark the result hard and cost the score most', () => {
  const result = checkTranslation({ source: 'Score: {0}', target: 'Punkte:', targetLang: 'de' });
  assert.equal(result.hard, true);
  assert.ok(result.score <= 40, String(result.score));
  assert.deepEqual(checkTranslation({ source: 'Score: {0}', target: 'Punkte: {0}', targetLang: 'de' }), { flags: [], hard: false, score: 100 });
});

test('real line breaks: a flattened multi-line text is flagged, a rewrap is not', () => {
  assert.deepEqual(codes({ source: 'Line 1\nLine 2\nLine 3', target: 'Zeile 1 Zeile 2 Zeile 3' }), ['line_breaks_differ']);
  assert.deepEqual(codes({ source: 'Two lines\nhere', target: 'Zwei Zeilen hier' }), []);
  assert.deepEqual(codes({ source: 'A\nB\nC\nD', target: 'A\nB C\nD' }), []);
});
