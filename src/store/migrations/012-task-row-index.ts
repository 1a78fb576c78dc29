import type { Kysely } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';

/**
 * The write-back reads a sheet's results in row order (progress-queries.ts writableResults with
 * `sheet`) and patches the sheet a window of rows at a time, holding only that window's edits:
 * at a million rows (3,000,000 results) grouping them all by row held most of the run's peak.
 * This index makes each page a range scan, and the sheets' bounds an index-only scan.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('tasks_cell_idx').on('tasks').columns(['job_id', 'sheet_name', 'row_idx', 'col_idx']).execute();
}

export async function down(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await adapter.dropIndex(db, 'tasks_cell_idx', 'tasks');
}
