/**
 * A table sheet in a new exceljs workbook, made for people to work through: header row frozen,
 * bold and filterable (the review list, `fanyi check --out`). Appending to an existing workbook
 * without touching its styles is table-sheet-xml.ts's job.
 */
import type ExcelJS from 'exceljs';
import type { TableSheet } from './table-sheet-xml.ts';

export function addFilteredTable(workbook: ExcelJS.Workbook, table: TableSheet): ExcelJS.Worksheet {
  const sheet = workbook.addWorksheet(table.name, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = table.columns.map((c) => ({ header: c.header, width: c.width }));
  for (const row of table.rows) sheet.addRow([...row]);
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: table.columns.length } };
  sheet.getRow(1).font = { bold: true };
  return sheet;
}
