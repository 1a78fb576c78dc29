/**
 * Every real localization file in ../shared/data/real (see its PROVENANCE.md) translated offline
 * with the pseudo provider into a language it lacks, through the real CLI. The contract: exit 0,
 * every pre-existing cell, style, merge, sheet and zip part (xlsx) or raw field, BOM and line
 * break (csv) unchanged, and new cells exactly where the job says it wrote them. The files are
 * copied into a temp dir per run, never into the repository.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { diffCsv, readCsvFile, type AddedField } from '../helpers/csv-file-diff.ts';
import { copyRealFile, distinctSourceLangAndTargetCol, readStoredJob, realDataPath, realDataSkip, type StoredJob, type StoredTask } from '../helpers/real-data.ts';
import { describeResult, parseSingleJson, runCli, withTempDir, type CliResult } from '../helpers/fanyi-cli.ts';
import { cellText, diffXlsx, sheetParts, targetKey, type AddedCell } from '../helpers/xlsx-cell-diff.ts';
import { readWorkbook } from '../helpers/compare-workbooks.ts';
import { languagesMatch, normalizeLanguageCode } from '../../src/workbook/language-codes.ts';

/** The `--json` summary `translate` prints on stdout. */
interface TranslateSummary {
  status: string;
  duration_ms: number;
  counts: { pending: number; processing: number; completed: number; needs_review: number; failed: number; total: number };
}


/** What one run produced, for the per-file checks. */
interface RealRun {
  dir: string;
  input: string;
  output: string;
  db: string;
  result: CliResult;
  summary: TranslateSummary;
  job: StoredJob;
  /** Input cell texts: sheet → rows → cells ('' for empty or non-text). CSV: one sheet named ''. */
  grid: Map<string, string[][]>;
}

/** Translates a copy of `relative` into `to` (or the default targets) and checks the whole contract. */
async function translateReal(t: TestContext, relative: string, to: string | undefined, check: (run: RealRun) => Promise<void> | void): Promise<void> {
  await withTempDir(async (dir) => {
    const input = await copyRealFile(relative, dir);
    const original = await readFile(input);
    const ext = path.extname(input);
    const output = path.join(dir, `out${ext}`);
    const db = path.join(dir, 'fanyi.db');
    const args = ['translate', input, ...(to ? ['--to', to] : []), '--provider', 'pseudo', '--db', db, '--out', output, '--json'];
    const started = performance.now();
    const result = await runCli(args, { cwd: dir, timeoutMs: 120_000 });
    const ms = performance.now() - started;
    assert.equal(result.code, 0, describeResult(result));
    const summary = parseSingleJson(result.stdout) as unknown as TranslateSummary;
    assertAllCompleted(summary);
    assert.ok(existsSync(output), 'the output file exists');
    assert.deepEqual(await readFile(input), original, 'the input file is left alone');
    assert.deepEqual((await readdir(dir)).filter((name) => name.includes('.tmp-')), [], 'no temporary file is left behind');
    const job = readStoredJob(db);
    assert.equal(job.tasks.length, summary.counts.total);
    const grid = ext === '.xlsx' ? await xlsxGrid(input) : new Map([['', (await readCsvFile(input)).records.map((r) => r.fields)]]);
    const run: RealRun = { dir, input, output, db, result, summary, job, grid };
    t.diagnostic(`${relative} → ${to ?? '(default targets)'}: source ${describeSources(run)}; ${summary.counts.completed} tasks; job ${summary.duration_ms} ms, CLI ${Math.round(ms)} ms`);
    if (ext === '.xlsx') await checkXlsx(run);
    else await checkCsv(run);
    checkSourcesComeFromOneColumn(run);
    await check(run);
  });
}

function assertAllCompleted(summary: TranslateSummary): void {
  assert.equal(summary.status, 'completed');
  const { completed, total, failed, needs_review, pending, processing } = summary.counts;
  assert.deepEqual({ failed, needs_review, pending, processing }, { failed: 0, needs_review: 0, pending: 0, processing: 0 });
  assert.equal(completed, total);
  assert.ok(total > 0, 'the job has tasks');
}

// ---- xlsx ------------------------------------------------------------------------------------

async function xlsxGrid(file: string): Promise<Map<string, string[][]>> {
  const workbook = await readWorkbook(file);
  const grid = new Map<string, string[][]>();
  for (const sheet of workbook.worksheets) {
    const rows: string[][] = [];
    sheet.eachRow({ includeEmpty: false }, (row, r) => {
      const cells: string[] = [];
      row.eachCell({ includeEmpty: false }, (cell, c) => {
        cells[c - 1] = cellText(cell.value) ?? '';
      });
      rows[r - 1] = Array.from(cells, (v) => v ?? '');
    });
    grid.set(sheet.name, rows);
  }
  return grid;
}

