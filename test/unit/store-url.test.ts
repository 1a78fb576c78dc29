import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { FanyiError } from '../../src/errors.ts';
import { parseStoreUrl, redactUrl, storeTarget } from '../../src/store/store-url.ts';

test('store URLs: sqlite:PATH or a bare path, postgres(ql)://, mysql:// and mariadb://; anything else is a usage error', () => {
  assert.deepEqual(parseStoreUrl('sqlite:state/f.db'), { kind: 'sqlite', filename: 'state/f.db' });
  assert.deepEqual(parseStoreUrl('f.db'), { kind: 'sqlite', filename: 'f.db' });
  assert.deepEqual(parseStoreUrl('C:\\jobs\\f.db'), { kind: 'sqlite', filename: 'C:\\jobs\\f.db' });
  assert.equal(parseStoreUrl('postgresql://u@h/db').kind, 'postgres');
  assert.deepEqual(parseStoreUrl('mariadb://u@h/db'), { kind: 'mysql', url: 'mysql://u@h/db' });
  assert.throws(() => parseStoreUrl('redis://h'), (e: FanyiError) => e.code === 'USAGE' && /redis:/.test(e.message));
});

test('files beside a SQLite file, ./fanyi.files with a server store unless files_dir says; passwords never shown', () => {
  assert.equal(storeTarget({ url: 'sqlite:x/f.db' }).filesDir, path.resolve('x/f.db.files'));
  const server = storeTarget({ url: 'postgres://fanyi:s3cret@db:5432/jobs' });
  assert.equal(server.filesDir, path.resolve('fanyi.files'));
  assert.equal(server.label, 'postgres://fanyi:***@db:5432/jobs');
  assert.equal(storeTarget({ url: 'mysql://u@h/d', files_dir: '/shared/f' }).filesDir, '/shared/f');
  assert.equal(redactUrl('connect to mysql://root:pw@h:3306/x failed'), 'connect to mysql://root:***@h:3306/x failed');
});

test('store.url: a flag beats FANYI_STORE_URL, which beats the config file; default sqlite:fanyi.db', () => {
  const env = { FANYI_STORE_URL: 'mysql://env@h/d', FANYI_FILES_DIR: '/env/files' };
  assert.equal(loadConfig({}, {}, tmpdir()).config.store.url, undefined);
  assert.equal(storeTarget(loadConfig({}, {}, tmpdir()).config.store).url, `sqlite:${path.resolve('fanyi.db')}`);
  assert.deepEqual(loadConfig({}, env, tmpdir()).config.store, { url: 'mysql://env@h/d', files_dir: '/env/files' });
  assert.equal(loadConfig({ storeUrl: 'postgres://flag@h/d' }, env, tmpdir()).config.store.url, 'postgres://flag@h/d');
});
