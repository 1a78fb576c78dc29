import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pseudoLocalize } from '../../src/llm/providers/pseudo-localize.ts';
import { placeholderMultiset } from '../../src/qa/placeholders.ts';

const SOURCES = [
  'Hello {0}!',
  'Welcome back, %1',
  '%appdata%\\Panel Attack\\puzzles',
  '<color=#00a2ff>{0}</color> wins #1st place with %1$s and %.2f%%',
  '[color=lime]+5[/color] [ICON_Strength] {{count}} $t(key) Tom &amp; Jerry\\n',
  'Lifetime subscription for %PRICE%',
  '<missing> <Player Name> 50%off #hashtag',
  '#1を映し出した',
  'I <3 this',
  'A long dialog line that keeps going so that it is clearly longer than one hundred characters in total length.',
];

test('keeps every placeholder byte-identical', () => {
  for (const source of SOURCES) {
    const pseudo = pseudoLocalize(source, 'pt-BR');
    assert.deepEqual(placeholderMultiset(pseudo), placeholderMultiset(source), `${source} → ${pseudo}`);
  }
});

test('accents letters, brackets and labels the text', () => {
  assert.equal(pseudoLocalize('Hello {0}!', 'pt-BR'), '[pt-BR: Ĥéļļö {0}!···]');
  assert.equal(pseudoLocalize('<b>Hi</b>', 'vi'), '[vi: <b>Ĥí</b>···]');
  assert.equal(pseudoLocalize('Hi', ''), '[Ĥí·]');
  assert.notEqual(pseudoLocalize('Hello', 'th'), pseudoLocalize('Hello', 'vi'));
  assert.doesNotMatch(pseudoLocalize('Quick brown fox', 'de').slice('[de: '.length), /[A-Za-z]/);
});

test('keeps leading and trailing whitespace outside the brackets', () => {
  assert.equal(pseudoLocalize('  \nLeaderboard\n', 'ja'), '  \n[ja: Ļéáďéŕƀöáŕď····]\n');
  assert.equal(pseudoLocalize(' a\nb ', 'ja'), ' [ja: á\nƀ·] ');
  assert.equal(pseudoLocalize('', 'ja'), '');
  assert.equal(pseudoLocalize('  \n\t ', 'ja'), '  \n\t ');
});

test('is deterministic and longer than the source', () => {
  for (const source of SOURCES) {
    const pseudo = pseudoLocalize(source, 'fr');
    assert.equal(pseudoLocalize(source, 'fr'), pseudo);
    const filler = pseudo.length - source.length - '[fr: ]'.length;
    assert.ok(filler >= Math.floor(source.length * 0.15), `${source}: ${filler} filler characters`);
  }
  const short = pseudoLocalize('Start game', 'fr');
  assert.equal(short, '[fr: Šţáŕţ ĝáɱé···]');
});
