/**
 * Context, glossary and translation memory end to end: the real CLI against the simulated
 * provider, asserting on what reached the wire (the provider's request log keeps each request's
 * raw user message and system prompt) and on how many calls a second job needs.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { startSimulatedProvider, type RequestLogEntry, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { simulatedTranslation } from '../helpers/simulated-translation.ts';
import { readWorkbook } from '../helpers/compare-workbooks.ts';

const GAME_CONTEXT = 'A cozy space trading game for teenagers';

/** Applies the glossary as a good model would, so any QA glossary check passes. */
const translate = (text: string, lang: string) => simulatedTranslation(text.replaceAll('背包', 'Mochila '), lang);

async function writeBook(file: string): Promise<void> {
  const book = new ExcelJS.Workbook();
  const ui = book.addWorksheet('UI');
  ui.addRows([
    ['Key', 'CH', 'EN', 'PT', 'Note', 'Max Length'],
    ['btn_bag', '背包', 'Bag', null, 'Inventory button', 30],
    ['msg_bag_full', '背包已满，请先整理。', null, null, null, null],
  ]);
  ui.getCell('B3').note = 'Shown as a toast, 最多40字符';
  const dialog = book.addWorksheet('Dialog');
  dialog.addRows([
    ['ID', 'Speaker', '中文', 'Português'],
    ['dlg_001', 'Captain', '出发！', null],
    ['dlg_002', 'Merchant', '出发！', null],
    ['dlg_003', 'Captain', '欢迎来到Star Harbor。', null],
  ]);
  await book.xlsx.writeFile(file);
}

describe('context, glossary and translation memory through the CLI', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let provider: SimulatedProvider;
  let file: string;
  let db: string;
  let first: CliResult;
  let firstLog: RequestLogEntry[];
  let glossary: string;

  const translateArgs = (out: string, extra: string[] = []) => ['translate', file, '--to', 'pt-BR', '--db', db, '--out', out, '--context', GAME_CONTEXT, '--glossary', glossary, ...providerFlags(provider.baseUrl), ...extra];
  const entryWith = (text: string) => firstLog.find((e) => e.texts.includes(text))!;

  before(async () => {
    temp = await makeTempDir();
    file = path.join(temp.dir, 'strings.xlsx');
    db = path.join(temp.dir, 'fanyi.db');
    glossary = path.join(temp.dir, 'terms.csv');
    await writeBook(file);
    await writeFile(glossary, 'Term,PT-BR,Note,DNT\n背包,Mochila,inventory,\nStar Harbor,,game title,yes\n金币,Ouro,,\n');
    provider = await startSimulatedProvider({ apiKey: 'test-key', translate });
    first = await runCli(translateArgs(path.join(temp.dir, 'first.xlsx')), { cwd: temp.dir });
    firstLog = [...provider.stats.requestLog];
  });

  after(async () => {
    await provider?.close();
    await temp?.cleanup();
  });

  test('the first job translates every cell', async () => {
    assert.equal(first.code, 0, describeResult(first));
    const book = await readWorkbook(path.join(temp.dir, 'first.xlsx'));
    assert.equal(book.getWorksheet('UI')!.getCell('D2').value, translate('背包', 'pt-BR'));
    assert.equal(book.getWorksheet('Dialog')!.getCell('D3').value, translate('出发！', 'pt-BR'));
  });

  test('the prompt carries key, note, numeric max length, comment hint and pivot references; shared context once', () => {
    const payload = JSON.parse(entryWith('背包').payload) as { context?: Record<string, unknown>; items: Record<string, unknown> };
    assert.equal(payload.context?.sheet, 'UI');
    const item = Object.values(payload.items).find((i) => typeof i === 'object' && (i as { text: string }).text === '背包');
    assert.deepEqual(item ?? payload.context, { ...(item ? { text: '背包' } : { sheet: 'UI', column: 'CH' }), key: 'btn_bag', note: 'Note: Inventory button', max_len: 30, ref: { en: 'Bag' } });
    assert.match(entryWith('背包已满，请先整理。').payload, /"comment":"Shown as a toast, 最多40字符"/);
    assert.match(entryWith('背包已满，请先整理。').payload, /"max_len":40/);
    assert.match(entryWith('欢迎来到Star Harbor。').payload, /"note":"Speaker: Captain"/);
  });

  test('every system prompt carries the game context; only the terms a batch uses', () => {
    for (const entry of firstLog) assert.match(entry.instructions.join('\n'), new RegExp(`Project context: ${GAME_CONTEXT}`));
    const bag = entryWith('背包已满，请先整理。').instructions.join('\n');
    assert.match(bag, /"背包" → "Mochila" \(inventory\)/);
    assert.doesNotMatch(bag, /Star Harbor/);
    const harbor = entryWith('欢迎来到Star Harbor。').instructions.join('\n');
    assert.match(harbor, /"Star Harbor" → keep exactly as written \(game title\)/);
    assert.doesNotMatch(harbor, /背包/);
    assert.ok(firstLog.every((e) => !e.instructions.join('\n').includes('金币')), 'a term no text uses is never sent');
  });

  test('the same word under two speakers is translated twice, under one speaker once', () => {
    const sent = firstLog.flatMap((e) => e.texts);
    assert.equal(sent.filter((t) => t === '出发！').length, 2);
  });

  test('a second job on the same database makes no call; --no-memory makes them all again', async () => {
    provider.reset();
    const second = await runCli([...translateArgs(path.join(temp.dir, 'second.xlsx')), '--json'], { cwd: temp.dir });
    assert.equal(second.code, 0, describeResult(second));
    assert.equal(provider.stats.requestLog.length, 0, 'every text came from translation memory');
    const summary = parseSingleJson(second.stdout);
    assert.equal(summary.calls, 0);
    assert.equal((summary.counts as Record<string, number>).completed, 5);
    const book = await readWorkbook(path.join(temp.dir, 'second.xlsx'));
    assert.equal(book.getWorksheet('Dialog')!.getCell('D4').value, translate('欢迎来到Star Harbor。', 'pt-BR'));

    const fresh = await runCli(translateArgs(path.join(temp.dir, 'third.xlsx'), ['--no-memory']), { cwd: temp.dir });
    assert.equal(fresh.code, 0, describeResult(fresh));
    assert.deepEqual(provider.stats.requestLog.flatMap((e) => e.texts).sort(), firstLog.flatMap((e) => e.texts).sort());
  });

  test('estimate shows what memory and de-duplication save; another game context is another text', async () => {
    const estimate = (extra: string[]) => runCli(['estimate', file, '--to', 'pt-BR', '--db', db, '--glossary', glossary, '--json', ...extra], { cwd: temp.dir });
    const [same, other, off] = await Promise.all([estimate(['--context', GAME_CONTEXT]), estimate(['--context', 'A horror game']), estimate(['--context', GAME_CONTEXT, '--no-memory'])]);
    for (const r of [same, other, off]) assert.equal(r.code, 0, describeResult(r));
    const [a, b, c] = [same, other, off].map((r) => parseSingleJson(r.stdout));
    assert.deepEqual([a.tasks, a.unique_texts, a.duplicates_saved, a.memory_cells, a.memory_texts, a.texts_to_send, a.estimated_calls], [5, 5, 0, 5, 5, 0, 0]);
    assert.deepEqual([b.memory_cells, b.texts_to_send], [0, 5]);
    assert.deepEqual([c.memory_cells, c.texts_to_send], [0, 5]);
  });
});
