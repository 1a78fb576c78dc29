/**
 * `fanyi check <file>`: the QA checks of src/qa over translations already in a table, without a
 * single LLM call. Exit 3 when a translation has a hard or soft flag, 0 when none; cells with no
 * translation yet are counted, listed with --json and --out (`missing`, severity info), and do
 * not fail the check.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { readLimits } from '../../engine.ts';
import { FanyiError } from '../../errors.ts';
import { checkTable, type CellFinding, type TableReport } from '../../qa/check-table.ts';
import type { QaFlag } from '../../qa/qa-flags.ts';
import { parseLanguageList } from '../../tasks/plan-targets.ts';
import { scanWorkbook } from '../../workbook/read-workbook.ts';
import { overridesFrom, printJsonList, splitList } from '../common.ts';
import { EXIT } from '../exit-codes.ts';

interface CheckFlags {
  from?: string;
  to?: string;
  json?: boolean;
  out?: string;
  config?: string;
}

export function registerCheck(program: Command, exit: (code: number) => void): void {
  program
    .command('check')
    .description('QA of the translations already in a table (placeholders, markup, numbers, length, script, untranslated, empty); no LLM calls')
    .argument('<file>', 'the workbook (.xlsx, .csv, .tsv)')
    .option('--from <lang>', 'source language (default: the column translate would use)')
    .option('--to <langs>', 'only these languages, comma-separated')
    .option('--json', 'print one JSON object')
    .option('--out <report.xlsx>', 'also write the findings to a report workbook')
    .option('--config <file>', 'config file (read limits)')
    .action(async (file: string, flags: CheckFlags) => {
      const { config } = loadConfig(overridesFrom({ config: flags.config, provider: 'pseudo' }));
      const to = flags.to ? parseLanguageList(splitList(flags.to) ?? [], '--to') : undefined;
      const from = flags.from ? parseLanguageList([flags.from], '--from')[0] : undefined;
      if (flags.out && path.resolve(flags.out) === path.resolve(file)) throw new FanyiError('USAGE', '--out must not be the checked file itself');
      // Streamed: the table is never held. The empty cells are listed only where they are shown (--json, --out).
      const scan = await scanWorkbook(file, readLimits(config));
      const report = await checkTable(scan, { from, to, listMissing: Boolean(flags.json || flags.out) });
      const summary = summarize(file, report);
      if (flags.out) await writeReport(flags.out, report, summary);
      if (flags.json) await printJsonList({ ...summary, report: flags.out ?? null }, 'findings', report.findings, toJson);
      else process.stdout.write(renderText(report, summary, flags.out));
      exit(summary.problems.cells > 0 ? EXIT.REVIEW : EXIT.OK);
    });
}

type Summary = ReturnType<typeof summarize>;

/** What `--json` prints besides the findings, and the report's Summary sheet. */
export function summarize(file: string, report: TableReport) {
  const problemFlags = report.findings.flatMap((f) => f.flags).filter((f) => f.severity !== 'info');
  const count = (key: (f: CellFinding, flag: QaFlag) => string, isWanted: (flag: QaFlag) => boolean) => {
    const counts: Record<string, number> = {};
    for (const finding of report.findings) for (const flag of finding.flags) if (isWanted(flag)) counts[key(finding, flag)] = (counts[key(finding, flag)] ?? 0) + 1;
    return counts;
  };
  const isProblem = (flag: QaFlag) => flag.severity !== 'info';
  return {
    file,
    checked: report.checked,
    problems: {
      cells: report.findings.filter((f) => f.flags.some(isProblem)).length,
      flags: problemFlags.length,
      hard: problemFlags.filter((f) => f.severity === 'hard').length,
      soft: problemFlags.filter((f) => f.severity === 'soft').length,
    },
    missing: report.missing.cells,
    by_code: count((_, flag) => flag.code, isProblem),
    by_language: count((finding) => finding.language, isProblem),
    missing_by_language: report.missing.byLanguage,
    columns: report.pairs,
    skipped_sheets: report.skippedSheets,
  };
}

function toJson(finding: CellFinding) {
  const { row: _row, col: _col, ...rest } = finding;
  return rest;
}

const WIDTH = { cell: 12, lang: 6, code: 22, text: 34, detail: 60 };

