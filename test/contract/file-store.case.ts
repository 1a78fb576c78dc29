import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isFanyiError } from '../../src/errors.ts';
import type { FileStore } from '../../src/store/files/file-store.ts';
import { closedAtEnd } from './closed-at-end.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

/** One store's files as two machines see them: each its own local files dir, the same database. */
export interface FileStoreHarness {
  /** The files as a process whose local copies live in `cacheDir` sees them. */
  machine(cacheDir: string): FileStore;
  /** True where another machine reads what one stored (the database back ends). */
  isShared: boolean;
  /** Overwrites the first stored chunk of `id` with other bytes of the same length (database back ends). */
  damage?(id: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The FileStore contract (store/files/file-store.ts), run against every back end: the files dir
 * alone (SQLite's) and the database on SQLite, PostgreSQL and MySQL. `open` returns a fresh,
 * migrated store.
 */
export function fileStoreCases(name: string, openHarness: () => Promise<FileStoreHarness>, backEnd: { isShared: boolean } = { isShared: true }): void {
  const open = closedAtEnd(openHarness);
  const scratch = () => scratchDir('fanyi-files-');
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  test(`${name}: a file is kept under the hash of its bytes; storing it again is the same id`, async () => {
    const harness = await open();
    const dir = scratch();
    const files = harness.machine(path.join(dir, 'a'));
    const bytes = Buffer.from('key,en,pt-BR\nhi,Hello,\n');
    const source = path.join(dir, 'Strings.CSV');
    await writeFile(source, bytes);
    const stored = await files.put(source);
    assert.deepEqual(stored, { id: `${sha(bytes)}.csv`, sha256: sha(bytes), size: bytes.length });
    assert.equal(await files.has(stored.id), true);
    assert.deepEqual(await readFile(await files.localPath(stored.id)), bytes);
    assert.deepEqual(await files.put(source), stored);
    assert.deepEqual(await files.put(Readable.from([bytes]), { ext: '.csv' }), stored, 'a stream of the same bytes');
    assert.equal((await files.put(Readable.from([bytes]))).id, `${sha(bytes)}.bin`, 'a stream without a name');
    await harness.close();
  });

  test(`${name}: a file of several chunks is read back whole on another machine, checked against its hash`, async () => {
    const harness = await open();
    const dir = scratch();
    // 2.5 chunks of 1 MB, and an empty file (no chunk at all).
    const big = randomBytes(2.5 * 1024 * 1024);
    await writeFile(path.join(dir, 'big.xlsx'), big);
    await writeFile(path.join(dir, 'empty.csv'), '');
    const a = harness.machine(path.join(dir, 'a'));
    const stored = await a.put(path.join(dir, 'big.xlsx'));
    const empty = await a.put(path.join(dir, 'empty.csv'));
    const b = harness.machine(harness.isShared ? path.join(dir, 'b') : path.join(dir, 'a'));
    const local = await b.localPath(stored.id);
    if (harness.isShared) assert.ok(local.startsWith(path.join(dir, 'b')), 'copied into the reading machine’s own files dir');
    assert.equal(sha(await readFile(local)), stored.sha256);
    assert.equal((await readFile(await b.localPath(empty.id))).length, 0);
    await harness.close();
  });

  test(`${name}: two processes storing the same bytes at once both succeed, with one file`, async () => {
    const harness = await open();
    const dir = scratch();
    const bytes = randomBytes(1.5 * 1024 * 1024);
    await writeFile(path.join(dir, 'same.xlsx'), bytes);
    const machines = harness.isShared ? ['a', 'b', 'c', 'd'] : ['a', 'a', 'a', 'a'];
    const results = await Promise.all(machines.map((m) => harness.machine(path.join(dir, m)).put(path.join(dir, 'same.xlsx'))));
    assert.equal(new Set(results.map((r) => r.id)).size, 1);
    const reader = harness.machine(path.join(dir, harness.isShared ? 'e' : 'a'));
    assert.deepEqual(await readFile(await reader.localPath(results[0].id)), bytes);
    await harness.close();
  });

  test(`${name}: a deleted or unknown file is FILE_NOT_FOUND; an id is never a path`, async () => {
    const harness = await open();
    const dir = scratch();
    await writeFile(path.join(dir, 'a.csv'), 'x');
    const files = harness.machine(path.join(dir, 'a'));
    const stored = await files.put(path.join(dir, 'a.csv'));
    await files.delete(stored.id);
    await files.delete(stored.id);
    assert.equal(await files.has(stored.id), false);
    for (const id of [stored.id, '../../etc/passwd', `${'0'.repeat(64)}.csv`]) {
      await assert.rejects(files.localPath(id), (error) => isFanyiError(error) && error.code === 'FILE_NOT_FOUND', id);
      assert.equal(await files.has(id), false);
    }
    await harness.close();
  });

  // The files dir alone is the store itself: no other copy to read again, no chunks to damage.
  if (!backEnd.isShared) return;

  test(`${name}: a machine whose local copy is gone reads the file from the store again`, async () => {
    const harness = await open();
    assert.ok(harness.isShared);
    const dir = scratch();
    await writeFile(path.join(dir, 'a.xlsx'), 'workbook bytes');
    const files = harness.machine(path.join(dir, 'a'));
    const stored = await files.put(path.join(dir, 'a.xlsx'));
    await rm(path.join(dir, 'a'), { recursive: true });
    assert.equal((await readFile(await files.localPath(stored.id), 'utf8')), 'workbook bytes');
    await harness.close();
  });

  test(`${name}: a damaged chunk is refused, never handed to a reader`, async () => {
    const harness = await open();
    assert.ok(harness.damage, 'a database back end can damage a chunk');
    const dir = scratch();
    await writeFile(path.join(dir, 'a.xlsx'), randomBytes(4096));
    const stored = await harness.machine(path.join(dir, 'a')).put(path.join(dir, 'a.xlsx'));
    await harness.damage(stored.id);
    await assert.rejects(harness.machine(path.join(dir, 'b')).localPath(stored.id), /damaged/);
    await assert.rejects(readFile(path.join(dir, 'b', stored.id)), { code: 'ENOENT' }, 'no copy left behind');
    await harness.close();
  });
}
