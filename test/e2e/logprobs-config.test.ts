/**
 * `llm.logprobs: false` in fanyi.yaml reaches the wire: no call asks for token log probabilities,
 * and results carry no confidence. By default they are asked for (logprobs-confidence.test.ts).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { describeResult, makeTempDir, providerFlags, runCli } from '../helpers/fanyi-cli.ts';
import { startSimulatedProvider } from '../helpers/simulated-provider.ts';

test('llm.logprobs: false in the config: no call asks for logprobs', async (t) => {
  const temp = await makeTempDir();
  const provider = await startSimulatedProvider({ apiKey: 'test-key' });
  t.after(async () => {
    await provider.close();
    await temp.cleanup();
  });
  const file = path.join(temp.dir, 'strings.xlsx');
  const book = new ExcelJS.Workbook();
  book.addWorksheet('UI').addRows([['Key', 'CH', 'PT'], ['btn_start', '开始游戏', null], ['btn_quit', '退出', null]]);
  await book.xlsx.writeFile(file);
  // A store each: the second job would otherwise take every text from the first one's memory.
  const run = (db: string) => runCli(['translate', file, '--to', 'pt-BR', '--db', path.join(temp.dir, db), '--out', path.join(temp.dir, `${db}.xlsx`), '--json', ...providerFlags(provider.baseUrl)], { cwd: temp.dir });

  await writeFile(path.join(temp.dir, 'fanyi.yaml'), 'llm:\n  logprobs: false\n');
  const off = await run('off.db');
  assert.equal(off.code, 0, describeResult(off));
  const offCalls = provider.stats.requestLog.length;
  assert.ok(offCalls > 0);
  assert.ok(provider.stats.requestLog.every((entry) => entry.logprobs === false), 'logprobs asked for although the config says no');

  await writeFile(path.join(temp.dir, 'fanyi.yaml'), 'llm:\n  logprobs: true\n');
  const on = await run('on.db');
  assert.equal(on.code, 0, describeResult(on));
  assert.ok(provider.stats.requestLog.slice(offCalls).some((entry) => entry.logprobs === true), 'the default asks for them');
});
