/**
 * A realistic game string table for end-to-end tests, and what a translation of it must produce.
 *
 * Sheet "UI": a merged title row above `Key | CH | EN | PT | TH | VN`, placeholders, markup,
 * escaped and real newlines, padded texts, duplicates, human translations, a note, fills, widths,
 * a formula, a number and a rich-text source. Sheet "Dialog": `ID | Speaker | 中文 | Português |
 * ไทย | Audio`, no Vietnamese column (a `vi` column must be added after Audio). Sheet "Config":
 * hidden, no language columns. The expectations follow the wire contract, never the product's
 * code: a target cell gets `simulatedTranslation(source, requested code)` when it was empty and
 * its source has a letter; nothing else changes.
 */
import ExcelJS from 'exceljs';
import { simulatedTranslation } from './simulated-translation.ts';

/** The requested codes and the column each lands in, per sheet (1-based columns). */
export const GAME_TARGETS = {
  UI: { source: 2, targets: [{ lang: 'pt-BR', col: 4 }, { lang: 'th', col: 5 }, { lang: 'vi', col: 6 }] },
  Dialog: { source: 3, targets: [{ lang: 'pt-BR', col: 4 }, { lang: 'th', col: 5 }, { lang: 'vi', col: 7 }] },
} as const;

export const GAME_LANGUAGES = ['pt-BR', 'th', 'vi'] as const;

export interface ExpectedCell {
  sheet: string;
  /** A1 address. */
  address: string;
  source: string;
  lang: string;
  text: string;
}

export interface GameWorkbook {
  file: string;
  /** Every target cell that must be filled, keyed `Sheet!A1`. */
  targets: Map<string, ExpectedCell>;
  /** Header cells of new language columns, `Sheet!A1` → text. */
  newHeaders: Map<string, string>;
  /** `${lang}\u0000${text}`: what the provider must translate, each exactly once. */
  uniquePairs: Set<string>;
}

type Cell = ExcelJS.CellValue;

const UI_ROWS: Array<[string, Cell, Cell?, Cell?, Cell?, Cell?]> = [
  ['btn_start', '开始游戏', 'Start Game', 'Iniciar Jogo'],
  ['btn_settings', '设置', 'Settings'],
  ['btn_quit', '退出', 'Quit', null, 'ออก'],
  ['lbl_level', '等级 {0}', 'Level {0}'],
  ['lbl_gold', '金币：%s', 'Gold: %s'],
  ['msg_welcome', '欢迎回来，{name}！', 'Welcome back, {name}!'],
  ['msg_reward', '获得<color=#fff>{0}</color>金币', 'Got <color=#fff>{0}</color> gold'],
  ['msg_escaped_newline', '第一行\\n第二行', 'Line one\\nLine two'],
  ['msg_real_newline', '第一行\n第二行', 'Line one\nLine two'],
  ['btn_confirm', '确定', 'OK'],
  ['btn_cancel', '取消', 'Cancel', 'Cancelar', 'ยกเลิก'],
  ['btn_ok_again', '确定', 'OK'],
  ['lbl_padded', '  开始  ', '  Start  '],
  ['lbl_bag', '背包 ', 'Bag '],
  ['btn_confirm_3', '确定', 'OK', 'OK'],
  ['ui_version', 1.5, 1.5],
  ['lbl_ratio', '{0}/{1}', '{0}/{1}'],
  ['msg_error', '网络错误，请稍后重试。', 'Network error, please try again later.'],
  ['btn_back', '返回', 'Back', null, { formula: 'C21', result: 'Back' }],
  ['tab_shop', '商店', 'Shop'],
  ['btn_settings_2', '设置', 'Settings'],
  ['msg_bag_full', '你的背包已满，请先整理背包再领取奖励。', 'Your bag is full.'],
  ['lbl_rich', { richText: [{ text: '获得', font: { bold: true } }, { text: '奖励' }] }, 'Reward'],
  ['msg_quote', '他说："你好" \\ 再见', 'He said "hi"'],
  ['msg_markup', '攻击 & 防御 <b>+5</b>', 'ATK & DEF <b>+5</b>'],
  ['lbl_day', '第{0}天', 'Day {0}'],
  ['lbl_unknown', '未知'],
  ['lbl_percent', '完成度 %1$d%', 'Done %1$d%'],
];

const DIALOG_ROWS: Array<[string, string, string, Cell?, Cell?]> = [
  ['dlg_001', 'Captain', '欢迎来到星港。'],
  ['dlg_002', 'Merchant', '想看看我的货物吗？', 'Quer ver minhas mercadorias?'],
  ['dlg_003', 'Captain', '小心，前方有海盗。', null, 'ระวัง มีโจรสลัดอยู่ข้างหน้า'],
  ['dlg_004', 'Captain', '出发！'],
  ['dlg_005', 'Captain', '出发！'],
  ['dlg_006', 'Merchant', '慢走，欢迎再来。'],
  ['dlg_007', 'Narrator', '{player}获得了{0}个<color=#0f0>宝石</color>。'],
  ['dlg_008', 'Narrator', '第一章\n启程'],
];

