/**
 * Every text field of the Elin mod workbooks (../shared/data/real/elin-plugins) translated with
 * `--to en,pt-BR` through the real CLI against the simulated provider. What to expect is read
 * from the input here, not from fanyi's analysis: each `<field>_JP` cell of a data row is a
 * source, translated into pt-BR (a new `<field>_PT` column) and into English (a new `<field>_EN`
 * column, or not at all where the row's English member already holds text). Nothing else in
 * the file changes: the zip-level diff the real-data suite uses, the type row and the `string[]`
 * id-list columns untouched, rich-text sources written back as plain text.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type ExcelJS from 'exceljs';
import { readWorkbook } from '../helpers/compare-workbooks.ts';
import { describeResult, parseSingleJson, providerFlags, runCli, withTempDir } from '../helpers/fanyi-cli.ts';
import { copyRealFile, readStoredJob, realDataSkip, type StoredJob } from '../helpers/real-data.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { cellText, diffXlsx, sheetParts, targetKey } from '../helpers/xlsx-cell-diff.ts';

interface Run {
  input: ExcelJS.Workbook;
  output: ExcelJS.Workbook;
  job: StoredJob;
  problems: string[];
  unexpectedParts: string[];
  contexts: Array<{ field?: string; fields?: Record<string, string> }>;
  /** `fanyi status --json`'s `fields`. */
  statusFields: Array<{ sheet: string; field: string; source: string; tasks: number }>;
  /** `fanyi status`'s text. */
  statusText: string;
}

/** A source cell: sheet, 0-based row, the `_JP` header and its text. */
interface SourceCell {
  sheet: string;
  row: number;
  header: string;
  text: string;
}

const FILES = ['SourceDonaCN.xlsx', 'cwl_sources.xlsx', 'donakoko.xlsx'];

describe('Elin workbooks: every text field translated, nothing else changed', { skip: realDataSkip, concurrency: 3 }, () => {
  let provider: SimulatedProvider;
  before(async () => {
    provider = await startSimulatedProvider({ apiKey: 'test-key' });
  });
  after(async () => provider?.close());

  for (const file of FILES) {
    test(`${file} --to en,pt-BR`, async (t) => {
      const run = await translate(file, provider.baseUrl);
      assert.deepEqual(run.problems, [], 'no pre-existing cell, style, row, column or sheet setting changed');
      assert.deepEqual(run.unexpectedParts, [], 'only the worksheet parts of edited sheets change');
      const sources = sourceCells(run.input);
      checkPortuguese(run, sources);
      checkEnglish(run, sources);
      checkNewColumns(run);
      checkNeverTranslated(run);
      checkRichText(run);
      const perField = new Map<string, number>();
      for (const task of run.job.tasks) perField.set(`${task.sheetName}.${task.sourceColumn}`, (perField.get(`${task.sheetName}.${task.sourceColumn}`) ?? 0) + 1);
      assert.deepEqual(
        run.statusFields.map((f) => `${f.sheet}.${f.source}=${f.tasks}`).sort(),
        [...perField].map(([field, tasks]) => `${field}=${tasks}`).sort(),
        'status --json lists every field with its tasks',
      );
      const first = run.statusFields[0];
      assert.match(run.statusText, new RegExp(`${run.statusFields.length} text fields: ${first.sheet}\\.${first.field} \\(${first.tasks}\\)`), 'status names the fields too');
      t.diagnostic(`${file}: ${sources.length} source cells in ${new Set(sources.map((s) => `${s.sheet}.${s.header}`)).size} fields; ${run.job.tasks.length} tasks; new: ${run.job.newHeaders.map((h) => h.text).join(' ')}`);
    });
  }
});

