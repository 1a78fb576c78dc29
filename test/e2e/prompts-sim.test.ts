/**
 * Issue 4, prompts, end to end: the real CLI with a fanyi.yaml holding few-shot examples and a
 * language note for pt-BR, against the simulated provider, asserting on what reached the wire.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { describeResult, makeTempDir, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { simulatedTranslation } from '../helpers/simulated-translation.ts';
import { readWorkbook } from '../helpers/compare-workbooks.ts';

const CONFIG = `prompts:
  language_notes:
    pt-BR: "Use você, never tu."
  examples:
    pt-BR:
      - source: "背包已满"
        target: "Mochila cheia"
      - { source: "开始游戏", target: "Iniciar jogo" }
`;
const TEXTS = ['出发！', '设置', '退出游戏 {0}'];

describe('prompt examples and language notes through the CLI', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let provider: SimulatedProvider;
  let result: CliResult;
  let out: string;

  before(async () => {
    temp = await makeTempDir();
    const file = path.join(temp.dir, 'strings.xlsx');
    out = path.join(temp.dir, 'out.xlsx');
    const book = new ExcelJS.Workbook();
    book.addWorksheet('UI').addRows([['Key', 'CH', 'PT', 'TH'], ...TEXTS.map((text, i) => [`btn_${i}`, text, null, null])]);
    await book.xlsx.writeFile(file);
    await writeFile(path.join(temp.dir, 'fanyi.yaml'), CONFIG);
    provider = await startSimulatedProvider({ apiKey: 'test-key' });
    result = await runCli(['translate', file, '--to', 'pt-BR,th', '--db', path.join(temp.dir, 'fanyi.db'), '--out', out, ...providerFlags(provider.baseUrl)], { cwd: temp.dir });
  });

  after(async () => {
    await provider?.close();
    await temp?.cleanup();
  });

  test('every cell is translated: the examples are never taken for texts', async () => {
    assert.equal(result.code, 0, describeResult(result));
    const book = await readWorkbook(out);
    const sheet = book.getWorksheet('UI')!;
    TEXTS.forEach((text, i) => {
      assert.equal(sheet.getCell(i + 2, 3).value, simulatedTranslation(text, 'pt-BR'));
      assert.equal(sheet.getCell(i + 2, 4).value, simulatedTranslation(text, 'th'));
    });
    const sent = provider.stats.requestLog.flatMap((entry) => entry.texts);
    assert.ok(!sent.includes('背包已满') && !sent.includes('开始游戏'));
  });

  test('calls into pt-BR carry the examples as an earlier exchange and the note in the system prompt', () => {
    const pt = provider.stats.requestLog.filter((entry) => entry.lang === 'pt-BR');
    assert.ok(pt.length > 0);
    for (const entry of pt) {
      const [system, exampleUser, exampleReply] = entry.instructions;
      assert.match(system, /\[pt-BR\]/);
      assert.match(system, /Use você, never tu\./);
      assert.deepEqual(JSON.parse(exampleUser), JSON.parse(entry.payload).items ? { items: { 1: '背包已满', 2: '开始游戏' } } : { 1: '背包已满', 2: '开始游戏' });
      assert.deepEqual(JSON.parse(exampleReply), { 1: 'Mochila cheia', 2: 'Iniciar jogo' });
    }
  });

  test('calls into th carry neither, but the built-in Thai note', () => {
    const th = provider.stats.requestLog.filter((entry) => entry.lang === 'th');
    assert.ok(th.length > 0);
    for (const entry of th) {
      assert.equal(entry.instructions.length, 1, 'the system prompt only');
      assert.ok(!/Mochila|você/.test(entry.instructions[0]));
      assert.match(entry.instructions[0], /No spaces between Thai words/);
    }
  });

  test('a note for an unknown language code stops with a config error naming it', async () => {
    await writeFile(path.join(temp.dir, 'bad.yaml'), 'prompts:\n  language_notes:\n    xx-QQ: "hi"\n');
    const bad = await runCli(['estimate', path.join(temp.dir, 'strings.xlsx'), '--to', 'pt-BR', '--config', 'bad.yaml'], { cwd: temp.dir });
    assert.equal(bad.code, 2, describeResult(bad));
    assert.match(bad.stderr, /prompts\.language_notes\.xx-QQ: unknown language code "xx-QQ"/);
  });
});
