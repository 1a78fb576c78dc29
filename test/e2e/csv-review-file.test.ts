/**
 * README "Review output": a CSV output cannot hold a second sheet, so the list of cells to review
 * goes to `<out>.review.xlsx` beside it, with the columns the README lists. Real CLI, a real CSV,
 * a simulated provider that drops `{0}` from some texts every time (a hard flag: held back).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readWorkbook } from '../helpers/compare-workbooks.ts';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { simulatedTranslation } from '../helpers/simulated-translation.ts';

const COLUMNS = ['Sheet', 'Cell', 'Key', 'Language', 'Status', 'Written', 'Score', 'Flags', 'Reason', 'Source', 'Result', 'Field'];
const TEXTS = ['获得{0}金币', '开始游戏', '第{0}关', '返回主菜单', '{0}个宝箱', '设置'];
const BROKEN = new Set(TEXTS.filter((text) => text.includes('{0}')));
const dropPlaceholder = (translated: string): string => translated.replace('{0}', '');

function breaking(text: string, lang: string): string {
  const good = simulatedTranslation(text, lang);
  return BROKEN.has(text) ? dropPlaceholder(good) : good;
}

describe('a CSV output gets <out>.review.xlsx beside it', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let provider: SimulatedProvider;
  let out: string;
  let result: CliResult;

  before(async () => {
    temp = await makeTempDir('fanyi-csv-review-');
    provider = await startSimulatedProvider({ apiKey: 'test-key', translate: breaking });
    const input = path.join(temp.dir, 'ui.csv');
    await writeFile(input, ['key,CH,PT', ...TEXTS.map((text, i) => `k${i + 1},${text},`)].join('\r\n') + '\r\n');
    out = path.join(temp.dir, 'ui.translated.csv');
    const args = ['translate', input, '--to', 'pt-BR', '--out', out, '--db', path.join(temp.dir, 'fanyi.db'), '--json', ...providerFlags(provider.baseUrl)];
    result = await runCli(args, { cwd: temp.dir });
  });

  after(async () => {
    await provider?.close();
    await temp?.cleanup();
  });

  test('exit 3; the CSV holds the clean translations and leaves the broken cells empty', async () => {
    assert.equal(result.code, 3, describeResult(result));
    const rows = (await readFile(out, 'utf8')).trimEnd().split('\r\n').slice(1).map((line) => line.split(','));
    assert.deepEqual(rows.map((row) => row[2]), TEXTS.map((text) => (BROKEN.has(text) ? '' : simulatedTranslation(text, 'pt-BR'))));
  });

  test('the list is <out>.review.xlsx, named in --json, with the README columns and one row per held-back cell', async () => {
    const file = path.join(temp.dir, 'ui.translated.review.xlsx');
    assert.ok(existsSync(file), `${file} written`);
    const summary = parseSingleJson(result.stdout);
    assert.deepEqual([summary.review_file, summary.review_sheet], [file, null]);
    const book = await readWorkbook(file);
    assert.equal(book.worksheets.length, 1);
    const table: unknown[][] = [];
    book.worksheets[0].eachRow((row) => table.push((row.values as unknown[]).slice(1)));
    const [header, ...rows] = table;
    assert.deepEqual(header, COLUMNS);
    const byColumn = rows.map((row) => Object.fromEntries(COLUMNS.map((name, i) => [name, row[i] ?? null])));
    assert.deepEqual(byColumn.map((row) => row.Source).sort(), [...BROKEN].sort());
    for (const row of byColumn) {
      const text = String(row.Source);
      const index = TEXTS.indexOf(text);
      assert.deepEqual(
        [row.Cell, row.Key, row.Language, row.Status, row.Written, row.Flags, row.Result],
        [`C${index + 2}`, `k${index + 1}`, 'pt-BR', 'needs_review', 'no', 'placeholder_mismatch', dropPlaceholder(simulatedTranslation(text, 'pt-BR'))],
      );
      assert.equal(typeof row.Score, 'number');
      assert.match(String(row.Reason), /\{0\}/, 'the reason names the lost placeholder');
      assert.ok(String(row.Sheet).length > 0);
    }
  });
});
