import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTranslation } from '../../src/qa/check-translation.ts';
import { parseIcu } from '../../src/qa/icu-message.ts';

const flagsOf = (source: string, target: string, targetLang: string) =>
  checkTranslation({ source, target, sourceLang: 'en', targetLang }).flags.map((f) => `${f.code}${f.missing ? ` -${f.missing.join(',')}` : ''}`);

const PLURAL = 'You have {count, plural, one {# new message} other {# new messages}} from {name}';

test('parses plural, select, nesting and quoting', () => {
  const message = parseIcu("{g, select, male {He} female {She} other {They}} sent {n, plural, =0 {nothing} one {# gift} other {# gifts}} '{'literal'}'");
  assert.deepEqual(message?.choices.map((c) => [c.name, c.type, c.keys]), [['g', 'select', ['male', 'female', 'other']], ['n', 'plural', ['=0', 'one', 'other']]]);
  assert.equal(parseIcu('{n, plural, one {# item} other {# items}'), undefined);
  assert.equal(parseIcu('{n, plural, one {# item} other {# items}}}'), undefined);
});

test('plural categories follow the target language, not the source', () => {
  // Japanese has only "other"; Russian needs one/few/many/other.
  assert.deepEqual(flagsOf(PLURAL, '{name}から{count, plural, other {#件の新しいメッセージ}}があります', 'ja'), []);
  const russian = 'У вас {count, plural, one {# новое сообщение} few {# новых сообщения} many {# новых сообщений} other {# новых сообщения}} от {name}';
  assert.deepEqual(flagsOf(PLURAL, russian, 'ru'), []);
  const russianShort = 'У вас {count, plural, one {# новое сообщение} other {# новых сообщений}} от {name}';
  assert.deepEqual(flagsOf(PLURAL, russianShort, 'ru'), ['icu_plural_categories -few,many']);
});

test('broken structure is hard', () => {
  assert.deepEqual(flagsOf(PLURAL, 'Sie haben {count, plural, one {# neue Nachricht} other {# neue Nachrichten} von {name}', 'de'), ['icu_structure']);
  assert.deepEqual(flagsOf(PLURAL, 'Sie haben {anzahl, plural, one {# neue Nachricht} other {# neue Nachrichten}} von {name}', 'de'), ['icu_structure -{count, plural}']);
  assert.deepEqual(flagsOf(PLURAL, 'Sie haben {count, plural, one {# neue Nachricht}} von {name}', 'de'), ['icu_structure']);
  const select = '{g, select, male {He} female {She} other {They}} won';
  assert.deepEqual(flagsOf(select, '{g, select, männlich {Er} weiblich {Sie} other {Sie}} hat gewonnen', 'de'), ['icu_structure -male,female']);
  assert.equal(checkTranslation({ source: select, target: '{g, select, male {Er} female {Sie}} gewann', targetLang: 'de' }).hard, true);
});

test('arguments inside branches are compared as a set, not per branch', () => {
  assert.deepEqual(flagsOf(PLURAL, 'Sie haben {count, plural, one {# neue Nachricht} other {# neue Nachrichten}} von {name}', 'de'), []);
  assert.deepEqual(flagsOf(PLURAL, 'Sie haben {count, plural, one {# neue Nachricht} other {# neue Nachrichten}}', 'de'), ['placeholder_mismatch -{name}']);
  const explicit = '{n, plural, =0 {No items} one {# item} other {# items}}';
  assert.deepEqual(flagsOf(explicit, '{n, plural, one {# Ding} other {# Dinge}}', 'de'), ['icu_plural_categories -=0']);
});
