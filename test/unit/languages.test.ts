import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bestLanguageMatch,
  detectScript,
  expectedScript,
  guessLanguageFromTexts,
  isValidLanguageCode,
  languageDisplayName,
  languageFromHeader,
  languagesMatch,
  normalizeLanguageCode,
} from '../../src/workbook/languages.ts';

/** Asserts languageFromHeader over a header row; `undefined` marks a non-language column. */
function assertHeaders(expected: Array<[string, string | undefined]>): void {
  const actual = expected.map(([header]) => [header, languageFromHeader(header)]);
  assert.deepEqual(actual, expected);
}

test('normalizeLanguageCode canonicalizes codes and game aliases', () => {
  const cases: Array<[string, string | undefined]> = [
    ['pt_br', 'pt-BR'], ['pt-br', 'pt-BR'], ['en_US', 'en-US'], ['zh_cn', 'zh-CN'], ['th_TH', 'th-TH'],
    ['cs_CZ', 'cs-CZ'], ['fr', 'fr'], [' vi ', 'vi'], ['zh-Hans', 'zh-Hans'],
    ['CH', 'zh-CN'], ['CN', 'zh-CN'], ['CHS', 'zh-CN'], ['SC', 'zh-CN'], ['ZH', 'zh-CN'],
    ['CHT', 'zh-TW'], ['TC', 'zh-TW'], ['TW', 'zh-TW'], ['ZHTW', 'zh-TW'],
    ['EN', 'en'], ['PT', 'pt'], ['BR', 'pt-BR'], ['TH', 'th'], ['VN', 'vi'], ['vn', 'vi'], ['JP', 'ja'],
    ['KR', 'ko'], ['GE', 'de'], ['DE', 'de'], ['FR', 'fr'], ['ES', 'es'], ['IT', 'it'], ['RU', 'ru'],
    ['ID', 'id'], ['id', 'id'], ['in', 'id'], ['AR', 'ar'], ['TR', 'tr'], ['PL', 'pl'], ['GR', 'el'], ['gr', 'el'],
    // Lower-case spellings that are other real languages keep their BCP-47 meaning.
    ['kr', 'kr'], ['br', 'br'],
    ['xx', undefined], ['english', undefined], ['pt-XX9', undefined], ['pt-XX', undefined], ['', undefined],
    ['und', undefined], ['zxx', undefined], ['key', undefined], ['text', undefined], ['Language_ISO639', undefined],
  ];
  assert.deepEqual(cases.map(([input]) => [input, normalizeLanguageCode(input)]), cases);
});

test('isValidLanguageCode accepts real tags and rejects the rest', () => {
  for (const code of ['pt-BR', 'zh-Hans', 'sr-Latn', 'vi', 'th', 'id', 'es-419', 'zh-Hant-TW']) {
    assert.equal(isValidLanguageCode(code), true, code);
  }
  for (const code of ['xx', 'english', 'pt-XX9', 'pt-XX', 'zh-Abcd', '', 'und', 'en US']) {
    assert.equal(isValidLanguageCode(code), false, code);
  }
});

test('languageDisplayName gives the standard English name', () => {
  assert.equal(languageDisplayName('pt-BR'), 'Portuguese (Brazil)');
  assert.equal(languageDisplayName('pt_br'), 'Portuguese (Brazil)');
  assert.equal(languageDisplayName('vi'), 'Vietnamese');
  assert.equal(languageDisplayName('zh-CN'), 'Chinese (China)');
  assert.equal(languageDisplayName('zh-TW'), 'Chinese (Taiwan)');
  assert.equal(languageDisplayName('JP'), 'Japanese');
  assert.equal(languageDisplayName('not a code'), 'not a code');
});

test('languageFromHeader reads codes in any case and separator', () => {
  assertHeaders([
    ['pt_br', 'pt-BR'], ['PT-BR', 'pt-BR'], ['en_US', 'en-US'], ['zh_cn', 'zh-CN'], ['JP', 'ja'], ['jp', 'ja'],
    ['ZHTW', 'zh-TW'], ['IT', 'it'], ['no', 'no'], ['NO', 'no'], ['in', 'id'], ['id-ID', 'id-ID'], ['id_ID', 'id-ID'],
    ['eng', 'en'], ['JPN', 'ja'],
  ]);
});

