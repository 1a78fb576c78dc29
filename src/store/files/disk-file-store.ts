import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FanyiError } from '../../errors.ts';
import type { FileStore, StoredFile } from './file-store.ts';
import { assertFileId, fileExtension, isFileId, settle, stageFile } from './local-files.ts';

/**
 * Files in a folder on this machine (`<files dir>/sources/`), named by their id. The store of a
 * SQLite job database, which is itself a file on one machine; and the local copy a
 * KyselyFileStore keeps of what it has read.
 */
export class DiskFileStore implements FileStore {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async put(source: string | Readable, options: { ext?: string } = {}): Promise<StoredFile> {
    const staged = await stageFile(this.#dir, source, fileExtension(source, options.ext));
    await settle(staged.temporary, this.pathOf(staged.id));
    return { id: staged.id, sha256: staged.sha256, size: staged.size };
  }

  async localPath(id: string): Promise<string> {
    assertFileId(id);
    const file = this.pathOf(id);
    if (!existsSync(file)) throw new FanyiError('FILE_NOT_FOUND', `the stored file ${id} is not in ${this.#dir}; was the files dir moved or deleted? (--files-dir, FANYI_FILES_DIR or store.files_dir)`);
    return file;
  }

  async has(id: string): Promise<boolean> {
    return isFileId(id) && existsSync(this.pathOf(id));
  }

  async delete(id: string): Promise<void> {
    if (isFileId(id)) await rm(this.pathOf(id), { force: true });
  }

  /** Where a file of this id is (or would be); the id must have passed assertFileId. */
  pathOf(id: string): string {
    return path.join(this.#dir, id);
  }

  get dir(): string {
    return this.#dir;
  }
}
