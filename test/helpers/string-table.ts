/**
 * A plain one-sheet string table (`Key | CH | PT | TH`) of generated unique texts, for tests that
 * need volume or a known task count rather than workbook features.
 */
import ExcelJS from 'exceljs';
import { simulatedTranslation } from './simulated-translation.ts';
import { readWorkbook } from './compare-workbooks.ts';

/** Requested code → 1-based column. */
export const TABLE_TARGETS = [{ lang: 'pt-BR', col: 3 }, { lang: 'th', col: 4 }] as const;

export interface StringTable {
  file: string;
  texts: string[];
  /** `Strings!A1` → expected translation, for every target cell. */
  expected: Map<string, string>;
}

const WORDS = ['金币', '宝石', '长剑', '盾牌', '药水', '地图', '钥匙', '卷轴', '戒指', '弓箭', '头盔', '披风'];

/** `count` unique short Chinese texts, deterministic: `金币 1`, `宝石 2`, … */
export function uniqueTexts(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${WORDS[i % WORDS.length]} ${i + 1}`);
}

export async function writeStringTable(file: string, texts: string[]): Promise<StringTable> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Strings');
  sheet.addRow(['Key', 'CH', 'PT', 'TH']);
  texts.forEach((text, i) => sheet.addRow([`str_${i + 1}`, text]));
  await book.xlsx.writeFile(file);
  const expected = new Map<string, string>();
  texts.forEach((text, i) => {
    for (const { lang, col } of TABLE_TARGETS) expected.set(`Strings!${String.fromCharCode(64 + col)}${i + 2}`, simulatedTranslation(text, lang));
  });
  return { file, texts, expected };
}

/** Cells of `Strings` in `file` that do not hold their expected text, as readable lines. */
export async function wrongCells(file: string, expected: Map<string, string>): Promise<string[]> {
  const book = await readWorkbook(file);
  const sheet = book.getWorksheet('Strings')!;
  const wrong: string[] = [];
  for (const [key, text] of expected) {
    const value = sheet.getCell(key.split('!')[1]).value;
    if (value !== text) wrong.push(`${key}: ${JSON.stringify(value)} ≠ ${JSON.stringify(text)}`);
  }
  return wrong;
}