test('languageFromHeader reads English and native names', () => {
  assertHeaders([
    ['Portuguese', 'pt'], ['Brazilian Portuguese', 'pt-BR'], ['Thai', 'th'], ['Vietnamese', 'vi'],
    ['Chinese', 'zh-CN'], ['Simplified Chinese', 'zh-CN'], ['Traditional Chinese', 'zh-TW'], ['Schinese', 'zh-CN'],
    ['Tchinese', 'zh-TW'], ['Japanese', 'ja'], ['Korean', 'ko'], ['English', 'en'], ['Indonesia', 'id'],
    ['Indonesian', 'id'], ['French', 'fr'], ['German', 'de'], ['Spanish', 'es'], ['Russian', 'ru'], ['Italian', 'it'],
    ['Arabic', 'ar'], ['Turkish', 'tr'], ['Polish', 'pl'], ['Dutch', 'nl'], ['Welsh', 'cy'], ['SPANISH', 'es'],
    ['Português', 'pt'], ['ไทย', 'th'], ['Tiếng Việt', 'vi'], ['Tieng Viet', 'vi'], ['中文', 'zh-CN'],
    ['简体中文', 'zh-CN'], ['繁體中文', 'zh-TW'], ['日本語', 'ja'], ['한국어', 'ko'], ['Español', 'es'],
    ['Français', 'fr'], ['Deutsch', 'de'], ['Русский', 'ru'], ['Bahasa Indonesia', 'id'], ['英文', 'en'],
    ['中文（简体）', 'zh-CN'], ['Chinese (Simplified)', 'zh-CN'], ['Chinese (Taiwan)', 'zh-TW'],
    ['Spanish (Latin America)', 'es-419'],
  ]);
});

test('languageFromHeader reads affixed headers', () => {
  assertHeaders([
    ['text_JP', 'ja'], ['name_JP', 'ja'], ['text_EN', 'en'], ['text_ZHTW', 'zh-TW'], ['text_CN', 'zh-CN'],
    ['Text (pt-BR)', 'pt-BR'], ['PT-BR Translation', 'pt-BR'], ['Translation_vi', 'vi'], ['English (US)', 'en-US'],
    ['Portuguese - Brazil', 'pt-BR'], ['textPhase_JP', 'ja'], ['roomName_JP', 'ja'], ['text_IT', 'it'],
  ]);
});

test('languageFromHeader leaves key, note and data columns alone', () => {
  const headers = [
    'id', 'ID', 'Id', 'key', 'KEY', 'CODE', 'name', 'text', 'Context for translation', 'note', 'comment',
    'description', 'type', 'step', 'jump', 'if', 'action', 'param', 'actor', 'version', 'filter', 'field name',
    'Score', 'Summary', 'Text', 'Time', 'ProductId', '  Language_ISO639', 'No.', 'No', 'To', 'Translation', '',
    // Elin stat columns and Luban meta headers.
    'LV', 'DV', 'PER', 'CHA', 'INT', 'STR', 'aka', 'fur', 'sex', 'tiles_snow', '##var', 'x8_escaped', 'Japanese English',
  ];
  assert.deepEqual(headers.filter((header) => languageFromHeader(header) !== undefined), []);
});

