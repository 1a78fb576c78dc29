/**
 * A new worksheet part holding a plain table (the Review sheet): a header row frozen at the top,
 * column widths, strings as inline strings (sharedStrings.xml stays as it was) and numbers as
 * numbers. No cell gets a style, so styles.xml needs no change either.
 */
import { columnName, escapeText } from './sheet-xml-helpers.ts';

/** A sheet to append to a workbook. */
export interface TableSheet {
  /** Wanted name; `Name (2)`… when the workbook has a sheet of that name already. */
  name: string;
  columns: ReadonlyArray<{ header: string; width: number }>;
  /** One array per row, in column order; null or '' leaves the cell out. */
  rows: ReadonlyArray<ReadonlyArray<string | number | null>>;
}

/** Excel's limit on the characters of one cell. */
const MAX_CELL_CHARS = 32_767;

/** The worksheet XML, in `namespace` (the workbook's own: transitional or strict). */
export function tableSheetXml(sheet: TableSheet, namespace: string): string {
  const width = sheet.columns.length;
  const last = `${columnName(Math.max(0, width - 1))}${sheet.rows.length + 1}`;
  const cols = sheet.columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width}" customWidth="1"/>`).join('');
  const rows = [sheet.columns.map((c) => c.header), ...sheet.rows].map((cells, i) => rowXml(i + 1, cells)).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${namespace}">` +
    `<dimension ref="A1:${last}"/>` +
    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
    `<sheetFormatPr defaultRowHeight="15"/><cols>${cols}</cols><sheetData>${rows}</sheetData></worksheet>`
  );
}

function rowXml(rowNumber: number, cells: ReadonlyArray<string | number | null>): string {
  let xml = '';
  cells.forEach((value, col) => {
    const ref = `${columnName(col)}${rowNumber}`;
    if (typeof value === 'number' && Number.isFinite(value)) xml += `<c r="${ref}"><v>${value}</v></c>`;
    else if (typeof value === 'string' && value !== '') {
      xml += `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeText(value.slice(0, MAX_CELL_CHARS))}</t></is></c>`;
    }
  });
  return `<row r="${rowNumber}">${xml}</row>`;
}
