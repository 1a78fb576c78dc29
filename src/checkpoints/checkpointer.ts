import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FileStore } from '../store/files/file-store.ts';
import type { CheckpointRow, JobStore, TaskSnapshotRow } from '../store/job-store.ts';
import { readJsonLines } from './json-lines.ts';

export interface CheckpointerOptions {
  store: JobStore;
  /** The store's files: where checkpoints of older versions kept copies of their tasks. */
  files: FileStore;
  /** Workbooks built for checkpoints on this machine live under `<dir>/<job id>/` (a cache: any machine can build one). */
  dir: string;
  /** Writes what checkpoint `upToCheckpoint` covers into a copy of the job's source at `outPath`. */
  exportWorkbook(jobId: string, outPath: string, upToCheckpoint: string): Promise<string>;
  /** Checkpoints kept per job (rows, and the workbooks built for them). Default 5. */
  keep?: number;
}

/**
 * What a checkpoint row's metadata holds: the job's counts when it was taken. Rows of older
 * versions also name the copies of the tasks they kept: `increments` (stored files, oldest first)
 * or `tasks_file` (a JSON-lines path on the machine that took them); their task tables are read
 * from those.
 */
interface CheckpointMetadata {
  counts?: object;
  increment?: string;
  increments?: string[];
  tasks_file?: string;
}

const INCREMENT = '.tasks.jsonl';
/** How often one process asks the store whether a job's checkpoint is due (see createIfDue). */
const DUE_CHECK_MS = 5_000;

/**
 * Seed 000 §4.1 checkpoints, incremental as §10.2 asks. The task table is committed per batch
 * already, so a checkpoint is a stamp: it marks the tasks that settled since the last one with its
 * id (`checkpoint_id`) and records the job's counts. Its task table is every task it or an
 * earlier checkpoint stamped, read from the store; its workbook is built from the store when
 * someone asks for it. So a checkpoint costs what changed, an index range of the tasks that
 * settled, not the job: writing a 1,000,000-row workbook and 3,000,000 task lines every minute
 * took a 1M-row run from 7,000 to 450 cells/s, and copying each settled task into a stored
 * JSON-lines increment still made one checkpoint take a quarter of a 1M-row run (bench:big).
 *
 * A stamped task stays as the store has it: one that changes afterwards (a result reviewed) shows
 * its new state in the checkpoints that stamped it, and one requeued after a transient failure
 * loses its stamp and goes into the checkpoint after it settles again. With a shared store a
 * checkpoint taken by a worker on one machine is handed out by an API server on another. Disk
 * used: the stamps, and the workbooks built here (the last `keep` checkpoints').
 */
export class Checkpointer {
  readonly #o: CheckpointerOptions;
  /** Per job: when this process next asks the store whether a checkpoint is due. */
  readonly #nextCheck = new Map<string, number>();

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