/** Cell by cell across all sheets, then the zip parts: only the target cells may differ. */
async function checkXlsx(run: RealRun): Promise<void> {
  const targets = new Set([...run.job.tasks.map((t) => targetKey(t.sheetName, t.rowIdx, t.colIdx)), ...run.job.newHeaders.map((h) => targetKey(h.sheetName, h.row, h.col))]);
  const diff = await diffXlsx(run.input, run.output, targets);
  assert.deepEqual(diff.problems, [], 'no pre-existing cell, style, row, column or sheet setting changed');
  checkAddedCells(run, diff.added.map((a: AddedCell) => ({ sheet: a.sheet, row: a.row, col: a.col, text: cellText(a.value) })));
  const parts = await sheetParts(run.input);
  const edited = new Set([...targets].map((key) => parts.get(key.slice(0, key.lastIndexOf('!')))));
  const unexpected = diff.changedParts.filter((part) => !edited.has(part));
  assert.deepEqual(unexpected, [], 'only the worksheet parts of edited sheets change; every other zip part is byte-identical');
}

// ---- csv -------------------------------------------------------------------------------------

async function checkCsv(run: RealRun): Promise<void> {
  const [input, output] = await Promise.all([readCsvFile(run.input), readCsvFile(run.output)]);
  assert.deepEqual(output.guess, input.guess, 'encoding and BOM preserved');
  assert.equal(output.delimiter, input.delimiter, 'delimiter preserved (sniffed afresh from the output)');
  const bom = input.guess.bom ? 3 : 0;
  assert.deepEqual(output.bytes.subarray(0, bom), input.bytes.subarray(0, bom), 'BOM bytes preserved');
  if (!input.guess.bom) assert.notDeepEqual(output.bytes.subarray(0, 3), Buffer.from([0xef, 0xbb, 0xbf]), 'no BOM added');
  const diff = await diffCsv(run.input, run.output);
  assert.deepEqual(diff.problems, [], 'every pre-existing field and line break is unchanged');
  const headerWidth = input.records[0].fields.length;
  if (run.job.tasks.every((task) => task.colIdx >= headerWidth)) {
    assert.equal(diff.rewrittenRecords, 0, "new columns only: every record's raw text is unchanged but for appended fields");
  }
  assert.equal(output.records.length, input.records.length, 'no record added or lost');
  const sheet = run.job.tasks[0].sheetName;
  checkAddedCells(run, diff.added.map((a: AddedField) => ({ sheet, row: a.row, col: a.col, text: a.value })));
  for (const header of run.job.newHeaders) assert.equal(header.row, 0, `the new ${header.text} header goes into the CSV's header line (record 0), not record ${header.row}`);
}

// ---- shared ----------------------------------------------------------------------------------

/** Filled cells = the job's task cells (holding their stored results) + its new header cells. */
function checkAddedCells(run: RealRun, added: Array<{ sheet: string; row: number; col: number; text: string | undefined }>): void {
  const expected = new Map<string, string>();
  for (const h of run.job.newHeaders) expected.set(targetKey(h.sheetName, h.row, h.col), h.text);
  for (const t of run.job.tasks) expected.set(targetKey(t.sheetName, t.rowIdx, t.colIdx), t.result ?? '(no result)');
  const actual = new Map(added.map((a) => [targetKey(a.sheet, a.row, a.col), a.text ?? '(not text)']));
  const stray = [...actual.keys()].filter((key) => !expected.has(key));
  assert.deepEqual(stray, [], 'new cells appear only in the target cells of the job');
  const missing = [...expected.keys()].filter((key) => !actual.has(key));
  assert.deepEqual(missing, [], 'every task and new header was written');
  for (const [key, text] of expected) assert.equal(actual.get(key), text, `${key} holds the stored result`);
  const taskCells = added.length - run.job.newHeaders.length;
  assert.equal(taskCells, run.summary.counts.completed, 'filled new cells = completed tasks');
  const targetLangs = new Set(run.job.tasks.map((t) => t.targetLang));
  for (const h of run.job.newHeaders) assert.ok(namesTargetLanguage(h.text, targetLangs), `new header ${h.text} names a target language`);
}

