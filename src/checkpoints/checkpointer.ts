import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type { CheckpointRow, JobStore } from '../store/job-store.ts';

export interface CheckpointerOptions {
  store: JobStore;
  /** Checkpoint files live under `<dir>/<job id>/`. */
  dir: string;
  /** Writes what is done so far into a copy of the job's source at `outPath`. */
  exportWorkbook(jobId: string, outPath: string): Promise<string>;
  /** Checkpoints kept per job; older ones (files and rows) are removed. Default 5. */
  keep?: number;
}

/**
 * Seed 000 §4.1 checkpoints, as exportable snapshots rather than the only copy of the work: the
 * task table is already committed per batch, so a checkpoint is what a person or the API can
 * download mid-run — the partial workbook and the task table as JSON lines — with the covered
 * tasks stamped (`checkpoint_id`). One is taken only when something settled since the last.
 */
export class Checkpointer {
  readonly #o: CheckpointerOptions;

  constructor(options: CheckpointerOptions) {
    this.#o = options;
  }

  /** Takes one every `intervalMs` while the job runs; the returned function stops it (and waits for one in progress). */
  every(jobId: string, extension: string, intervalMs: number): () => Promise<void> {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(() => this.create(jobId, extension)).catch(() => undefined);
    }, intervalMs);
    return async () => {
      clearInterval(timer);
      await running;
    };
  }

  async create(jobId: string, extension: string): Promise<CheckpointRow | undefined> {
    const { store } = this.#o;
    const [latest] = await store.listCheckpoints(jobId);
    const counts = await store.countByStatus(jobId);
    const settled = counts.completed + counts.needs_review + counts.failed;
    if (latest && latest.taskCount === settled) return undefined;
    const checkpointId = `CKPT_${new Date().toISOString().replace(/\D/g, '').slice(0, 17)}`;
    const dir = path.join(this.#o.dir, jobId);
    await mkdir(dir, { recursive: true });
    const workbook = path.join(dir, `${checkpointId}${extension}`);
    const tasksFile = path.join(dir, `${checkpointId}.tasks.jsonl`);
    // Stamp first, then write: every task stamped with this id is in the files (a few settled
    // while writing may be in them too, unstamped until the next checkpoint).
    await store.createCheckpoint(jobId, { checkpointId, filePath: workbook, metadata: { tasks_file: tasksFile, counts } });
    try {
      await this.#o.exportWorkbook(jobId, workbook);
      await writeLines(tasksFile, store.taskSnapshot(jobId));
    } catch (error) {
      await store.deleteCheckpoint(jobId, checkpointId);
      throw error;
    }
    await store.recordEvent(jobId, { kind: 'checkpoint', message: `checkpoint ${checkpointId}: ${settled}/${counts.total} tasks settled` });
    await this.#prune(jobId);
    return (await store.listCheckpoints(jobId))[0];
  }

  async #prune(jobId: string): Promise<void> {
    const old = (await this.#o.store.listCheckpoints(jobId)).slice(this.#o.keep ?? 5);
    for (const checkpoint of old) {
      const tasksFile = (checkpoint.metadata as { tasks_file?: string } | null)?.tasks_file;
      for (const file of [checkpoint.filePath, tasksFile]) if (file) await rm(file, { force: true });
      await this.#o.store.deleteCheckpoint(jobId, checkpoint.checkpointId);
    }
  }
}

async function writeLines(file: string, rows: AsyncIterable<object>): Promise<void> {
  const out = createWriteStream(`${file}.tmp`);
  for await (const row of rows) {
    if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await rename(`${file}.tmp`, file);
}
