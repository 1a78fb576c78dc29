import path from 'node:path';
import { SqliteStoreAdapter } from '../../src/store/sqlite/sqlite-store-adapter.ts';
import { storeAdapterCases } from '../contract/store-adapter.case.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const dir = scratchDir('fanyi-adapter-');
let n = 0;
storeAdapterCases('sqlite', () => new SqliteStoreAdapter({ filename: path.join(dir, `adapter-${n++}.db`) }));
