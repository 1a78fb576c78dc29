import Database from 'better-sqlite3';

/** Opens a job database read-only (the CLI may be writing it), runs `use`, closes it. Throws while the file does not exist. */
export function withReadonlyDb<T>(file: string, use: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return use(db);
  } finally {
    db.close();
  }
}
