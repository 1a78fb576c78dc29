/**
 * Issue 4 "Review output" end to end through the CLI. The simulated provider drops or mangles the
 * placeholders and markup of a seeded share of its replies: some only the first time (the repair
 * call fixes them, they complete), some every time (needs_review, held out of the workbook). The
 * output gets a Review sheet listing exactly those cells and nothing else changes; `--review
 * list.csv` writes the list to a file instead; `--highlight` fills the flagged cells and nothing
 * else; status counts tasks per flag; resume stores its flags with the job; a re-export after the
 * problems are fixed has no Review sheet.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { parseCsv } from '../../src/workbook/csv/csv-parse.ts';
import { compareWorkbooks, formatDifferences, readWorkbook } from '../helpers/compare-workbooks.ts';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { mulberry32 } from '../helpers/simulated-faults.ts';
import { simulatedTranslation } from '../helpers/simulated-translation.ts';
import { translateRun, type TranslateRun } from '../helpers/translate-run.ts';
import { diffZipParts, sheetParts } from '../helpers/xlsx-cell-diff.ts';

const TEMPLATES = [(i: number) => `第${i}关：获得{0}金币`, (i: number) => `<b>任务${i}</b>完成了`, (i: number) => `玩家%s打开了${i}个宝箱`, (i: number) => `{name}的第${i}次挑战`];
const TEXTS = Array.from({ length: 32 }, (_, i) => TEMPLATES[i % TEMPLATES.length](i + 1));
/** Always comes back over the 10-character limit in its note: a soft flag, written and flagged. */
const LONG = '开始';
const LONG_ANSWER = '⟪pt-BR⟫Começar o jogo agora';
const FILL = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' }, bgColor: { indexed: 64 } };
const TARGET_FONT = { name: 'Arial', size: 10, italic: true };
const TARGET_BORDER = { bottom: { style: 'thin' } } as const;

/** Seeded: about a third of the texts break every time, a third only before the repair. */
const draw = mulberry32(4);
const fate = new Map(TEXTS.map((text) => [text, ((d) => (d < 0.33 ? 'broken' : d < 0.66 ? 'repaired' : 'clean'))(draw())] as const));
const BROKEN = TEXTS.filter((t) => fate.get(t) === 'broken');
const REPAIRED = TEXTS.filter((t) => fate.get(t) === 'repaired');

/** Drops `{0}` and `</b>`, renames `{name}`, breaks `%s`: what models do to placeholders. */
function mangle(translated: string): string {
  return translated.replace('{0}', '').replace('</b>', '').replace('{name}', '{nome}').replace('%s', '% s');
}

function breaking(text: string, lang: string, call: { repair: boolean }): string {
  if (text === LONG) return LONG_ANSWER;
  const good = simulatedTranslation(text, lang);
  return fate.get(text) === 'broken' || (fate.get(text) === 'repaired' && !call.repair) ? mangle(good) : good;
}

const ALL = [...TEXTS, LONG];
const targetCell = (text: string): string => `C${ALL.indexOf(text) + 2}`;
const FLAGGED = new Set([...BROKEN, LONG].map(targetCell));

async function writeInput(file: string): Promise<void> {
  const book = new ExcelJS.Workbook();
  const ui = book.addWorksheet('UI');
  ui.addRow(['Key', 'CH', 'PT']);
  ALL.forEach((text, i) => ui.addRow([`key_${i + 1}`, text]));
  for (let row = 2; row <= ALL.length + 1; row++) Object.assign(ui.getCell(`C${row}`), { font: TARGET_FONT, border: TARGET_BORDER });
  ui.getCell('B2').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC6EFCE' } };
  ui.getCell(`B${ALL.length + 1}`).note = 'Main menu button, max 10 chars';
  const notes = book.addWorksheet('Numbers');
  notes.addRow([1, 2, { formula: 'A1+B1', result: 3 }]);
  notes.mergeCells('A3:C3');
  await book.xlsx.writeFile(file);
}

/** The rows of a review sheet or file as objects keyed by header. */
function asObjects(table: unknown[][]): Array<Record<string, unknown>> {
  const [header, ...rows] = table;
  return rows.map((row) => Object.fromEntries(header.map((h, i) => [String(h), row[i] ?? null])));
}

async function reviewSheetRows(file: string, name = 'Review'): Promise<Array<Record<string, unknown>>> {
  const sheet = (await readWorkbook(file)).getWorksheet(name);
  assert.ok(sheet, `${file} has a ${name} sheet`);
  const table: unknown[][] = [];
  sheet.eachRow((row) => table.push((row.values as unknown[]).slice(1)));
  return asObjects(table);
}

type Run = TranslateRun;

