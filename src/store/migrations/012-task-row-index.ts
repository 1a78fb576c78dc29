import type { Kysely } from 'kysely';
import type { StoreAdapter } from '../store-adapter.ts';

/**
 * Two indexes that make the write-back and checkpoints cost what they read, not the job's size:
 * - `tasks_cell_idx`: the write-back reads a sheet's results in row order (progress-queries.ts
 *   writableResults with `sheet`) and patches the sheet a window of rows at a time, holding only
 *   that window's edits (at a million rows, grouping 3,000,000 results by row held most of the
 *   run's peak); each page is a range scan, the sheets' bounds an index-only scan.
 * - `tasks_checkpoint_status_idx` replaces migration 010's (job_id, checkpoint_id): a checkpoint
 *   stamps the settled tasks not yet stamped, which that index found only among every unstamped
 *   task (the pending ones too: the whole job early in a run), and its increment is read back in
 *   index order, where the old index needed a sort of the increment for every page. At a million
 *   rows one checkpoint took 83 s, a quarter of the run (bench:big).
 */
export async function up(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await db.schema.createIndex('tasks_cell_idx').on('tasks').columns(['job_id', 'sheet_name', 'row_idx', 'col_idx']).execute();
  await db.schema.createIndex('tasks_checkpoint_status_idx').on('tasks').columns(['job_id', 'checkpoint_id', 'status', 'task_id']).execute();
  await adapter.dropIndex(db, 'tasks_checkpoint_idx', 'tasks');
}

export async function down(db: Kysely<any>, adapter: StoreAdapter): Promise<void> {
  await db.schema.createIndex('tasks_checkpoint_idx').on('tasks').columns(['job_id', 'checkpoint_id']).execute();
  await adapter.dropIndex(db, 'tasks_checkpoint_status_idx', 'tasks');
  await adapter.dropIndex(db, 'tasks_cell_idx', 'tasks');
}
