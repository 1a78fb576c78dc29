/**
 * A big generated string table (`Key | CH | EN | <targets…>`), written row by row with exceljs's
 * streaming WorkbookWriter as bench/big.ts does, so a test or bench gets hundreds of thousands of
 * rows without holding them. CH is the source, EN a filled reference, every target cell empty.
 */
import ExcelJS from 'exceljs';

export interface BigTableOptions {
  /** Target column headers, each an empty column (default `PT`: one task a row, pt-BR). */
  targets?: string[];
  /** Rows in 10 whose text is unique; the rest repeat one of 500 common texts. Default 6 (bench/big's ~40% duplicates). */
  uniquePerTen?: number;
}

export async function writeBigTable(file: string, rows: number, options: BigTableOptions = {}): Promise<void> {
  const targets = options.targets ?? ['PT'];
  const uniquePerTen = options.uniquePerTen ?? 6;
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: false });
  const sheet = book.addWorksheet('Strings');
  sheet.addRow(['Key', 'CH', 'EN', ...targets]).commit();
  const empty = targets.map(() => null);
  for (let i = 0; i < rows; i++) {
    const common = i % 10 >= uniquePerTen;
    const ch = common ? `常用文本 ${i % 500} {0}` : `物品 ${i} 的描述：造成 %d 点伤害`;
    const en = common ? `Common text ${i % 500} {0}` : `Item ${i} description: deals %d damage`;
    sheet.addRow([i + 1, ch, en, ...empty]).commit();
  }
  sheet.commit();
  await book.commit();
}
