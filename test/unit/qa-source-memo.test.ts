/**
 * A check can remember what it worked out about each source text (SourceMemo: `fanyi check`
 * checks every source cell once per translation column), and every check of one call shares the
 * analysis of both texts (TextFacts). Remembering must change nothing: the same flags, score and
 * messages as a fresh check, whatever was checked before and in what order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTranslation, type QaInput } from '../../src/qa/check-translation.ts';
import { SourceMemo } from '../../src/qa/text-facts.ts';

/** Sources, each with translations into several languages: clean ones and ones every check flags. */
const CASES: Array<[source: string, targets: Array<[lang: string, target: string]>]> = [
  ['Level {0}', [['de', 'Stufe {0}'], ['de', 'Stufe'], ['th', 'ระดับ {0}'], ['ja', 'レベル{1}']]],
  ['Gold: %s (%1$d left)', [['de', 'Gold: %s (%1$d übrig)'], ['fr', 'Or : %s'], ['vi', 'Vàng: %s (còn %1$d)'], ['vi', 'Vang: %s (con %1$d)']]],
  ['Hello {{name}}, <b>welcome</b> [color=red]back[/color]!\\n', [['de', 'Hallo {{name}}, <b>willkommen</b> [color=red]zurück[/color]!\\n'], ['de', 'Hallo {{name}}, willkommen zurück!'], ['pt-BR', 'Olá {name}, <b>bem-vindo</b> de volta!\\n']]],
  ['Tom &amp; Jerry', [['de', 'Tom &amp; Jerry'], ['de', 'Tom & Jerry'], ['th', 'Tom &amp; Jerry']]],
  ['{count, plural, one {# item} other {# items}}', [['de', '{count, plural, one {# Artikel} other {# Artikel}}'], ['ru', '{count, plural, one {# предмет} other {# предметов}}'], ['de', '{count, plural, one {# Artikel}']]],
  ['{n, plural, =0 {No items} other {{n} items}}', [['de', '{n, plural, =0 {Keine} other {{n} Artikel}}'], ['de', '{n, plural, other {{n} Artikel}}']]],
  ['Deals 1,000 damage over 2.5 seconds', [['de', 'Verursacht 1.000 Schaden über 2,5 Sekunden'], ['de', 'Verursacht 100 Schaden über 2,5 Sekunden'], ['fr', 'Inflige 1 000 dégâts en 2,5 secondes'], ['ja', '2.5秒間で1000ダメージ']]],
  ['造成 3 次伤害', [['ja', '三回ダメージを与える'], ['en', 'Deals damage three times'], ['en', 'Deals damage 4 times'], ['th', 'สร้างความเสียหาย 3 ครั้ง']]],
  ['Two armatures', [['ja', '2つのアーマチュア'], ['de', 'Zwei Armaturen']]],
  ['Supports MD5 and 3D', [['de', 'Unterstützt MD% und 三维'], ['de', 'Unterstützt MD5 und 3D'], ['zh-CN', '支持 MD5 和三维']]],
  ['ＨＰ１００', [['de', 'HP100'], ['de', 'HP 10']]],
  ['Open the settings menu to change the language', [['th', 'Open the settings menu to change the language'], ['de', 'Open the settings menu to change the language'], ['th', 'เปิดเมนูการตั้งค่าเพื่อเปลี่ยนภาษา'], ['th', 'Open the settings menu เพื่อเปลี่ยนภาษา']]],
  ['VRChat', [['th', 'VRChat'], ['ja', 'VRChat'], ['ko', 'VRChat']]],
  ['Easy', [['th', 'EASY'], ['de', 'Einfach']]],
  ['Start the game', [['th', 'Start the game'], ['ru', 'Начать игру'], ['ru', 'Start igru'], ['vi', 'Bat dau tro choi']]],
  [' Score: ', [['de', ' Punkte: '], ['de', 'Punkte:'], ['ja', 'スコア：']]],
  ['Line one\nLine two\nLine three', [['de', 'Zeile eins\nZeile zwei\nZeile drei'], ['de', 'Zeile eins Zeile zwei Zeile drei']]],
  ['Save file', [['de', 'Datei speichern'], ['de', 'Datei speichern ???'], ['de', 'Ã¤ndern']]],
  ['%PRICE% for $t(item.name) #1', [['de', '%PRICE% für $t(item.name) #1'], ['de', 'PRICE für item.name #2']]],
  ['物品 123 的描述：造成 %d 点伤害', [['pt-BR', 'Descrição do item 123: causa %d de dano'], ['th', 'คำอธิบายไอเทม 123: สร้างความเสียหาย %d'], ['vi', 'Mô tả vật phẩm 123: gây %d sát thương'], ['vi', 'Mô tả vật phẩm 124: gây sát thương']]],
  ['常用文本 7 {0}', [['pt-BR', 'Texto comum 7 {0}'], ['th', 'ข้อความทั่วไป 7 {0}'], ['vi', 'Văn bản thông dụng 7'], ['th', '常用文本 7 {0}']]],
  ['   ', [['de', 'x']]],
  ['Empty answer', [['de', ''], ['de', '   ']]],
];

function inputs(): QaInput[] {
  const all: QaInput[] = [];
  for (const [source, targets] of CASES) {
    for (const [targetLang, target] of targets) {
      all.push({ source, target, sourceLang: /[\u4e00-\u9fff]/.test(source) ? 'zh-CN' : 'en', targetLang });
      all.push({ source, target, sourceLang: 'en', targetLang, maxLength: 12 });
      all.push({ source, target });
    }
  }
  return all;
}

test('a memoised check gives the same flags, score and messages as a fresh one, in any order', () => {
  const all = inputs();
  const fresh = all.map((input) => checkTranslation(input));
  assert.ok(fresh.some((r) => r.flags.length > 1) && fresh.some((r) => !r.flags.length), 'the cases raise flags and pass clean');
  for (const order of [all.map((_, i) => i), all.map((_, i) => all.length - 1 - i), all.map((_, i) => (i * 7) % all.length)]) {
    const memo = new SourceMemo();
    for (let round = 0; round < 2; round++) {
      for (const i of order) assert.deepEqual(checkTranslation({ ...all[i], memo }), fresh[i], `${all[i].source} → ${all[i].target} (${all[i].targetLang})`);
    }
    assert.equal(memo.size, new Set(all.filter((i) => i.source.trim() && i.target.trim()).map((i) => i.source)).size, 'one entry per source text');
  }
});

test('a full memo drops its oldest half and still answers the same', () => {
  const all = inputs();
  const memo = new SourceMemo(4);
  for (const input of [...all, ...all]) assert.deepEqual(checkTranslation({ ...input, memo }), checkTranslation(input));
  assert.ok(memo.size <= 4);
});

test('the memo keeps one analysis per source text', () => {
  const memo = new SourceMemo();
  const first = memo.of('Level {0}');
  assert.equal(memo.of('Level {0}'), first);
  assert.deepEqual(first.placeholders.map((p) => p.token), ['{0}']);
  assert.notEqual(memo.of('Level {1}'), first);
});
