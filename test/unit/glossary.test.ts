/** `--glossary`: reading csv/xlsx term lists, versions, and which terms go into a batch's prompt. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import ExcelJS from 'exceljs';
import { buildTranslateMessages } from '../../src/llm/prompts/build-messages.ts';
import { fromGlossaryRows, toGlossaryRows } from '../../src/tasks/glossary/glossary.ts';
import { GlossaryMatcher, hitsIn } from '../../src/tasks/glossary/match-terms.ts';
import { readGlossary } from '../../src/tasks/glossary/read-glossary.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-glossary-'));
after(() => rm(dir, { recursive: true, force: true }));

const CSV = ['Term,EN,PT-BR,TH,Note,DNT', '背包,Bag,Mochila,กระเป๋า,inventory,', '星港,Star Harbor,,,game title,yes', '金币,Gold,Ouro,,,', 'HP,,,,health,1', ''].join('\n');

test('csv: source term first, languages by header, note and do-not-translate flag', async () => {
  const file = path.join(dir, 'terms.csv');
  await writeFile(file, CSV);
  const glossary = await readGlossary(file);
  assert.deepEqual(glossary.entries, [
    { source: '背包', targets: { en: 'Bag', 'pt-BR': 'Mochila', th: 'กระเป๋า' }, note: 'inventory', doNotTranslate: false },
    { source: '星港', targets: { en: 'Star Harbor' }, note: 'game title', doNotTranslate: true },
    { source: '金币', targets: { en: 'Gold', 'pt-BR': 'Ouro' }, doNotTranslate: false },
    { source: 'HP', targets: {}, note: 'health', doNotTranslate: true },
  ]);
  assert.match(glossary.version, /^[0-9a-f]{16}$/);
});

test('xlsx: same terms, same version; a numeric 1 in the DNT column counts', async () => {
  const file = path.join(dir, 'terms.xlsx');
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Glossary');
  // Rows in another order: the version is the content's, not the file's.
  sheet.addRows([['Term', 'EN', 'PT-BR', 'TH', 'Note', 'DNT'], ['HP', null, null, null, 'health', 1], ['金币', 'Gold', 'Ouro'], ['背包', 'Bag', 'Mochila', 'กระเป๋า', 'inventory'], ['星港', 'Star Harbor', null, null, 'game title', 'yes']]);
  await book.xlsx.writeFile(file);
  const csvFile = path.join(dir, 'terms2.csv');
  await writeFile(csvFile, CSV);
  const [xlsx, csv] = await Promise.all([readGlossary(file), readGlossary(csvFile)]);
  assert.equal(xlsx.version, csv.version);
  assert.equal(xlsx.entries.find((e) => e.source === 'HP')?.doNotTranslate, true);
  const stored = fromGlossaryRows(xlsx.version, toGlossaryRows(xlsx));
  assert.deepEqual(new GlossaryMatcher(stored).termsFor('pt-BR', ['背包满了']), new GlossaryMatcher(xlsx).termsFor('pt-BR', ['背包满了']), 'a stored glossary matches like the file');
});

test('a file without a language or DNT column is refused with a clear message', async () => {
  const file = path.join(dir, 'bad.csv');
  await writeFile(file, 'a,b\nx,y\n');
  await assert.rejects(readGlossary(file), /not a glossary/);
});

test('only terms that occur in the batch, for its language; whole words in Latin, anywhere in CJK', async () => {
  const file = path.join(dir, 'match.csv');
  await writeFile(file, ['Term,PT,EN,DNT', '背包,Mochila,Bag,', 'Art,Arte,Art,', 'Star Harbor,,,x'].join('\n'));
  const matcher = new GlossaryMatcher(await readGlossary(file));
  assert.deepEqual(matcher.termsFor('pt-BR', ['你的背包已满', 'Start the game']), [{ source: '背包', target: 'Mochila', doNotTranslate: false }], '"Art" is not in "Start"');
  assert.deepEqual(matcher.termsFor('th', ['背包', 'Welcome to star harbor!']), [{ source: 'Star Harbor', doNotTranslate: true }], 'no Thai column: only the do-not-translate term');
  assert.deepEqual(matcher.termsFor('de', ['The art of war']).map((h) => h.source), []);
  const hits = matcher.termsFor('pt-BR', ['背包', 'Art gallery']);
  assert.deepEqual(hitsIn(hits, ['Art gallery'])?.map((h) => h.source), ['Art'], 'a split half sends only its own terms');
  assert.equal(hitsIn(hits, ['nothing here']), undefined);
});

test('the system prompt lists the call\'s terms; the texts stay in the user message', () => {
  const [system, user] = buildTranslateMessages({
    sourceLang: 'zh-CN', targetLang: 'pt-BR', timeoutMs: 1000,
    items: [{ id: '1', text: '背包已满' }],
    glossary: [{ source: '背包', target: 'Mochila', note: 'inventory', doNotTranslate: false }, { source: '星港', doNotTranslate: true }],
  });
  assert.match(system.content, /\[pt-BR\]/);
  assert.match(system.content, /- "背包" → "Mochila" \(inventory\)/);
  assert.match(system.content, /- "星港" → keep exactly as written/);
  assert.deepEqual(JSON.parse(user.content), { 1: '背包已满' });
});
