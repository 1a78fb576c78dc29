import path from 'node:path';
import { fileStoreCases } from '../contract/file-store.case.ts';
import { databaseFiles, diskFiles } from '../helpers/file-store-harness.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const dir = scratchDir('fanyi-file-store-');
let n = 0;
fileStoreCases('files dir', async () => diskFiles(), { isShared: false });
fileStoreCases('sqlite', () => databaseFiles(`sqlite:${path.join(dir, `store-${n++}.db`)}`));
