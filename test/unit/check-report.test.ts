import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { summarize, writeReport } from '../../src/cli/commands/check.ts';
import type { CellFinding, TableReport } from '../../src/qa/check-table.ts';
import { flag } from '../../src/qa/qa-flags.ts';

// `fanyi check --out` lists at most a sheet's rows; a table with more empty cells than that must
// still list every problem (problems first), and Summary must say how many of how many were listed.

const finding = (row: number, flags: CellFinding['flags']): CellFinding =>
  ({ sheet: 'S', cell: `C${row + 1}`, row, col: 2, language: 'th', sourceLanguage: 'en', sourceCell: `B${row + 1}`, source: `text ${row}`, target: flags[0].code === 'missing' ? '' : `ข้อความ ${row}`, flags, score: 0 });

test('a capped report lists the problems before the empty cells, and Summary says how many it listed', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-check-report-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // Empty cells first in the table, as in a sheet whose first rows are not translated yet.
  const findings = [
    ...[1, 2, 3, 4].map((row) => finding(row, [flag('missing', 'no translation yet')])),
    finding(5, [flag('placeholder_mismatch', 'placeholders differ'), flag('too_long', 'over the limit')]),
  ];
  const report: TableReport = { checked: 5, findings, missing: { cells: 4, byLanguage: { th: 4 } }, skippedSheets: [], pairs: [] };
  const out = path.join(dir, 'report.xlsx');
  await writeReport(out, report, summarize('t.xlsx', report), 3);

  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(out);
  // An empty key is an empty cell.
  const rows = workbook.getWorksheet('Findings')!.getSheetValues().slice(2).map((r) => Array.from((r as unknown[]).slice(1, 7), (v) => v ?? ''));
  assert.deepEqual(rows, [
    ['S', 'C6', '', 'th', 'hard', 'placeholder_mismatch'],
    ['S', 'C6', '', 'th', 'soft', 'too_long'],
    ['S', 'C2', '', 'th', 'info', 'missing'],
  ]);
  const summary = Object.fromEntries(workbook.getWorksheet('Summary')!.getSheetValues().slice(2).map((r) => (r as unknown[]).slice(1, 3)));
  assert.equal(summary['findings listed (of 6)'], 3);
  assert.equal(summary['cells not translated yet'], 4);
});
