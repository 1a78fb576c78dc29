/**
 * `system.max_memory_usage` through the real CLI (issue 16): a generated 6,000-row table is
 * refused under a budget it cannot fit, by `estimate` and `translate` alike, with one line and
 * exit 2, before any job is stored or any file written; under a budget just above its need it is
 * planned in smaller blocks (src/workbook/memory-budget.ts) and translated whole.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { BASE_BYTES, blockRowsFor } from '../../src/workbook/memory-budget.ts';
import { describeResult, makeTempDir, runCli } from '../helpers/fanyi-cli.ts';

const ROWS = 6_000;
/** Its sheet and shared strings expand to ~1.6 MB: a need ~2 MB over the fitted line's base. */
const TOO_SMALL_MB = BASE_BYTES / (1024 * 1024) + 1;
const ENOUGH_MB = BASE_BYTES / (1024 * 1024) + 50;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let file: string;

/** bench:big's table: Key, CH source, EN reference, PT/TH/VN empty; 40% of rows repeat one of 500 texts. */
async function generate(target: string, rows: number): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: target, useSharedStrings: true, useStyles: false });
  const ws = wb.addWorksheet('Strings');
  ws.addRow(['Key', 'CH', 'EN', 'PT', 'TH', 'VN']).commit();
  for (let i = 0; i < rows; i++) {
    const common = i % 5 < 2;
    ws.addRow([`key_${i}`, common ? `常用文本 ${i % 500} {0}` : `物品 ${i} 的描述：造成 %d 点伤害`, common ? `Common text ${i % 500} {0}` : `Item ${i} description: deals %d damage`, null, null, null]).commit();
  }
  ws.commit();
  await wb.commit();
}

async function config(mb: number): Promise<string> {
  const configPath = path.join(temp.dir, `budget-${mb}.yaml`);
  await writeFile(configPath, `system:\n  max_memory_usage: ${mb}\n`);
  return configPath;
}

before(async () => {
  temp = await makeTempDir('fanyi-memory-');
  file = path.join(temp.dir, 'big.xlsx');
  await generate(file, ROWS);
});

after(() => temp?.cleanup());

test('under a budget it cannot fit, estimate and translate refuse in one line, exit 2, and store nothing', async () => {
  const db = path.join(temp.dir, 'refused.db');
  const out = path.join(temp.dir, 'refused.xlsx');
  const budget = await config(TOO_SMALL_MB);
  for (const args of [['estimate', file, '--to', 'pt-BR,th,vi'], ['translate', file, '--to', 'pt-BR,th,vi', '--provider', 'pseudo', '--db', db, '--out', out]]) {
    const result = await runCli([...args, '--config', budget], { cwd: temp.dir });
    assert.equal(result.code, 2, describeResult(result));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(String.raw`^fanyi: big\.xlsx needs about \d+ MB of memory to plan \(its sheets expand to [\d.]+ MB\), over system\.max_memory_usage \(${TOO_SMALL_MB} MB\); split the workbook or raise system\.max_memory_usage\n$`));
  }
  assert.ok(!existsSync(out), 'no output');
  if (existsSync(db)) {
    const store = new Database(db, { readonly: true });
    try {
      assert.equal((store.prepare('select count(*) as n from jobs').get() as { n: number }).n, 0, 'no job stored');
    } finally {
      store.close();
    }
  }
});

test('under a budget just above its need, it is planned in smaller blocks and translated whole', async () => {
  assert.ok(blockRowsFor(ENOUGH_MB) < ROWS, `a ${ENOUGH_MB} MB budget plans ${blockRowsFor(ENOUGH_MB)} rows a block, fewer than the table's`);
  const out = path.join(temp.dir, 'translated.xlsx');
  const result = await runCli(['translate', file, '--to', 'pt-BR,th,vi', '--provider', 'pseudo', '--db', path.join(temp.dir, 'ok.db'), '--out', out, '--json', '--config', await config(ENOUGH_MB)], { cwd: temp.dir, timeoutMs: 240_000 });
  assert.equal(result.code, 0, describeResult(result));
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(out);
  const sheet = workbook.getWorksheet('Strings')!;
  let filled = 0;
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    for (const col of [4, 5, 6]) if (String(row.getCell(col).text ?? '').trim()) filled++;
  });
  assert.equal(filled, ROWS * 3, 'every target cell translated');
});
