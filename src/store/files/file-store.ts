import type { Readable } from 'node:stream';

/** A file as the store knows it. */
export interface StoredFile {
  /** `<sha256 of the bytes><extension>` (`3fa9…c1.xlsx`): the same bytes always get the same id. */
  id: string;
  sha256: string;
  size: number;
}

/**
 * Source workbooks and uploads, content-addressed, where every process of a store can read
 * them (issue 14). Readers (exceljs, the xlsx patcher, the CSV reader) want a path, so a file is
 * read through `localPath`, which puts a copy in this machine's files dir first when it is not
 * there yet. Back ends: DiskFileStore (the files dir is the store: SQLite, one machine) and
 * KyselyFileStore (chunks in the job database: PostgreSQL, MySQL).
 */
export interface FileStore {
  /**
   * Stores the bytes of a path or a stream; idempotent, also when two processes store the same
   * bytes at once. `ext` (default: the path's extension, else `.bin`) is part of the id, since
   * readers take the format hint from it (`.tsv` → tab).
   */
  put(source: string | Readable, options?: { ext?: string }): Promise<StoredFile>;
  /** A local path holding the file's bytes (checked against its hash when copied here). FILE_NOT_FOUND when the store has no such file. */
  localPath(id: string): Promise<string>;
  has(id: string): Promise<boolean>;
  /** Removes the file (and this machine's copy); a file already gone is no error. */
  delete(id: string): Promise<void>;
}
