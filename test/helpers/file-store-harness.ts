import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Kysely } from 'kysely';
import { createStoreAdapter, openKyselyStore } from '../../src/store/create-store.ts';
import { DiskFileStore } from '../../src/store/files/disk-file-store.ts';
import type { Database } from '../../src/store/schema.ts';
import type { FileStoreHarness } from '../contract/file-store.case.ts';
import { scratchDir } from './scratch-dir.ts';

/** The files of the database at `url` (migrated now), and a second connection of its own to damage a chunk with. */
export async function databaseFiles(url: string): Promise<FileStoreHarness> {
  const store = await openKyselyStore(url);
  const raw = new Kysely<Database>({ dialect: (await createStoreAdapter(url)).createDialect() });
  return {
    machine: (cacheDir) => store.fileStore(cacheDir),
    isShared: true,
    async damage(id) {
      const chunk = await raw.selectFrom('stored_file_chunks').select('data').where('file_id', '=', id).where('seq', '=', 0).executeTakeFirstOrThrow();
      await raw.updateTable('stored_file_chunks').set({ data: randomBytes(chunk.data.length) }).where('file_id', '=', id).where('seq', '=', 0).execute();
    },
    async close() {
      await raw.destroy();
      await store.close();
    },
  };
}

/** A files dir alone (a SQLite store's files): one folder whichever "machine" asks. */
export function diskFiles(): FileStoreHarness {
  const files = new DiskFileStore(path.join(scratchDir('fanyi-disk-files-'), 'sources'));
  return { machine: () => files, isShared: false, close: async () => {} };
}
