import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { FanyiError } from '../../errors.ts';
import type { Database } from '../schema.ts';
import type { StoreAdapter } from '../store-adapter.ts';
import { DiskFileStore } from './disk-file-store.ts';
import type { FileStore, StoredFile } from './file-store.ts';
import { assertFileId, isFileId, materialise } from './local-files.ts';

/**
 * 1 MB: one bound value stays far below MariaDB's default max_allowed_packet (16 MB, with
 * mysql2 sending a blob as a hex literal twice its size) and PostgreSQL's 1 GB bytea.
 */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Files in the job database (migration 009), so a worker or API server on another machine needs
 * only the store URL. Written in chunks, each an insert-ignore: two processes storing the same
 * bytes write the same rows, and whichever insert comes second changes nothing. The
 * `stored_files` row goes in last and marks the file complete. Read files are kept in `cache`
 * (a folder on this machine) and checked against their hash when copied there.
 */
export class KyselyFileStore implements FileStore {
  readonly #db: Kysely<Database>;
  readonly #adapter: StoreAdapter;
  readonly #cache: DiskFileStore;

  constructor(db: Kysely<Database>, adapter: StoreAdapter, cacheDir: string) {
    this.#db = db;
    this.#adapter = adapter;
    this.#cache = new DiskFileStore(cacheDir);
  }

  async put(source: string | Readable, options: { ext?: string } = {}): Promise<StoredFile> {
    const file = await this.#cache.put(source, options);
    if (!(await this.has(file.id))) await this.#upload(file);
    return file;
  }

  async localPath(id: string): Promise<string> {
    assertFileId(id);
    if (await this.#cache.has(id)) return this.#cache.pathOf(id);
    const row = await this.#db.selectFrom('stored_files').select(['sha256', 'size', 'chunk_count']).where('file_id', '=', id).executeTakeFirst();
    if (!row) throw new FanyiError('FILE_NOT_FOUND', `the store holds no file ${id}; it was deleted, or the job was made before files were kept in the store (migration 009)`);
    await materialise(this.#cache.dir, this.#cache.pathOf(id), { sha256: row.sha256, size: Number(row.size) }, this.#chunks(id, row.chunk_count));
    return this.#cache.pathOf(id);
  }

  async has(id: string): Promise<boolean> {
    if (!isFileId(id)) return false;
    return (await this.#db.selectFrom('stored_files').select('file_id').where('file_id', '=', id).executeTakeFirst()) !== undefined;
  }

  /** The marking row first: from then on no reader takes the chunks for a whole file. */
  async delete(id: string): Promise<void> {
    if (!isFileId(id)) return;
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('stored_files').where('file_id', '=', id).execute();
      await trx.deleteFrom('stored_file_chunks').where('file_id', '=', id).execute();
    });
    await this.#cache.delete(id);
  }

  /** One chunk per statement, read from the cached copy: a big workbook never sits in memory whole. */
  async #upload(file: StoredFile): Promise<void> {
    const handle = await open(this.#cache.pathOf(file.id), 'r');
    const chunkCount = Math.ceil(file.size / CHUNK_BYTES);
    try {
      for (let seq = 0; seq < chunkCount; seq++) {
        const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, file.size - seq * CHUNK_BYTES));
        await handle.read(buffer, 0, buffer.length, seq * CHUNK_BYTES);
        await this.#adapter.insertIgnore(this.#db.insertInto('stored_file_chunks').values({ file_id: file.id, seq, data: buffer }), ['file_id', 'seq']).execute();
      }
    } finally {
      await handle.close();
    }
    const row = { file_id: file.id, sha256: file.sha256, size: file.size, chunk_count: chunkCount, created_at: Date.now() };
    await this.#adapter.insertIgnore(this.#db.insertInto('stored_files').values(row), ['file_id']).execute();
  }

  async *#chunks(id: string, chunkCount: number): AsyncIterable<Uint8Array> {
    for (let seq = 0; seq < chunkCount; seq++) {
      const chunk = await this.#db.selectFrom('stored_file_chunks').select('data').where('file_id', '=', id).where('seq', '=', seq).executeTakeFirst();
      if (!chunk) throw new Error(`stored file ${id} is missing chunk ${seq} of ${chunkCount}`);
      yield chunk.data;
    }
  }
}
