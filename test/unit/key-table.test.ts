import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { KeyTable } from '../../src/tasks/batching/key-table.ts';

const hashKey = (lang: string, i: number) => `${lang}:${createHash('sha1').update(String(i)).digest('hex').slice(0, 26)}`;

test('hashed keys per language and other keys map to their values through growth', () => {
  const table = new KeyTable();
  const n = 50_000;
  for (let i = 0; i < n; i++) {
    table.set(hashKey('pt-BR', i), i + 1);
    table.set(hashKey('th', i), n + i + 1);
  }
  table.set('plain key', 7);
  assert.equal(table.size, 2 * n + 1);
  for (let i = 0; i < n; i += 997) {
    assert.equal(table.get(hashKey('pt-BR', i)), i + 1);
    assert.equal(table.get(hashKey('th', i)), n + i + 1, 'the same text in another language is another key');
  }
  assert.equal(table.get(hashKey('vi', 1)), undefined);
  assert.equal(table.get(hashKey('pt-BR', n + 1)), undefined);
  assert.equal(table.get('plain key'), 7);
  table.set(hashKey('pt-BR', 3), 99);
  assert.equal(table.get(hashKey('pt-BR', 3)), 99, 'set again: replaced, not added');
  assert.equal(table.size, 2 * n + 1);
});
