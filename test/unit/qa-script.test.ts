import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTranslation } from '../../src/qa/check-translation.ts';

const codes = (source: string, target: string, targetLang: string, sourceLang = 'en'): string[] =>
  checkTranslation({ source, target, sourceLang, targetLang }).flags.map((f) => f.code);

test('each language in its own script', () => {
  const good: Array<[string, string, string]> = [
    ['Start game', 'เริ่มเกม', 'th'], ['Start game', 'Bắt đầu trò chơi', 'vi'], ['Start game', '게임 시작', 'ko'],
    ['Start game', 'ゲームを始める', 'ja'], ['Settings', '設定', 'ja'], ['Start game', '开始游戏', 'zh-CN'],
    ['Start game', 'Начать игру', 'ru'], ['Start game', 'ابدأ اللعبة', 'ar'], ['ゲームを始める', 'Start game', 'en'],
  ];
  for (const [source, target, lang] of good) assert.deepEqual(codes(source, target, lang, lang === 'en' ? 'ja' : 'en'), [], `${lang}: ${target}`);
  const bad: Array<[string, string, string]> = [
    ['Start the game now', 'Commencer la partie', 'th'], // another language in the Thai column
    ['Start the game now', 'Bat dau tro choi ngay', 'vi'], // Vietnamese without diacritics
    ['Start game', 'ゲームを始める', 'zh-CN'], // Japanese in a Chinese column
    ['Tigrinya', 'ภาษาไทย', 'ar'], // mediainfo: Thai in the Arabic column
  ];
  for (const [source, target, lang] of bad) assert.ok(codes(source, target, lang).includes('wrong_script'), `${lang}: ${target}`);
  // Japanese left in the English column (its markup lost too): a Latin-script target is judged as well.
  assert.deepEqual(codes('通常の<color=#ff1919ff>インポスター</color>', '通常のインポスター', 'en', 'ja'), ['markup_mismatch', 'wrong_script']);
});

test('brand names, acronyms, addresses and short texts are not judged', () => {
  const cases: Array<[string, string, string]> = [
    ['Open Steam overlay', 'เปิด Steam overlay', 'th'], // copied words
    ['Fix model for VRChat', 'VRChat用にモデルを修正', 'ja'],
    ['Feilen, Jordo, Ruubick, Shotariya and Neitri', 'Feilen、Jordo、Ruubick、ShotariyaとNeitri', 'ja'], // cats-blender
    ['Music volume', 'BGM音量', 'ja'], ['Show FPS', 'FPS表示', 'ja'], ['Press Start again to resume', 'STARTで再開', 'ja'],
    ['Contact', 'info@example.com', 'ko'], ['ltr', 'rtl', 'he'], ['OK', 'OK', 'th'], ['HP', 'HP', 'ja'], ['12345', '12345', 'th'],
    ['Show Attacks', 'แสดง attack animation ของ telegraph', 'th'], // English jargon inside Thai: still Thai
  ];
  for (const [source, target, lang] of cases) assert.deepEqual(codes(source, target, lang), [], `${lang}: ${target}`);
});

test('language names: a column naming its own language, autonyms in a language list', () => {
  assert.deepEqual(codes('English', 'Russian', 'ru'), []); // Polyglot's LANGUAGE row
  assert.deepEqual(codes('English', 'Simplified Chinese', 'zh-CN'), []);
  assert.deepEqual(codes('German', 'Deutsch', 'ar'), []); // mediainfo: languages by their own name
  assert.deepEqual(codes('Ukrainian', 'українська', 'ar'), []);
});

test('identical to the source across scripts is untranslated', () => {
  assert.deepEqual(codes('Options', 'Options', 'th'), ['untranslated']); // panel-attack TH
  assert.deepEqual(codes('Stage 100% | Character 0%', 'Stage 100% | Character 0%', 'th'), ['untranslated']);
  assert.deepEqual(codes('Language info', 'Language info', 'fa'), ['untranslated']); // mediainfo FA
  assert.deepEqual(codes('言語', '言語', 'en', 'ja'), ['untranslated']);
  for (const [source, target] of [['VRChat', 'VRChat'], ['2P VS', '2P VS'], ['Easy', 'EASY'], ['PMX', 'PMX'], ['http://MediaArea.net', 'http://MediaArea.net']]) {
    assert.deepEqual(codes(source, target, 'ja'), [], target);
  }
});

test('identical within one script only for real phrases', () => {
  assert.deepEqual(codes('Menu', 'Menu', 'fr'), []);
  assert.deepEqual(codes('Normal', 'Normal', 'de'), []);
  assert.deepEqual(codes('Spanish (Latin America)', 'Spanish (Latin America)', 'fr'), ['untranslated']); // mediainfo FR
  assert.deepEqual(codes('Go to the web site of a player', 'Go to the web site of a player', 'sk'), ['untranslated']);
  assert.deepEqual(codes('設定', '設定', 'zh-CN', 'ja'), []); // kanji shared by Japanese and Chinese
  // A "source" cell that is itself English (log text in a JP column) copied into the EN column.
  assert.deepEqual(codes('failed to load sound {0}', 'failed to load sound {0}', 'en', 'ja'), []);
  assert.deepEqual(codes('Bonjour', 'Bonjour', 'en-GB', 'en-US'), []);
});