/** `vi`, or a field's new column in its family's style: `name_VN`, `text_PT`. */
function namesTargetLanguage(header: string, targets: ReadonlySet<string>): boolean {
  if (targets.has(header)) return true;
  const code = normalizeLanguageCode(/[_.\- ]([A-Za-z]{2,4}(?:-[A-Za-z]{2,4})?)$/.exec(header)?.[1] ?? '');
  return !!code && [...targets].some((lang) => languagesMatch(lang, code) > 0);
}

/**
 * Per sheet and source column header (a game-data sheet has one per text field), the input
 * columns whose cell equals the task's source text in every task's row.
 */
function sourceColumns(run: RealRun): Map<string, number[]> {
  const bySheet = new Map<string, StoredTask[]>();
  for (const task of run.job.tasks) {
    const key = sourceKey(task);
    if (!bySheet.has(key)) bySheet.set(key, []);
    bySheet.get(key)!.push(task);
  }
  const result = new Map<string, number[]>();
  for (const [key, tasks] of bySheet) {
    const sheet = tasks[0].sheetName;
    const rows = run.grid.get(sheet) ?? run.grid.get('')!;
    const width = Math.max(...tasks.map((t) => rows[t.rowIdx]?.length ?? 0));
    const candidates = [];
    for (let col = 0; col < width; col++) if (tasks.every((t) => rows[t.rowIdx]?.[col] === t.sourceText && t.colIdx !== col)) candidates.push(col);
    result.set(key, candidates);
  }
  return result;
}

const sourceKey = (task: StoredTask): string => `${task.sheetName}\u0000${task.sourceColumn}`;

function checkSourcesComeFromOneColumn(run: RealRun): void {
  for (const [key, columns] of sourceColumns(run)) assert.ok(columns.length > 0, `${key.replace('\u0000', ' ')}: every task's source text is the cell of one input column in its row`);
  for (const task of run.job.tasks) assert.notEqual(task.sourceText.trim(), '', 'no task translates an empty cell');
}

/** `B "English" (en)`, or `B "Japanese" (ja) in 12 sheets: General, …` for a workbook. */
function describeSources(run: RealRun): string {
  const columns = sourceColumns(run);
  const sheetsBySource = new Map<string, string[]>();
  for (const t of new Map(run.job.tasks.map((task) => [sourceKey(task), task] as const)).values()) {
    const source = `${columnLetter(columns.get(sourceKey(t))![0])} "${t.sourceColumn}" (${t.sourceLang})`;
    sheetsBySource.set(source, [...(sheetsBySource.get(source) ?? []), t.sheetName]);
  }
  if (run.grid.size === 1) return [...sheetsBySource.keys()].join(', ');
  return [...sheetsBySource].map(([source, sheets]) => `${source} in ${sheets.length} sheet(s): ${sheets.join(', ')}`).join('; ');
}