describe('review output: Review sheet, --review file, --highlight, flag counts', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let input: string;
  const runs: Record<'plain' | 'csvList' | 'highlight' | 'resumed', Run> = {} as never;
  let status: Record<string, any>;

  const translate = (name: string, extra: string[]): Promise<Run> => translateRun({ dir: temp.dir, input, name, extra, translate: breaking });

  const cli = async (args: string[]): Promise<CliResult> => {
    const result = await runCli(args, { cwd: temp.dir });
    assert.ok(result.code === 0 || result.code === 3, describeResult(result));
    return result;
  };

  before(async () => {
    temp = await makeTempDir();
    input = path.join(temp.dir, 'ui.xlsx');
    await writeInput(input);
    [runs.plain, runs.csvList, runs.highlight, runs.resumed] = await Promise.all([
      translate('plain', []),
      translate('csv-list', ['--review', 'list.csv']),
      translate('highlight', ['--highlight']),
      translate('resumed', []),
    ]);
    status = parseSingleJson((await cli(['status', '--json', '--db', runs.plain.db])).stdout);
  });

  after(async () => {
    await Promise.all(Object.values(runs).map((run) => run?.provider.close()));
    await temp?.cleanup();
  });

  test('the seeded share covers every case: broken for good, repaired, clean', () => {
    assert.ok(BROKEN.length >= 4 && REPAIRED.length >= 4 && BROKEN.length + REPAIRED.length < TEXTS.length, `${BROKEN.length} broken, ${REPAIRED.length} repaired`);
    for (const run of Object.values(runs)) assert.equal(run.result.code, 3, describeResult(run.result));
    assert.equal(runs.plain.summary.counts.needs_review, BROKEN.length + 1);
    assert.equal(runs.plain.summary.counts.completed, ALL.length - BROKEN.length - 1);
  });

  test('no broken result reaches the workbook: repaired cells pass, broken ones stay empty', async () => {
    const ui = (await readWorkbook(runs.plain.out)).getWorksheet('UI')!;
    for (const text of ALL) {
      const value = ui.getCell(targetCell(text)).value;
      if (fate.get(text) === 'broken') assert.equal(value, null, `${text} is held back`);
      else assert.equal(value, text === LONG ? LONG_ANSWER : simulatedTranslation(text, 'pt-BR'));
    }
  });

  test('the Review sheet lists exactly the needs_review cells, with flags and reasons', async () => {
    assert.equal(runs.plain.summary.review_sheet, 'Review');
    const rows = await reviewSheetRows(runs.plain.out);
    assert.deepEqual(new Set(rows.map((r) => r.Cell)), FLAGGED);
    assert.equal(rows.length, FLAGGED.size);
    for (const row of rows) {
      const text = String(row.Source);
      assert.equal(row.Status, 'needs_review');
      assert.equal(row.Written, text === LONG ? 'yes' : 'no');
      assert.equal(row.Flags, text === LONG ? 'too_long' : text.includes('<b>') ? 'markup_mismatch' : 'placeholder_mismatch');
      assert.ok(String(row.Reason).length > 0, 'says why');
      assert.equal(row.Result, text === LONG ? LONG_ANSWER : mangle(simulatedTranslation(text, 'pt-BR')), 'the rejected answer, for the reviewer');
    }
  });

  test('everything else is unchanged: other sheets, styles and every zip part but the edited ones', async () => {
    const targets = ALL.map((t) => `UI!${targetCell(t)}`);
    const diffs = await compareWorkbooks(input, runs.plain.out, { allowValueChange: targets, addedSheets: ['Review'] });
    assert.equal(diffs.length, 0, formatDifferences(diffs));
    const parts = await sheetParts(runs.plain.out);
    const expected = ['[Content_Types].xml', 'xl/_rels/workbook.xml.rels', 'xl/workbook.xml', parts.get('UI'), parts.get('Review')].sort();
    assert.deepEqual(await diffZipParts(input, runs.plain.out), expected);
  });

  test('status --json and translate --json count tasks per QA flag', async () => {
    const rows = await reviewSheetRows(runs.plain.out);
    const expected: Record<string, number> = {};
    for (const row of rows) expected[String(row.Flags)] = (expected[String(row.Flags)] ?? 0) + 1;
    assert.deepEqual(status.flags, expected);
    assert.deepEqual(runs.plain.summary.flags, expected);
    assert.equal((status.flags.placeholder_mismatch ?? 0) + (status.flags.markup_mismatch ?? 0), BROKEN.length);
  });

  test('--review list.csv writes the list to that file and adds no sheet', async () => {
    const file = path.join(temp.dir, 'list.csv');
    assert.deepEqual([runs.csvList.summary.review_file, runs.csvList.summary.review_sheet], [file, null]);
    assert.deepEqual((await readWorkbook(runs.csvList.out)).worksheets.map((s) => s.name), ['UI', 'Numbers']);
    assert.deepEqual(await diffZipParts(input, runs.csvList.out), [(await sheetParts(input)).get('UI')]);
    const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
    const rows = asObjects(parseCsv(text, ',').records.map((r) => r.fields));
    assert.deepEqual(new Set(rows.map((r) => r.Cell)), FLAGGED);
    assert.ok(rows.some((r) => String(r.Flags) === 'too_long' && r.Result === LONG_ANSWER));
  });

  test('--highlight fills the flagged cells, keeps their font and border, and restyles nothing else', async () => {
    const targets = ALL.map((t) => `UI!${targetCell(t)}`);
    const diffs = await compareWorkbooks(input, runs.highlight.out, { allowValueChange: targets, addedSheets: ['Review'] });
    assert.ok(diffs.every((d) => d.aspect === 'fill' && d.sheet === 'UI'), formatDifferences(diffs));
    assert.deepEqual(new Set(diffs.map((d) => d.cell)), FLAGGED);
    const ui = (await readWorkbook(runs.highlight.out)).getWorksheet('UI')!;
    for (const ref of FLAGGED) {
      const cell = ui.getCell(ref);
      assert.deepEqual(cell.fill, FILL, `${ref} is filled`);
      assert.deepEqual([cell.font, cell.border], [TARGET_FONT, TARGET_BORDER], `${ref} keeps its font and border`);
    }
    assert.equal(ui.getCell(targetCell(BROKEN[0])).value, null, 'a held-back cell is filled, and still empty');
    assert.ok((await diffZipParts(input, runs.highlight.out)).includes('xl/styles.xml'));
    assert.ok(!(await diffZipParts(input, runs.plain.out)).includes('xl/styles.xml'), 'without --highlight styles.xml is untouched');
  });

  test('export follows the stored --highlight and --review choices; its own flags win for that export', async () => {
    const again = path.join(temp.dir, 'again.xlsx');
    await cli(['export', String(runs.highlight.summary.job_id), '--out', again, '--db', runs.highlight.db]);
    assert.deepEqual(await diffZipParts(runs.highlight.out, again), []);
    const list = path.join(temp.dir, 'list.csv');
    const listed = await readFile(list);
    const plainAgain = path.join(temp.dir, 'plain-again.xlsx');
    await cli(['export', String(runs.csvList.summary.job_id), '--out', plainAgain, '--db', runs.csvList.db]);
    assert.deepEqual(await readFile(list), listed, 'the stored --review file is written again');
    assert.deepEqual((await readWorkbook(plainAgain)).worksheets.map((s) => s.name), ['UI', 'Numbers']);
    const xlsxList = path.join(temp.dir, 'list.xlsx');
    await cli(['export', String(runs.csvList.summary.job_id), '--out', plainAgain, '--review', xlsxList, '--db', runs.csvList.db]);
    assert.deepEqual(new Set((await reviewSheetRows(xlsxList)).map((r) => r.Cell)), FLAGGED);
  });

  test('resume stores --write-unreviewed and --highlight with the job; a later export follows them', async () => {
    const run = runs.resumed;
    const job = String(run.summary.job_id);
    await cli(['resume', job, '--write-unreviewed', '--highlight', '--json', '--db', run.db, ...providerFlags(run.provider.baseUrl)]);
    const db = new Database(run.db, { readonly: true });
    const options = JSON.parse((db.prepare('select options from jobs where job_id = ?').get(job) as { options: string }).options);
    db.close();
    assert.deepEqual([options.writeUnreviewed, options.highlight], [true, true]);
    const later = path.join(temp.dir, 'later.xlsx');
    await cli(['export', job, '--out', later, '--db', run.db]);
    const ui = (await readWorkbook(later)).getWorksheet('UI')!;
    assert.equal(ui.getCell(targetCell(BROKEN[0])).value, mangle(simulatedTranslation(BROKEN[0], 'pt-BR')), 'written unreviewed');
    assert.deepEqual(ui.getCell(targetCell(BROKEN[0])).fill, FILL);
    assert.ok((await reviewSheetRows(later)).every((r) => r.Written === 'yes'));
  });

  test('once the problems are fixed, a re-export has no Review sheet and changes only target cells', async () => {
    const db = new Database(runs.plain.db);
    const fix = db.prepare("update tasks set status = 'completed', qa_flags = null, result = ? where job_id = ? and source_text = ?");
    for (const text of [...BROKEN, LONG]) fix.run(simulatedTranslation(text, 'pt-BR'), runs.plain.summary.job_id, text);
    db.close();
    const fixed = path.join(temp.dir, 'fixed.xlsx');
    const exported = await cli(['export', String(runs.plain.summary.job_id), '--out', fixed, '--db', runs.plain.db]);
    assert.equal(exported.code, 0, describeResult(exported));
    assert.doesNotMatch(exported.stderr, /to review/);
    assert.deepEqual((await readWorkbook(fixed)).worksheets.map((s) => s.name), ['UI', 'Numbers']);
    assert.deepEqual(await diffZipParts(input, fixed), [(await sheetParts(input)).get('UI')]);
    assert.ok(!existsSync(path.join(temp.dir, 'fixed.review.xlsx')));
  });
});