  /**
   * Takes a checkpoint when the job's latest (or, before the first, its creation) is `intervalMs`
   * old: queue workers call this after each batch, so a job whose submitter detached is still
   * checkpointed, by whichever worker is first. Two workers racing make two checkpoints, the
   * second with what settled in between: harmless.
   */
  async createIfDue(jobId: string, extension: string, intervalMs: number, jobCreatedAt: number): Promise<CheckpointRow | undefined> {
    const now = Date.now();
    if (now < (this.#nextCheck.get(jobId) ?? 0)) return undefined;
    this.#nextCheck.set(jobId, now + Math.min(DUE_CHECK_MS, intervalMs));
    const [latest] = await this.#o.store.listCheckpoints(jobId);
    if (now - (latest?.createdAt ?? jobCreatedAt) < intervalMs) return undefined;
    return this.create(jobId, extension);
  }

  /** Forgets a finished job's due-check time. */
  forget(jobId: string): void {
    this.#nextCheck.delete(jobId);
  }

  async create(jobId: string, extension: string): Promise<CheckpointRow | undefined> {
    const { store } = this.#o;
    const started = Date.now();
    // An index probe, not a count of the job: nothing settled since the last one, no checkpoint.
    if (!(await store.hasUnstampedTasks(jobId))) return undefined;
    const [latest] = await store.listCheckpoints(jobId);
    const counts = await store.countByStatus(jobId);
    const checkpointId = nextId(latest?.checkpointId);
    const settled = await store.createCheckpoint(jobId, { checkpointId, filePath: `${checkpointId}${extension}`, metadata: { counts } satisfies CheckpointMetadata });
    // What it cost, for `bench:big`'s share of the run's time spent checkpointing (`ms`).
    await store.recordEvent(jobId, { kind: 'checkpoint', message: `checkpoint ${checkpointId}: ${settled}/${counts.total} tasks settled`, data: { checkpointId, settled, ms: Date.now() - started } });
    await this.#prune(jobId);
    return (await store.listCheckpoints(jobId))[0];
  }

  /** The checkpoint's workbook, built on this machine on first request (what it and earlier checkpoints stamped). */
  async workbook(jobId: string, checkpoint: CheckpointRow): Promise<string> {
    const file = this.#workbookPath(jobId, checkpoint);
    if (!existsSync(file)) {
      await mkdir(path.dirname(file), { recursive: true });
      await this.#o.exportWorkbook(jobId, file, checkpoint.checkpointId);
    }
    return file;
  }

  /** The checkpoint's task table: every task it or an earlier checkpoint stamped, in task order. */
  async *tasks(jobId: string, checkpoint: CheckpointRow): AsyncGenerator<TaskSnapshotRow> {
    const metadata = metadataOf(checkpoint);
    if (!metadata.increments && !metadata.tasks_file) return yield* this.#o.store.taskSnapshot(jobId, { upToCheckpoint: checkpoint.checkpointId });
    for (const file of await this.#copiedTasks(jobId, checkpoint)) yield* readJsonLines<TaskSnapshotRow>(file);
  }

  /** Local paths of an older checkpoint's copies of its tasks, oldest first (copied from the store when not here). */
  async #copiedTasks(jobId: string, checkpoint: CheckpointRow): Promise<string[]> {
    const metadata = metadataOf(checkpoint);
    if (metadata.increments) return Promise.all(metadata.increments.map((id) => this.#o.files.localPath(id)));
    // Checkpoints taken before increments were stored files: JSON lines in this machine's checkpoint dir.
    const dir = path.join(this.#o.dir, jobId);
    const names = await readdir(dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith(INCREMENT) && n.slice(0, -INCREMENT.length) <= checkpoint.checkpointId).sort().map((n) => path.join(dir, n));
  }

  /** `<dir>/<job>/<checkpoint id><ext>`; older rows stored a full path, whose extension is kept. */
  #workbookPath(jobId: string, checkpoint: CheckpointRow): string {
    return path.join(this.#o.dir, jobId, `${checkpoint.checkpointId}${path.extname(checkpoint.filePath ?? '') || '.xlsx'}`);
  }

  /** Old checkpoints lose their row and the workbook built here; their stamps stay, in the later ones' task tables. */
  async #prune(jobId: string): Promise<void> {
    const old = (await this.#o.store.listCheckpoints(jobId)).slice(this.#o.keep ?? 5);
    for (const checkpoint of old) {
      await rm(this.#workbookPath(jobId, checkpoint), { force: true });
      await this.#o.store.deleteCheckpoint(jobId, checkpoint.checkpointId);
    }
  }
}

const metadataOf = (checkpoint: CheckpointRow): CheckpointMetadata => (checkpoint.metadata ?? {}) as CheckpointMetadata;

/**
 * `CKPT_<UTC timestamp to the ms><5 random digits>` (27 characters; the seed's column holds 30),
 * made later than `previous` so that a job's ids sort in the order taken. The id is the table's
 * whole primary key (seed 000), and with many workers two jobs' checkpoints are taken in the same
 * millisecond: the digits keep them apart.
 */
function nextId(previous: string | undefined): string {
  const digits = String(randomInt(100_000)).padStart(5, '0');
  let id = `CKPT_${new Date().toISOString().replace(/\D/g, '').slice(0, 17)}${digits}`;
  while (previous && id <= previous) id = `CKPT_${String(BigInt(previous.slice(5)) + 1n)}`;
  return id;
}