function columnLetter(col: number): string {
  let name = '';
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

const sourceHeaders = (run: RealRun): string[] => [...new Set(run.job.tasks.map((t) => t.sourceColumn))].sort();

// ---- the files -------------------------------------------------------------------------------

describe('real-world files translate offline without changing any existing cell', { concurrency: 4 }, () => {
  test('panel-attack/localization.csv → vi: EN is the source, the translator-notes column is context only', { skip: realDataSkip }, (t) =>
    translateReal(t, 'panel-attack/localization.csv', 'vi', (run) => {
      assert.deepEqual(distinctSourceLangAndTargetCol(run.db), [{ source_lang: 'en', col_idx: 10 }], 'source EN, one new column after TH');
      assert.deepEqual(sourceHeaders(run), ['EN']);
      assert.deepEqual(sourceColumns(run).get(sourceKey(run.job.tasks[0])), [2], 'every source text is the EN cell (column C)');
      const header = run.grid.get('')![0];
      assert.equal(header[1], 'Context for translation');
      assert.ok(run.job.tasks.every((t) => t.colIdx !== 1), 'the Context column is never a target');
      assert.equal(run.summary.counts.total, 259, 'one task per EN row');
    }));

  test('polyglot-gamedev/PolyglotGamedev.csv (BOM, 27 languages) → vi: en_US is the source, the KEY column is not', { skip: realDataSkip }, (t) =>
    translateReal(t, 'polyglot-gamedev/PolyglotGamedev.csv', 'vi', (run) => {
      const rows = run.grid.get('')!;
      const translatedKeys = run.job.tasks.filter((task) => task.sourceText === rows[task.rowIdx][0]);
      assert.deepEqual(translatedKeys.slice(0, 3).map((task) => task.sourceText), [], 'no task translates a KEY cell (LANGUAGE_DIRECTION, CONTEXT_…)');
      assert.deepEqual(sourceHeaders(run), ['en_US']);
    }));

  test('mediainfo/Language.csv (semicolons, CRLF, leading spaces) → vi', { skip: realDataSkip }, (t) =>
    translateReal(t, 'mediainfo/Language.csv', 'vi', (run) => {
      assert.equal(run.job.tasks[0].colIdx, 39, 'the new column follows the last one (ka)');
      // The source is the fullest column (the documented default), which here is ru (1,411) over en (1,372).
      assert.equal(new Set(run.job.tasks.map((task) => task.sourceColumn)).size, 1);
    }));

  test('mediainfo/Language.csv → id fills the existing Indonesian column instead of adding a second one', { skip: realDataSkip }, (t) =>
    translateReal(t, 'mediainfo/Language.csv', 'id', (run) => {
      const header = run.grid.get('')![0];
      assert.equal(header.indexOf('id'), 16);
      assert.deepEqual(run.job.newHeaders, [], 'no new "id" column: the header `id` between hu and it is Indonesian');
      assert.ok(run.job.tasks.every((task) => task.colIdx === 16));
    }));

  test('cats-blender-plugin/translations.csv (padded multi-line cells) → vi', { skip: realDataSkip }, (t) =>
    translateReal(t, 'cats-blender-plugin/translations.csv', 'vi', (run) => {
      assert.deepEqual(sourceHeaders(run), ['en_US']);
      assert.ok(run.job.tasks.some((task) => /^\s/.test(task.sourceText)), 'leading whitespace reaches the source text untrimmed');
    }));

  test('reviews-amazon-fine-food/fine_food_reviews_1k.csv (1,000 rows, long texts) → vi', { skip: realDataSkip }, (t) =>
    translateReal(t, 'reviews-amazon-fine-food/fine_food_reviews_1k.csv', 'vi', (run) => {
      assert.equal(run.summary.counts.total, 1000, 'one English column, one task per review');
      assert.ok(['Summary', 'Text'].includes(sourceHeaders(run)[0]), 'the source is one of the two English text columns');
    }));

  test('elin-plugins/SourceDonaCN.xlsx (8 sheets, type rows, rich text) → vi: type rows are not translated', { skip: realDataSkip }, (t) =>
    translateReal(t, 'elin-plugins/SourceDonaCN.xlsx', 'vi', (run) => {
      assert.ok(sourceHeaders(run).every((header) => header.endsWith('_JP')), 'sources are *_JP columns');
      // Every filled text field is translated, not only the first _JP column of each sheet.
      assert.deepEqual(sourceHeaders(run), ['aggro_JP', 'aka_JP', 'calm_JP', 'dead_JP', 'detail_JP', 'fov_JP', 'kill_JP', 'name_JP', 'strPhase_JP', 'textEnd_JP', 'textExtra_JP', 'textPhase_JP', 'text_JP'], 'unit_JP holds only a default (row 3), never translated');
      assert.deepEqual(run.job.tasks.filter((task) => task.rowIdx === 2 && run.grid.get(task.sheetName)![1]?.includes('string') && !run.grid.get(task.sheetName)![2]?.[0]).map((task) => task.sourceText), [], 'the defaults row (row 3) is not translated');
      const typeRowTasks = run.job.tasks.filter((task) => run.grid.get(task.sheetName)![1]?.includes('string') && task.rowIdx === 1);
      assert.deepEqual(
        typeRowTasks.map((task) => `${task.sheetName}!${columnLetter(task.colIdx)}${task.rowIdx + 1} "${task.sourceText}"`),
        [],
        'row 2 holds column types (string, int, string[], elements): nothing in it is translated',
      );
    }));

  test('elin-plugins/donakoko.xlsx (formula, frozen header) → vi', { skip: realDataSkip }, (t) =>
    translateReal(t, 'elin-plugins/donakoko.xlsx', 'vi', (run) => {
      assert.deepEqual(sourceHeaders(run), ['text_JP']);
      assert.equal(run.summary.counts.total, 32);
    }));

  test('elin-plugins/cwl_sources.xlsx (placeholders, rich text) → vi', { skip: realDataSkip }, (t) =>
    translateReal(t, 'elin-plugins/cwl_sources.xlsx', 'vi', (run) => {
      // This is the EN folder's copy: text_JP mostly holds English too, and `text` is the fuller column.
      assert.equal(sourceHeaders(run).length, 1);
      assert.ok(['text_JP', 'text'].includes(sourceHeaders(run)[0]), `source ${sourceHeaders(run)[0]} is a text column`);
      assert.ok(run.job.tasks.every((task) => task.colIdx === 4), 'filter/text columns are not targets');
    }));

  test('moefight/Language.xlsx → ko', { skip: realDataSkip }, (t) =>
    translateReal(t, 'moefight/Language.xlsx', 'ko', (run) => {
      assert.deepEqual(sourceHeaders(run), ['English']);
      assert.deepEqual(distinctSourceLangAndTargetCol(run.db), [{ source_lang: 'en', col_idx: 4 }]);
    }));

  test('defra-epr-frontend/translations.xlsx (autoFilter) → vi', { skip: realDataSkip }, (t) =>
    translateReal(t, 'defra-epr-frontend/translations.xlsx', 'vi', (run) => {
      assert.deepEqual(distinctSourceLangAndTargetCol(run.db), [{ source_lang: 'en', col_idx: 3 }]);
      assert.equal(run.summary.counts.total, 53);
    }));

  test('defra-epr-frontend/translations.xlsx with default targets fills the empty cy column', { skip: realDataSkip }, (t) =>
    translateReal(t, 'defra-epr-frontend/translations.xlsx', undefined, (run) => {
      assert.deepEqual(distinctSourceLangAndTargetCol(run.db), [{ source_lang: 'en', col_idx: 2 }]);
      assert.deepEqual(run.job.newHeaders, []);
      assert.equal(run.summary.counts.total, 53);
    }));

  test('ultimatemods-translatefiles/Localization.xlsx (13 sheets, furigana) → vi', { skip: realDataSkip }, (t) =>
    translateReal(t, 'ultimatemods-translatefiles/Localization.xlsx', 'vi', (run) => {
      assert.deepEqual(sourceHeaders(run), ['Japanese']);
      const map = run.job.tasks.find((task) => task.sheetName === 'MapOption' && task.rowIdx === 1);
      assert.equal(map?.sourceText, 'マップの設定', 'the phonetic reading (セッテイ) is not part of the source text');
      assert.ok(run.job.tasks.every((task) => !task.sourceText.includes('セッテイ')));
      assert.ok(!run.job.tasks.some((task) => task.sheetName === 'Template'), 'the empty Template sheet gets no tasks');
    }));

  test('luban-examples/demo.xlsx (config workbook, 84 merges) is refused with a clear one-line message', { skip: realDataSkip }, async (t) => {
    const refused = await refusedCleanly('luban-examples/demo.xlsx');
    assert.match(refused ?? '(not refused)', /game-config workbook/);
    t.diagnostic(`refused: ${refused}`);
  });
});

/** The one-line message when the CLI refuses the file (exit 2), else undefined. */
async function refusedCleanly(relative: string): Promise<string | undefined> {
  return withTempDir(async (dir) => {
    const input = await copyRealFile(relative, dir);
    const output = path.join(dir, 'out.xlsx');
    const result = await runCli(['translate', input, '--to', 'vi', '--provider', 'pseudo', '--db', path.join(dir, 'fanyi.db'), '--out', output, '--json'], { cwd: dir });
    if (result.code !== 2) return undefined;
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line on stderr: ${result.stderr}`);
    assert.match(lines[0], /^fanyi: /);
    assert.ok(!existsSync(output), 'a refused file writes no output');
    return lines[0];
  });
}

test('the real-data folder holds the files this suite covers', { skip: realDataSkip }, async () => {
  const found: string[] = [];
  for (const entry of await readdir(realDataPath(), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const file of await readdir(realDataPath(entry.name))) if (/\.(xlsx|csv)$/.test(file)) found.push(`${entry.name}/${file}`);
  }
  assert.deepEqual(found.sort(), COVERED.slice().sort(), 'a new real file needs a case here');
});

const COVERED = [
  'panel-attack/localization.csv',
  'polyglot-gamedev/PolyglotGamedev.csv',
  'mediainfo/Language.csv',
  'cats-blender-plugin/translations.csv',
  'elin-plugins/SourceDonaCN.xlsx',
  'elin-plugins/donakoko.xlsx',
  'elin-plugins/cwl_sources.xlsx',
  'moefight/Language.xlsx',
  'defra-epr-frontend/translations.xlsx',
  'ultimatemods-translatefiles/Localization.xlsx',
  'luban-examples/demo.xlsx',
  'reviews-amazon-fine-food/fine_food_reviews_1k.csv',
];
