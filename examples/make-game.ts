/**
 * Builds examples/game.xlsx: a small but realistic game string table (merged title row, comments,
 * fills, a formula, placeholders, human translations already filled, duplicates, a hidden sheet).
 * Run: node --import tsx examples/make-game.ts [out.xlsx]
 */
import ExcelJS from 'exceljs';

export async function makeGameWorkbook(out: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ui = wb.addWorksheet('UI');
  ui.mergeCells('A1:F1');
  ui.getCell('A1').value = 'Star Harbor — UI strings (do not edit keys)';
  ui.getCell('A1').font = { bold: true, size: 14 };
  ui.getCell('A1').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFE699' } };
  ui.addRow(['Key', 'CH', 'EN', 'PT', 'TH', 'VN']);
  ui.getRow(2).font = { bold: true };
  const rows: Array<[string, string, string, string?]> = [
    ['btn_start', '开始游戏', 'Start Game', 'Iniciar Jogo'],
    ['btn_settings', '设置', 'Settings'],
    ['btn_quit', '退出', 'Quit'],
    ['lbl_level', '等级 {0}', 'Level {0}'],
    ['lbl_gold', '金币：%d', 'Gold: %d'],
    ['msg_welcome', '欢迎回来，{name}！', 'Welcome back, {name}!'],
    ['msg_reward', '获得<color=#ffd700>{0}</color>金币', 'Got <color=#ffd700>{0}</color> gold'],
    ['msg_two_lines', '第一行\\n第二行', 'Line one\\nLine two'],
    ['btn_confirm', '确定', 'OK'],
    ['btn_cancel', '取消', 'Cancel'],
    ['btn_ok_again', '确定', 'OK'],
  ];
  for (const [key, ch, en, pt] of rows) ui.addRow([key, ch, en, pt ?? null, null, null]);
  ui.getCell('B3').note = 'Main menu button, max 12 chars';
  ui.getCell('D3').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC6EFCE' } };
  ui.getColumn(2).width = 24;
  ui.getColumn(3).width = 28;
  ui.addRow(['count', { formula: 'COUNTA(B3:B13)', result: 11 }, null, null, null, null]);

  const dialog = wb.addWorksheet('Dialog');
  dialog.addRow(['ID', 'Speaker', 'CH', 'EN', 'PT', 'TH', 'VN']);
  dialog.addRow(['dlg_001', 'Captain', '欢迎来到星港。我们等你很久了。', 'Welcome to Star Harbor. We have been waiting for you.']);
  dialog.addRow(['dlg_002', 'Merchant', '想看看我的货物吗？今天全部八折！', 'Want to see my wares? Everything is 20% off today!']);
  dialog.addRow(['dlg_003', 'Captain', '小心，前方有海盗。', 'Careful, pirates ahead.', null, 'ระวัง มีโจรสลัดอยู่ข้างหน้า']);

  const items = wb.addWorksheet('Items');
  items.addRow(['Key', 'CH', 'EN', 'PT', 'TH', 'VN', 'Price']);
  items.addRow(['item_sword', '铁剑', 'Iron Sword', null, null, null, 120]);
  items.addRow(['item_potion', '治疗药水', 'Healing Potion', null, null, null, 15]);
  items.addRow(['item_potion_desc', '恢复{0}点生命值。', 'Restores {0} HP.', null, null, null, null]);
  items.getCell('B3').dataValidation = { type: 'textLength', operator: 'lessThan', formulae: [30], allowBlank: true };

  const config = wb.addWorksheet('Config', { state: 'hidden' });
  config.addRow(['build', 'version']);
  config.addRow(['release', '1.4.2']);
  await wb.xlsx.writeFile(out);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await makeGameWorkbook(process.argv[2] ?? new URL('./game.xlsx', import.meta.url).pathname);
}