test('languageFromHeader maps the headers of the real files', () => {
  // panel-attack/localization.csv
  assertHeaders([
    ['CODE', undefined], ['Context for translation', undefined], ['EN', 'en'], ['FR', 'fr'], ['PT', 'pt'],
    ['JP', 'ja'], ['ES', 'es'], ['GE', 'de'], ['IT', 'it'], ['TH', 'th'],
  ]);
  // polyglot-gamedev/PolyglotGamedev.csv
  assertHeaders([
    ['KEY', undefined], ['en_US', 'en-US'], ['fr', 'fr'], ['es', 'es'], ['de', 'de'], ['it', 'it'], ['pt', 'pt'],
    ['ru', 'ru'], ['el', 'el'], ['tr', 'tr'], ['da', 'da'], ['no', 'no'], ['sv', 'sv'], ['nl', 'nl'], ['pl', 'pl'],
    ['fi', 'fi'], ['ja', 'ja'], ['zh_cn', 'zh-CN'], ['zh_tw', 'zh-TW'], ['ko', 'ko'], ['cs_CZ', 'cs-CZ'],
    ['hu_HU', 'hu-HU'], ['ro_RO', 'ro-RO'], ['th_TH', 'th-TH'], ['bg_BG', 'bg-BG'], ['he_IL', 'he-IL'], ['ar', 'ar'],
    ['bs_BA', 'bs-BA'],
  ]);
  // mediainfo/Language.csv
  const mediainfo = ('ar be bg ca cs da de en es eu fa fr gl gr hu id it ja ko lt nl pl pt pt-BR ro ru sk sq sv th tr uk ' +
    'zh-CN zh-HK zh-TW hr hy ka').split(' ');
  // Its Indonesian column is headed `id`, which reads as a key column like everywhere else.
  const expected = (code: string): string | undefined => (code === 'id' ? undefined : code === 'gr' ? 'el' : code);
  assertHeaders([['  Language_ISO639', undefined], ...mediainfo.map((code): [string, string | undefined] => [code, expected(code)])]);
  // cats-blender-plugin, elin donakoko, moefight, defra, ultimatemods, amazon reviews
  assertHeaders([['name', undefined], ['en_US', 'en-US'], ['ja_JP', 'ja-JP'], ['ko_KR', 'ko-KR']]);
  assertHeaders([
    ['step', undefined], ['jump', undefined], ['if', undefined], ['action', undefined], ['param', undefined],
    ['actor', undefined], ['version', undefined], ['id', undefined], ['text_JP', 'ja'], ['text_EN', 'en'],
    ['text_ZHTW', 'zh-TW'], ['text_CN', 'zh-CN'], ['text', undefined],
  ]);
  assertHeaders([['Id', undefined], ['English', 'en'], ['Chinese', 'zh-CN'], ['Japanese', 'ja']]);
  assertHeaders([['field name', undefined], ['en', 'en'], ['cy', 'cy']]);
  assertHeaders([
    ['key', undefined], ['Japanese', 'ja'], ['English', 'en'], ['Schinese', 'zh-CN'], ['Indonesia', 'id'],
  ]);
  const reviews = ['Id', 'ProductId', 'UserId', 'ProfileName', 'HelpfulnessNumerator', 'HelpfulnessDenominator',
    'Score', 'Time', 'Summary', 'Text'];
  assertHeaders(reviews.map((header): [string, undefined] => [header, undefined]));
});

test('languagesMatch scores exact, compatible and conflicting tags', () => {
  const cases: Array<[string, string, number]> = [
    ['pt-BR', 'pt-BR', 3], ['pt-br', 'pt_BR', 3], ['vi', 'VI', 3],
    ['pt-BR', 'pt', 2], ['pt', 'pt-BR', 2], ['vi', 'vi-VN', 2], ['th', 'th-TH', 2], ['zh', 'zh-TW', 2],
    ['zh-CN', 'zh-Hans', 3], ['zh-TW', 'zh-Hant', 3], ['zh-HK', 'zh-Hant', 2], ['nb', 'no', 2],
    ['pt-BR', 'pt-PT', 0], ['zh-CN', 'zh-TW', 0], ['zh-Hans', 'zh-Hant', 0], ['zh-HK', 'zh-TW', 0],
    ['sr-Latn', 'sr-Cyrl', 0], ['en-US', 'en-GB', 0], ['vi', 'th', 0], ['pt-BR', 'es', 0], ['ja', 'JP', 3],
  ];
  assert.deepEqual(cases.map(([a, b]) => [a, b, languagesMatch(a, b)]), cases);
});

test('bestLanguageMatch takes the highest score, the first of equals, and nothing at 0', () => {
  const best = (codes: string[], requested: string) => bestLanguageMatch(codes.map((code, i) => ({ code, i })), requested, (c) => c.code)?.i;
  assert.equal(best(['pt', 'pt-BR'], 'pt-BR'), 1); // 3 beats an earlier 2
  assert.equal(best(['pt-BR', 'pt'], 'pt-BR'), 0);
  assert.equal(best(['pt', 'pt-PT'], 'pt-BR'), 0); // pt-PT scores 0, bare pt 2
  assert.equal(best(['zh-TW', 'zh', 'zh-Hant'], 'zh-HK'), 1); // two 2s: the first wins
  assert.equal(best(['pt-PT', 'es'], 'pt-BR'), undefined);
  assert.equal(best([], 'pt-BR'), undefined);
});

test('detectScript finds the dominant script and ignores markup', () => {
  const cases: Array<[string, string | undefined]> = [
    ['Hello {0}, welcome back', 'Latn'], ['สวัสดี {0}', 'Thai'], ['Xin chào, %1', 'Latn'],
    ['設定を保存しますか？', 'Jpan'], ['マップの設定', 'Jpan'], ['设置', 'Hani'], ['哈利・波特', 'Hani'],
    ['설정 저장', 'Hang'], ['Сохранить настройки', 'Cyrl'], ['حفظ الإعدادات', 'Arab'], ['שמור', 'Hebr'],
    ['Αποθήκευση', 'Grek'], ['सेटिंग्स', 'Deva'], ['<color=#00a2ff>{0}</color> 获得了', 'Hani'],
    ['12345 !?', undefined], ['%PRICE% {0}', undefined], ['', undefined],
  ];
  assert.deepEqual(cases.map(([text]) => [text, detectScript(text)]), cases);
});

