import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStoreAdapter } from '../../src/store/sqlite/sqlite-store-adapter.ts';
import { storeAdapterCases } from '../contract/store-adapter.case.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fanyi-adapter-'));
let n = 0;
storeAdapterCases('sqlite', () => new SqliteStoreAdapter({ filename: path.join(dir, `adapter-${n++}.db`) }));