/** One line per problem flag, then the counts; empty cells only as counts (they are listed in --json / --out). */
function renderText(report: TableReport, summary: Summary, out: string | undefined): string {
  // Wide enough for the longest `Sheet!A1`, within reason.
  const cellWidth = Math.min(32, report.findings.reduce((width, f) => Math.max(width, f.sheet.length + f.cell.length + 1), WIDTH.cell));
  const row = (cells: string[]) => formatRow(cells, cellWidth);
  const lines = [row(['CELL', 'LANG', 'FLAG', 'SOURCE', 'TARGET', 'DETAIL'])];
  for (const finding of report.findings) {
    for (const flag of finding.flags) {
      if (flag.severity === 'info') continue;
      const where = `${finding.sheet}!${finding.cell}`;
      lines.push(row([where, finding.language, `${flag.code}${flag.severity === 'hard' ? '!' : ''}`, finding.source, finding.target, flag.message]));
    }
  }
  if (lines.length === 1) lines.length = 0;
  else lines.push('');
  const { problems } = summary;
  lines.push(
    `${summary.checked} translations checked: ${problems.cells} with problems (${problems.hard} hard, ${problems.soft} soft)` +
      (problems.flags ? ` — ${Object.entries(summary.by_code).map(([code, n]) => `${code} ${n}`).join(', ')}` : ''),
  );
  if (summary.missing) lines.push(`${summary.missing} cells not translated yet: ${Object.entries(summary.missing_by_language).map(([l, n]) => `${l} ${n}`).join(', ')}`);
  if (out) lines.push(`report: ${out}`);
  return `${lines.join('\n')}\n`;
}

function formatRow([cell, lang, code, source, target, detail]: string[], cellWidth: number): string {
  return [fit(cell, cellWidth), fit(lang, WIDTH.lang), fit(code, WIDTH.code), fit(source, WIDTH.text), fit(target, WIDTH.text), clip(detail, WIDTH.detail)].join('  ');
}

/** Line breaks and tabs shown as ⏎ and →, so one cell stays one line. */
function clip(text: string, width: number): string {
  const flat = text.replace(/\r\n|\r|\n/g, '⏎').replace(/\t/g, '→');
  const chars = [...flat];
  return chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : flat;
}

function fit(text: string, width: number): string {
  const clipped = clip(text, width);
  return clipped + ' '.repeat(Math.max(0, width - displayWidth(clipped)));
}

/** East Asian wide characters take two terminal columns. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char) ? 2 : 1;
  return width;
}

/** Rows of a worksheet under the header: Excel's limit. */
const MAX_SHEET_ROWS = 1_048_575;

/**
 * A new workbook (the checked file is never touched): Findings, one row per flag, the problems
 * first and then the empty cells, up to Excel's sheet limit (Summary says how many were listed),
 * header frozen, bold and filterable; and Summary. Written as a stream: a row is on disk once it
 * is added.
 */
export async function writeReport(out: string, report: TableReport, summary: Summary, maxRows = MAX_SHEET_ROWS): Promise<void> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: out, useStyles: true });
  const findings = workbook.addWorksheet('Findings', { views: [{ state: 'frozen', ySplit: 1 }] });
  findings.columns = [
    { header: 'Sheet', width: 16 }, { header: 'Cell', width: 8 }, { header: 'Key', width: 24 }, { header: 'Language', width: 9 },
    { header: 'Severity', width: 8 }, { header: 'Flag', width: 22 }, { header: 'Detail', width: 50 },
    { header: 'Source', width: 50 }, { header: 'Target', width: 50 }, { header: 'Score', width: 7 },
  ];
  findings.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: 10 } };
  findings.getRow(1).font = { bold: true };
  let listed = 0;
  let flags = 0;
  // Problems before empty cells: a table with millions of empty cells still lists every problem.
  for (const wanted of [(flag: QaFlag) => flag.severity !== 'info', (flag: QaFlag) => flag.severity === 'info']) {
    for (const f of report.findings) {
      for (const flag of f.flags) {
        if (!wanted(flag)) continue;
        flags++;
        if (listed === maxRows) continue;
        findings.addRow([f.sheet, f.cell, f.key ?? '', f.language, flag.severity, flag.code, flag.message, f.source, f.target, f.score]).commit();
        listed++;
      }
    }
  }
  findings.commit();
  const totals = workbook.addWorksheet('Summary');
  totals.columns = [{ header: 'Measure', width: 28 }, { header: 'Count', width: 10 }];
  const rows: Array<[string, string | number]> = [['file', summary.file], ['translations checked', summary.checked], ['cells with problems', summary.problems.cells],
    ['hard flags', summary.problems.hard], ['soft flags', summary.problems.soft], ['cells not translated yet', summary.missing]];
  if (listed < flags) rows.push([`findings listed (of ${flags})`, listed]);
  for (const [code, n] of Object.entries(summary.by_code)) rows.push([code, n]);
  for (const row of rows) totals.addRow(row).commit();
  totals.commit();
  await workbook.commit();
}