test('expectedScript follows the language', () => {
  const cases: Array<[string, string | undefined]> = [
    ['th', 'Thai'], ['vi', 'Latn'], ['ja', 'Jpan'], ['zh-CN', 'Hani'], ['zh-TW', 'Hani'], ['ko', 'Hang'],
    ['ru', 'Cyrl'], ['uk', 'Cyrl'], ['bg', 'Cyrl'], ['ar', 'Arab'], ['fa', 'Arab'], ['he', 'Hebr'], ['el', 'Grek'],
    ['pt-BR', 'Latn'], ['sr-Latn', 'Latn'], ['hi', 'Deva'], ['xx', undefined],
  ];
  assert.deepEqual(cases.map(([code]) => [code, expectedScript(code)]), cases);
});

const SAMPLES = {
  th: ['เริ่มเกมใหม่', 'ตั้งค่า', 'ออกจากเกม', 'ยินดีต้อนรับกลับมา %1', 'บันทึกแล้ว'],
  vi: ['Bắt đầu trò chơi', 'Cài đặt', 'Thoát', 'Chào mừng trở lại, %1', 'Đã lưu tiến trình'],
  ja: ['ゲームを始める', '設定', 'ゲームを終了', 'おかえりなさい、%1', 'セーブしました'],
  zhCN: ['开始新游戏', '设置', '退出游戏', '欢迎回来，%1', '这个关卡已经解锁了', '选择难度'],
  zhTW: ['開始新遊戲', '設定', '退出遊戲', '歡迎回來，%1', '這個關卡已經解鎖了', '選擇難度'],
  ko: ['새 게임 시작', '설정', '게임 종료', '다시 오신 것을 환영합니다, %1', '저장했습니다'],
  ru: ['Начать новую игру', 'Настройки', 'Выйти из игры', 'С возвращением, %1', 'Сохранено'],
  en: ['Start a new game and choose your class', 'Are you sure you want to quit?', 'Welcome back, %1! You have new mail.',
    'This item cannot be sold to the merchant', 'Options', 'The door is locked'],
  fr: ['Commencer une nouvelle partie', 'Êtes-vous sûr de vouloir quitter ?', 'Bon retour, %1 ! Vous avez du courrier.',
    'Cet objet ne peut pas être vendu au marchand', 'Options', 'La porte est verrouillée'],
  de: ['Neues Spiel starten', 'Willst du das Spiel wirklich beenden?', 'Willkommen zurück, %1!', 'Die Tür ist verschlossen'],
};

test('guessLanguageFromTexts guesses from scripts and markers', () => {
  assert.equal(guessLanguageFromTexts(SAMPLES.th), 'th');
  assert.equal(guessLanguageFromTexts(SAMPLES.vi), 'vi');
  assert.equal(guessLanguageFromTexts(SAMPLES.ja), 'ja');
  assert.equal(guessLanguageFromTexts(SAMPLES.zhCN), 'zh-CN');
  assert.equal(guessLanguageFromTexts(SAMPLES.zhTW), 'zh-TW');
  assert.equal(guessLanguageFromTexts(SAMPLES.ko), 'ko');
  assert.equal(guessLanguageFromTexts(SAMPLES.ru), 'ru');
  assert.equal(guessLanguageFromTexts(SAMPLES.en), 'en');
  assert.notEqual(guessLanguageFromTexts(SAMPLES.fr), 'en');
  assert.notEqual(guessLanguageFromTexts(SAMPLES.de), 'en');
});

test('guessLanguageFromTexts declines when unsure', () => {
  assert.equal(guessLanguageFromTexts(['เริ่มเกมใหม่', 'ตั้งค่า']), undefined, 'too few samples');
  assert.equal(guessLanguageFromTexts(['{0}', '123', '%1', '', 'ok']), undefined, 'nothing to read');
  assert.equal(guessLanguageFromTexts([...SAMPLES.th.slice(0, 2), ...SAMPLES.ko.slice(0, 2), ...SAMPLES.ru.slice(0, 2)]), undefined);
  assert.equal(guessLanguageFromTexts(['Options', 'Start', 'Quit', 'Load', 'Credits']), undefined, 'labels are not clearly English');
});
