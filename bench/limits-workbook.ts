/**
 * The workbook bench/limits.ts translates: one English source column of short UI strings and
 * four empty target columns, ~2% duplicate texts (so de-duplication barely shrinks the work),
 * and the check that an output holds exactly the simulated provider's translation in every cell.
 */
import ExcelJS from 'exceljs';
import { mulberry32 } from '../test/helpers/simulated-faults.ts';
import { simulatedTranslation } from '../test/helpers/simulated-translation.ts';

export const SOURCE = 'en';
export const TARGETS = ['pt-BR', 'th', 'vi', 'de'];

const VERBS = ['Open', 'Close', 'Buy', 'Sell', 'Equip', 'Upgrade', 'Craft', 'Claim', 'Collect', 'Repair', 'Unlock', 'Select', 'Confirm', 'Share', 'Use', 'Gift', 'Store', 'Drop', 'Enchant', 'Inspect'];
const ADJECTIVES = ['Rare', 'Golden', 'Ancient', 'Broken', 'Shiny', 'Heavy', 'Daily', 'Hidden', 'Frozen', 'Royal', 'Lucky', 'Tiny', 'Giant', 'Cursed', 'Sacred', 'Rusty'];
const NOUNS = ['Sword', 'Shield', 'Potion', 'Chest', 'Map', 'Ticket', 'Badge', 'Helmet', 'Boots', 'Ring', 'Scroll', 'Crystal', 'Egg', 'Pet', 'Mount', 'Banner', 'Skin', 'Frame', 'Key', 'Gem', 'Lantern', 'Bow', 'Cloak', 'Amulet'];
const SUFFIXES = ['', ' x{0}', ' ({0}/{1})', ' Lv.%d', '?', ' now', ' for {0} coins', '!'];
const COMBINATIONS = VERBS.length * ADJECTIVES.length * NOUNS.length * SUFFIXES.length;

/** The i-th distinct UI string: a fixed permutation of every combination, so no two repeat. */
function uiString(i: number): string {
  // 7919 is prime and does not divide COMBINATIONS, so i → i·7919 mod N visits each once.
  let n = (i * 7919) % COMBINATIONS;
  const pick = <T>(list: T[]): T => {
    const value = list[n % list.length];
    n = Math.floor(n / list.length);
    return value;
  };
  const [verb, adjective, noun, suffix] = [pick(VERBS), pick(ADJECTIVES), pick(NOUNS), pick(SUFFIXES)];
  return `${verb} ${adjective} ${noun}${suffix}`;
}

/** Source texts for `rows` rows: distinct, except that one row in 50 repeats an earlier one. */
export function sourceTexts(rows: number, seed = 1): string[] {
  const random = mulberry32(seed);
  const texts: string[] = [];
  for (let i = 0; i < rows; i++) texts.push(i % 50 === 49 ? texts[Math.floor(random() * i)] : uiString(i));
  return texts;
}

export async function writeBenchWorkbook(file: string, texts: string[], targets = TARGETS): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('UI');
  sheet.addRow(['Key', SOURCE, ...targets]);
  texts.forEach((text, i) => sheet.addRow([`ui_label_${i + 1}`, text]));
  await workbook.xlsx.writeFile(file);
}

/** Target cells that are missing or differ from the simulated provider's translation. */
export async function wrongCells(file: string, texts: string[], targets = TARGETS): Promise<number> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  const sheet = workbook.getWorksheet('UI');
  if (!sheet) return texts.length * targets.length;
  let wrong = 0;
  texts.forEach((text, i) => {
    const row = sheet.getRow(i + 2);
    targets.forEach((lang, t) => {
      if (row.getCell(3 + t).value !== simulatedTranslation(text, lang)) wrong++;
    });
  });
  return wrong;
}