async function translate(file: string, baseUrl: string): Promise<Run> {
  return withTempDir(async (dir) => {
    const inputPath = await copyRealFile(`elin-plugins/${file}`, dir);
    const outputPath = path.join(dir, `out-${file}`);
    const db = path.join(dir, 'fanyi.db');
    const result = await runCli(['translate', inputPath, '--to', 'en,pt-BR', ...providerFlags(baseUrl), '--db', db, '--out', outputPath, '--write-unreviewed', '--review', path.join(dir, 'review.csv'), '--json'], { cwd: dir, timeoutMs: 120_000 });
    // Exit 3: the simulated model's odd reply for a few cells is flagged for review (written all the
    // same; the list goes to its own file so the workbook gains no Review sheet).
    assert.ok([0, 3].includes(result.code ?? -1), describeResult(result));
    const summary = parseSingleJson(result.stdout) as { status: string; counts: { completed: number; needs_review: number; failed: number; total: number } };
    assert.equal(summary.status, 'completed');
    assert.equal(summary.counts.failed, 0);
    assert.equal(summary.counts.completed + summary.counts.needs_review, summary.counts.total);
    const job = readStoredJob(db);
    const targets = new Set([...job.tasks.map((t) => targetKey(t.sheetName, t.rowIdx, t.colIdx)), ...job.newHeaders.map((h) => targetKey(h.sheetName, h.row, h.col))]);
    const diff = await diffXlsx(inputPath, outputPath, targets);
    const parts = await sheetParts(inputPath);
    const edited = new Set([...targets].map((key) => parts.get(key.slice(0, key.lastIndexOf('!')))));
    const [input, output, status, statusText] = await Promise.all([readWorkbook(inputPath), readWorkbook(outputPath), runCli(['status', '--json', '--db', db], { cwd: dir }), runCli(['status', '--db', db], { cwd: dir })]);
    const statusFields = (parseSingleJson(status.stdout) as { fields: Run['statusFields'] }).fields;
    const written = new Map(diff.added.map((a) => [targetKey(a.sheet, a.row, a.col), cellText(a.value)]));
    for (const task of job.tasks) assert.equal(written.get(targetKey(task.sheetName, task.rowIdx, task.colIdx)), task.result ?? undefined, `${task.sheetName} row ${task.rowIdx + 1}: the result is written`);
    return { input, output, job, problems: diff.problems, unexpectedParts: diff.changedParts.filter((part) => !edited.has(part)), contexts: storedContexts(db), statusFields, statusText: statusText.stdout };
  });
}

function storedContexts(db: string): Run['contexts'] {
  const handle = new Database(db, { readonly: true });
  try {
    return (handle.prepare('select source_context from tasks').all() as Array<{ source_context: string }>).map((r) => JSON.parse(r.source_context));
  } finally {
    handle.close();
  }
}

const headersOf = (sheet: ExcelJS.Worksheet): string[] => ((sheet.getRow(1).values as unknown[]) ?? []).slice(1).map((v) => (typeof v === 'string' ? v.trim() : ''));

/** Every `_JP` cell with a letter in a row below the header, the type row and the defaults row (row 3 without an id, under a type row). */
function sourceCells(workbook: ExcelJS.Workbook): SourceCell[] {
  const cells: SourceCell[] = [];
  for (const sheet of workbook.worksheets) {
    const headers = headersOf(sheet);
    const hasTypeRow = ((sheet.getRow(2).values as unknown[]) ?? []).some((v) => v === 'string');
    sheet.eachRow((row, number) => {
      if (number <= 2 || (number === 3 && hasTypeRow && row.getCell(1).value == null)) return;
      headers.forEach((header, col) => {
        const text = cellText(row.getCell(col + 1).value);
        if (header.endsWith('_JP') && text && /\p{L}/u.test(text)) cells.push({ sheet: sheet.name, row: number - 1, header, text });
      });
    });
  }
  return cells;
}

const cellId = (sheet: string, row: number, text: string): string => `${sheet}!${row}:${text}`;

function checkPortuguese(run: Run, sources: SourceCell[]): void {
  const tasks = run.job.tasks.filter((t) => t.targetLang === 'pt-BR');
  const expected = sources.map((s) => `${cellId(s.sheet, s.row, s.text)} from ${s.header}`).sort();
  const actual = tasks.map((t) => `${cellId(t.sheetName, t.rowIdx, t.sourceText)} from ${t.sourceColumn}`).sort();
  assert.deepEqual(actual, expected, 'every _JP cell of every field is translated into pt-BR, from its own column');
}

