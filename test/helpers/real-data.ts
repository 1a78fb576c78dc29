/**
 * Access to the real-world localization files in `../shared/data/real` (see its PROVENANCE.md).
 * They are never copied into the repository: tests copy one into a temp dir per run. When the
 * folder is absent they skip with a reason, except under CI=true where they fail (requirements.ts).
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { assertPresent, skipUnlessPresent, type Requirement } from './requirements.ts';

const REAL_DATA_DIR = path.resolve(import.meta.dirname, '../../../shared/data/real');

const REAL_DATA: Requirement = {
  isPresent: existsSync(REAL_DATA_DIR),
  missing: `real-data folder ${REAL_DATA_DIR} is absent: check out the shared folder beside the clone (../shared/data/real)`,
};

/** `false` when the real files are there (or under CI), else the reason to give `test(name, { skip })`. */
export const realDataSkip = skipUnlessPresent(REAL_DATA);

/** The path of `relative` (default: the folder) in the real-data folder; throws what is missing when it is absent. */
export function realDataPath(relative = ''): string {
  assertPresent(REAL_DATA);
  return path.join(REAL_DATA_DIR, relative);
}

/** Copies `relative` (e.g. `moefight/Language.xlsx`) into `dir`, writable; returns the copy's path. */
export async function copyRealFile(relative: string, dir: string): Promise<string> {
  const target = path.join(dir, path.basename(relative));
  await copyFile(realDataPath(relative), target);
  await chmod(target, 0o644); // the originals are read-only
  return target;
}

/** The stored facts about one task that the tests check. */
export interface StoredTask {
  sheetName: string;
  rowIdx: number;
  colIdx: number;
  sourceLang: string;
  sourceText: string;
  /** Header of the source column, from the stored task context. */
  sourceColumn: string;
  targetLang: string;
  status: string;
  result: string | null;
}

export interface StoredJob {
  tasks: StoredTask[];
  newHeaders: Array<{ sheetName: string; row: number; col: number; text: string }>;
}

/** Reads the only job in a fresh `--db` file. */
export function readStoredJob(dbPath: string): StoredJob {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const jobs = db.prepare('select options from jobs').all() as Array<{ options: string }>;
    if (jobs.length !== 1) throw new Error(`expected one job in ${dbPath}, found ${jobs.length}`);
    const rows = db
      .prepare('select sheet_name, row_idx, col_idx, source_lang, source_text, source_context, target_lang, status, result from tasks order by task_id')
      .all() as Array<Record<string, string | number | null>>;
    const tasks = rows.map((r) => ({
      sheetName: String(r.sheet_name),
      rowIdx: Number(r.row_idx),
      colIdx: Number(r.col_idx),
      sourceLang: String(r.source_lang),
      sourceText: String(r.source_text),
      sourceColumn: String((JSON.parse(String(r.source_context ?? '{}')) as { column?: string }).column ?? ''),
      targetLang: String(r.target_lang),
      status: String(r.status),
      result: r.result === null ? null : String(r.result),
    }));
    return { tasks, newHeaders: (JSON.parse(jobs[0].options) as { newHeaders: StoredJob['newHeaders'] }).newHeaders };
  } finally {
    db.close();
  }
}

/** `SELECT DISTINCT source_lang, col_idx FROM tasks` as the brief phrases the check. */
export function distinctSourceLangAndTargetCol(dbPath: string): Array<{ source_lang: string; col_idx: number }> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('select distinct source_lang, col_idx from tasks order by col_idx').all() as Array<{ source_lang: string; col_idx: number }>;
  } finally {
    db.close();
  }
}