const FILL_YELLOW: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFE699' } };
const FILL_GREEN: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC6EFCE' } };

/** Writes the workbook to `file` and returns what translating it into pt-BR, th and vi must give. */
export async function writeGameWorkbook(file: string): Promise<GameWorkbook> {
  const book = new ExcelJS.Workbook();
  addUiSheet(book);
  addDialogSheet(book);
  const config = book.addWorksheet('Config', { state: 'hidden' });
  config.addRows([['build', 'version'], ['release', '1.4.2'], ['channel', 'steam']]);
  await book.xlsx.writeFile(file);
  return { file, ...expectations() };
}

function addUiSheet(book: ExcelJS.Workbook): void {
  const ui = book.addWorksheet('UI', { views: [{ state: 'frozen', ySplit: 2 }] });
  ui.mergeCells('A1:F1');
  ui.getCell('A1').value = 'Star Harbor — UI strings (do not edit keys)';
  ui.getCell('A1').font = { bold: true, size: 14 };
  ui.getCell('A1').fill = FILL_YELLOW;
  ui.addRow(['Key', 'CH', 'EN', 'PT', 'TH', 'VN']);
  ui.getRow(2).font = { bold: true, color: { argb: 'FF1F4E78' } };
  for (const row of UI_ROWS) ui.addRow(row);
  const last = 2 + UI_ROWS.length;
  ui.addRow(['count', { formula: `COUNTA(B3:B${last})`, result: UI_ROWS.length }]);
  ui.getCell('B3').note = 'Main menu button, max 12 chars';
  ui.getCell('D3').fill = FILL_GREEN; // a human translation, marked reviewed
  ui.getCell('E5').fill = FILL_GREEN; // an empty target that is styled: the fill must survive write-back
  ui.getCell('B9').fill = FILL_YELLOW;
  ui.getCell('F8').note = 'VN: keep the placeholder';
  ui.getCell('B11').alignment = { wrapText: true, vertical: 'top' };
  ui.getCell('F11').alignment = { wrapText: true };
  ui.getRow(11).height = 32;
  ui.getCell('B18').numFmt = '0.00';
  ui.getCell('C18').numFmt = '0.0%';
  ui.getColumn(1).width = 18;
  ui.getColumn(2).width = 24;
  ui.getColumn(3).width = 28;
  ui.getColumn(6).width = 30;
}

function addDialogSheet(book: ExcelJS.Workbook): void {
  const dialog = book.addWorksheet('Dialog');
  dialog.addRow(['ID', 'Speaker', '中文', 'Português', 'ไทย', 'Audio']);
  dialog.getRow(1).font = { bold: true };
  DIALOG_ROWS.forEach(([id, speaker, zh, pt, th], i) => dialog.addRow([id, speaker, zh, pt ?? null, th ?? null, `vo_${String(i + 1).padStart(3, '0')}.ogg`]));
  dialog.getColumn(3).width = 40;
  dialog.getCell('C2').note = 'Spoken over the radio';
}

function expectations(): Omit<GameWorkbook, 'file'> {
  const targets = new Map<string, ExpectedCell>();
  const add = (sheet: 'UI' | 'Dialog', row: number, values: readonly Cell[]) => {
    const { source: sourceCol, targets: columns } = GAME_TARGETS[sheet];
    const source = textOf(values[sourceCol - 1]);
    if (source === undefined || !/\p{L}/u.test(source)) return;
    for (const { lang, col } of columns) {
      if (values[col - 1] !== undefined && values[col - 1] !== null) continue;
      const address = `${columnLetter(col)}${row}`;
      targets.set(`${sheet}!${address}`, { sheet, address, source, lang, text: simulatedTranslation(source, lang) });
    }
  };
  UI_ROWS.forEach((values, i) => add('UI', i + 3, values));
  DIALOG_ROWS.forEach(([id, speaker, zh, pt, th], i) => add('Dialog', i + 2, [id, speaker, zh, pt, th, 'audio']));
  const uniquePairs = new Set([...targets.values()].map((t) => `${t.lang}\u0000${t.source}`));
  return { targets, newHeaders: new Map([['Dialog!G1', 'vi']]), uniquePairs };
}

function textOf(value: Cell | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'richText' in value) return value.richText.map((run) => run.text).join('');
  return undefined;
}

export function columnLetter(col: number): string {
  let name = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}