/** English: a task, unless the field's English member (`text_EN`, or `text` holding English) has the row filled. */
function checkEnglish(run: Run, sources: SourceCell[]): void {
  const tasks = new Set(run.job.tasks.filter((t) => t.targetLang === 'en').map((t) => cellId(t.sheetName, t.rowIdx, t.sourceText)));
  for (const source of sources) {
    if (tasks.has(cellId(source.sheet, source.row, source.text))) continue;
    const sheet = run.input.getWorksheet(source.sheet)!;
    const stem = source.header.slice(0, -'_JP'.length);
    const headers = headersOf(sheet);
    const english = [headers.indexOf(`${stem}_EN`), headers.indexOf(stem)].filter((col) => col >= 0).map((col) => cellText(sheet.getRow(source.row + 1).getCell(col + 1).value));
    assert.ok(english.some((text) => text?.trim()), `${source.sheet}!${source.header} row ${source.row + 1}: no en task, so an English member holds the row`);
  }
}

/** New columns: `<field>_EN`/`<field>_PT` for fields that have a `_JP` source, after the last used column, field order then language. */
function checkNewColumns(run: Run): void {
  for (const name of new Set(run.job.newHeaders.map((h) => h.sheetName))) {
    const headers = run.job.newHeaders.filter((h) => h.sheetName === name);
    const sheet = run.input.getWorksheet(name)!;
    const existing = headersOf(sheet);
    assert.ok(headers.every((h) => h.row === 0 && h.col >= sheet.actualColumnCount), `${name}: new columns after the last used one`);
    const order = headers.map((h) => {
      const [, stem, code] = /^(.+)_(EN|PT)$/.exec(h.text) ?? [];
      assert.ok(stem && existing.includes(`${stem}_JP`), `${name}: ${h.text} is a new member of a _JP field`);
      return existing.indexOf(`${stem}_JP`) * 2 + (code === 'PT' ? 1 : 0);
    });
    const cols = headers.map((h) => h.col);
    assert.deepEqual(cols, [...cols].sort((a, b) => a - b), `${name}: headers are listed by column`);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `${name}: columns in field order, then language`);
  }
}

/** Comma-joined identifiers (`class,hidden`, `featRoran/1,featGrowParts`). */
const ID_LIST = /^[\w./#@:+-]+(?:,[\w./#@:+-]+)+$/;

/**
 * The type row (row 2) is never a source or target, nor is a column of id lists (Elin types them
 * `string[]`, as it does lists of texts like `strPhase_JP`, which are translated).
 */
function checkNeverTranslated(run: Run): void {
  for (const task of run.job.tasks) {
    assert.ok(task.rowIdx >= 2, `${task.sheetName} row ${task.rowIdx + 1} is the header or type row`);
    assert.ok(!ID_LIST.test(task.sourceText), `${task.sheetName} row ${task.rowIdx + 1}: '${task.sourceText}' is an id list`);
    const sheet = run.input.getWorksheet(task.sheetName)!;
    const column = sheet.getColumn(task.colIdx + 1);
    const texts: string[] = [];
    column.eachCell((cell, row) => row > 2 && cellText(cell.value) && texts.push(cellText(cell.value)!));
    assert.ok(!(texts.length && texts.every((text) => ID_LIST.test(text))), `${task.sheetName}: target column ${task.colIdx + 1} holds id lists`);
  }
  for (const context of run.contexts.filter((c) => c.field === 'detail')) {
    assert.ok(context.fields?.name, 'a detail goes out with the name of what it describes');
  }
}

/** A rich-text source (runs with fonts) is written back as plain text; the source cell itself is left as it was (problems). */
function checkRichText(run: Run): void {
  for (const task of run.job.tasks) {
    const sheet = run.input.getWorksheet(task.sheetName)!;
    const source = sheet.getRow(task.rowIdx + 1).getCell(headersOf(sheet).indexOf(task.sourceColumn) + 1).value;
    if (!(source && typeof source === 'object' && 'richText' in source)) continue;
    const target = run.output.getWorksheet(task.sheetName)!.getRow(task.rowIdx + 1).getCell(task.colIdx + 1).value;
    assert.equal(typeof target, 'string', `${task.sheetName} row ${task.rowIdx + 1}: the translation of a rich-text cell is plain text`);
  }
}
