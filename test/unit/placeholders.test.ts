import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPlaceholders, placeholderMultiset, samePlaceholders } from '../../src/qa/placeholders.ts';

const tokens = (text: string): string[] => findPlaceholders(text).map((found) => found.token);
const kinds = (text: string): string[] => findPlaceholders(text).map((found) => `${found.kind} ${found.token}`);

test('finds format placeholders of each style', () => {
  const cases: Array<[string, string[]]> = [
    ['Hello {0}, you have {1} items', ['brace {0}', 'brace {1}']], // C#
    ['Cost: {0:N2} gold, {0, 2} left, {} more', ['brace {0:N2}', 'brace {0, 2}', 'brace {}']],
    ['Camera boost: +{0}%', ['brace {0}']], // Elin, % is prose
    ['Fix {location} at {uvcoord}', ['brace {location}', 'brace {uvcoord}']], // cats-blender
    ['%1$s attacks %2$d times', ['printf %1$s', 'printf %2$d']], // Java
    ['%s got %d coins (%.2f%%) %5d %i %@', ['printf %s', 'printf %d', 'printf %.2f', 'printf %%', 'printf %5d', 'printf %i', 'printf %@']],
    ['You have {count} new messages', ['brace {count}']], // ICU-ish
    ['{{count}} items, see $t(common.more)', ['double-brace {{count}}', 'nesting $t(common.more)']], // i18next
    ['Welcome back, %1', ['positional %1']], // panel-attack
    ['""%1"" beat %2', ['positional %1', 'positional %2']],
    ['%appdata%\\Panel Attack\\puzzles', ['percent-name %appdata%']], // \P is not an escape
    ['Lifetime subscription for %PRICE% (%MI_VERSION%)', ['percent-name %PRICE%', 'percent-name %MI_VERSION%']],
    ['#1を映し出した', ['hash #1']], // Elin
    ['映照出了 #1', ['hash #1']],
    ['Line one\\nLine two\\t\\"quoted\\"', ['escape \\n', 'escape \\t', 'escape \\"', 'escape \\"']],
    ['Tom &amp; Jerry &lt;3 &#39;hi&#39; &nbsp;', ['entity &amp;', 'entity &lt;', 'entity &#39;', 'entity &#39;', 'entity &nbsp;']],
    ['Version %d.%d.%d', ['printf %d', 'printf %d', 'printf %d']],
  ];
  assert.deepEqual(cases.map(([text]) => [text, kinds(text)]), cases);
});

test('finds markup, BBCode and engine tags', () => {
  const cases: Array<[string, string[]]> = [
    ['<color=#00a2ff>{0}</color> wins', ['markup <color=#00a2ff>', 'brace {0}', 'markup </color>']], // Unity TMP
    ['<align="center">Settings', ['markup <align="center">']],
    ['<size=120%>Big</size>', ['markup <size=120%>', 'markup </size>']],
    ['<b>Bold</b><br />next<br/><I>it</I>', ['markup <b>', 'markup </b>', 'markup <br />', 'markup <br/>', 'markup <I>', 'markup </I>']],
    ['<a href="http://x.y">link</a>', ['markup <a href="http://x.y">', 'markup </a>']],
    ['<sprite name="coin"> <#ff0000>red', ['markup <sprite name="coin">', 'markup <#ff0000>']],
    ['[color=lime]+5[/color] damage', ['bbcode [color=lime]', 'bbcode [/color]']], // Godot
    ['[b]Bold[/b] [url=https://x.y/z]site[/url] [wave amp=50]hi[/wave]',
      ['bbcode [b]', 'bbcode [/b]', 'bbcode [url=https://x.y/z]', 'bbcode [/url]', 'bbcode [wave amp=50]', 'bbcode [/wave]']],
    ['+{1_Amount} [ICON_Strength] Combat Strength [NEWLINE]', ['brace {1_Amount}', 'bracket-tag [ICON_Strength]', 'bracket-tag [NEWLINE]']],
  ];
  assert.deepEqual(cases.map(([text]) => [text, kinds(text)]), cases);
});

test('ignores look-alikes in prose', () => {
  for (const text of [
    'I <3 this addon', '100% sure', '50% off', '50%off today', 'Written in C# and C++', '<missing>',
    '<Player Name> joined', 'if x<y and y>z', '[Note] see below', 'Press [A]', '[Ok]', '{count, plural, one {# item}}',
    'Replay di 1%', 'Up to %50 indirim', 'R&D and AT&T', 'Back\\Slash', 'Real\nnewline', '#hashtag', '#1st place', '',
  ]) {
    assert.deepEqual(tokens(text), [], text);
  }
});

test('reports positions and kinds', () => {
  assert.deepEqual(findPlaceholders('Hi {name}!'), [{ start: 3, end: 9, token: '{name}', kind: 'brace' }]);
  const text = 'a %1 b <b>c</b>';
  for (const found of findPlaceholders(text)) assert.equal(text.slice(found.start, found.end), found.token);
});

test('placeholderMultiset counts repeats', () => {
  assert.deepEqual(placeholderMultiset('{0} and {0} and %s'), new Map([['{0}', 2], ['%s', 1]]));
  assert.deepEqual(placeholderMultiset('no tokens'), new Map());
});

test('samePlaceholders accepts reordering and catches real defects', () => {
  assert.deepEqual(samePlaceholders('{0} beat {1}', '{1} wurde von {0} besiegt'), { ok: true, missing: [], extra: [] });
  // mediainfo Lifetime_Subscribe_Button (id) and Subscribe_Button (it)
  assert.deepEqual(samePlaceholders('Lifetime subscription for %PRICE%', 'Langganan seumur hidup seharga %HARGA%'),
    { ok: false, missing: ['%PRICE%'], extra: ['%HARGA%'] });
  assert.deepEqual(samePlaceholders('Subscribe (%PRICE% for one year)', 'Abbonamento (%PICE% per un anno)'),
    { ok: false, missing: ['%PRICE%'], extra: ['%PICE%'] });
  // panel-attack mm_replay_of (it)
  assert.deepEqual(samePlaceholders('Replay of %1', 'Replay di 1%'), { ok: false, missing: ['%1'], extra: [] });
  assert.deepEqual(samePlaceholders('<b>{0}</b>', '<b>{0}</b> {0}'), { ok: false, missing: [], extra: ['{0}'] });
  assert.deepEqual(samePlaceholders('<color=#00a2ff>{0}</color>', '{0}'),
    { ok: false, missing: ['<color=#00a2ff>', '</color>'], extra: [] });
});
