import path from 'node:path';
import { createSqliteStore } from '../../src/store/create-store.ts';
import { jobStoreCases } from '../contract/job-store.case.ts';
import { migrationCases } from '../contract/migrations.case.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const dir = scratchDir('fanyi-store-');
let n = 0;
jobStoreCases('sqlite', () => createSqliteStore({ filename: path.join(dir, `store-${n++}.db`) }));
migrationCases('sqlite', async () => `sqlite:${path.join(dir, `migrated-${n++}.db`)}`);
