import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { countLoss, narrowerCharset } from '../../src/workbook/csv/output-encoding.ts';

test('narrowerCharset: a GB18030 file with only two-byte sequences is read as GBK; one with a four-byte sequence is GB18030', () => {
  assert.equal(narrowerCharset(iconv.encode('key,CH\nstart,开始游戏\n', 'gbk'), 'gb18030'), 'GBK (code page 936)');
  // 中 is D6 D0: its trail byte is in the lead range and is followed by a digit, which is still no four-byte sequence.
  assert.equal(narrowerCharset(iconv.encode('中1,設置2', 'gbk'), 'gb18030'), 'GBK (code page 936)');
  assert.equal(narrowerCharset(iconv.encode('key,th\nstart,เริ่ม\n', 'gb18030'), 'gb18030'), null, 'Thai already in the source: its readers expect GB18030');
  assert.equal(narrowerCharset(Buffer.concat([Buffer.from([0x84, 0x31, 0x95, 0x33]), iconv.encode('开始', 'gbk')]), 'gb18030'), null, 'a GB18030 BOM declares GB18030');
  assert.equal(narrowerCharset(Buffer.from('เริ่ม', 'utf8'), 'utf8'), null);
});

test('countLoss: cells and code points GBK cannot hold; none for text GBK holds (traditional Han, à, €)', () => {
  assert.deepEqual(countLoss(['⟪th⟫กขค', '開始遊戲', 'Começar 😀', 'ok'], 'GBK', 'GB18030'), { original: 'GBK', written: 'GB18030', cells: 2, chars: 7 });
  assert.equal(countLoss(['開始遊戲', 'à la carte', '€5', '背包已滿，請整理'], 'GBK', 'GB18030'), null);
});
