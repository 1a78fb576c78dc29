import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTranslation } from '../../src/qa/check-translation.ts';
import { QA_CODES, qualityScore } from '../../src/qa/qa-flags.ts';

const GLOSSARY = [
  { term: 'Impostor', translation: '伪装者' },
  { term: 'art', translation: 'Kunst' },
  { term: 'UltimateMods', doNotTranslate: true },
  { term: '極限', translation: 'Ultimate' },
];

const codes = (source: string, target: string, targetLang: string): string[] =>
  checkTranslation({ source, target, sourceLang: 'en', targetLang, glossary: GLOSSARY }).flags.map((f) => f.code);

test('glossary terms the source uses must be translated as the glossary says', () => {
  assert.deepEqual(codes('Kill the Impostor', '杀死伪装者', 'zh-CN'), []);
  assert.deepEqual(codes('Kill the impostor', '杀死冒名顶替者', 'zh-CN'), ['glossary_term_missing']);
  assert.deepEqual(codes('Start now', 'Jetzt starten', 'de'), []); // "art" inside "Start" is no use of the term
  assert.deepEqual(codes('Pixel art', 'Pixel-Grafik', 'de'), ['glossary_term_missing']);
  assert.deepEqual(codes('Pixel art', 'Pixel-Kunst', 'de'), []);
  assert.equal(checkTranslation({ source: '極限モード', target: 'Ultimate mode', targetLang: 'en', glossary: GLOSSARY }).flags.length, 0);
});

test('do-not-translate terms stay exactly as written', () => {
  assert.deepEqual(codes('UltimateMods is installed', 'UltimateMods 已安装', 'zh-CN'), []);
  assert.deepEqual(codes('UltimateMods is installed', '极限模组已安装', 'zh-CN'), ['dnt_term_changed']);
  assert.deepEqual(codes('UltimateMods is installed', 'Ultimatemods est installé', 'fr'), ['dnt_term_changed']);
});

test('every code has a severity; the score falls with each distinct problem', () => {
  for (const [code, { severity }] of Object.entries(QA_CODES)) assert.ok(['hard', 'soft', 'info'].includes(severity), code);
  const soft = { code: 'too_long', severity: 'soft', message: '' } as const;
  const hard = { code: 'placeholder_mismatch', severity: 'hard', message: '' } as const;
  assert.equal(qualityScore([]), 100);
  assert.equal(qualityScore([soft]), 80);
  assert.equal(qualityScore([soft, soft]), 80);
  assert.equal(qualityScore([soft, hard]), 20);
  assert.equal(qualityScore([hard, { code: 'icu_structure', severity: 'hard', message: '' }]), 0);
});
