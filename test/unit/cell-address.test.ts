import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnOf, decodeAddress, encodeAddress } from '../../src/workbook/cell-address.ts';

test('columnOf reads the column of every address encodeAddress writes, in either case, and defers anything else to decodeAddress', () => {
  for (let col = 0; col < 16_384; col += 7) {
    for (const row of [0, 9, 1_048_575]) {
      const address = encodeAddress(row, col);
      assert.equal(columnOf(address), col, address);
      assert.equal(columnOf(address.toLowerCase()), col, address.toLowerCase());
    }
  }
  assert.equal(columnOf('XFD1'), 16_383);
  for (const odd of ['$B$3', ' C5', 'A', '12', 'b7x']) assert.equal(columnOf(odd), decodeAddress(odd).col, odd);
});
