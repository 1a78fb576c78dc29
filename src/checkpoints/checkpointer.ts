import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FileStore } from '../store/files/file-store.ts';
import type { CheckpointRow, JobStore, TaskSnapshotRow } from '../store/job-store.ts';
import { jsonLines, readJsonLines } from './json-lines.ts';

export interface CheckpointerOptions {
  store: JobStore;
  /** Where each checkpoint's task increment is stored: the job database's files, readable on every machine. */
  files: FileStore;
  /** Workbooks built for checkpoints on this machine live under `<dir>/<job id>/` (a cache: any machine can build one). */
  dir: string;
  /** Writes what checkpoint `upToCheckpoint` covers into a copy of the job's source at `outPath`. */
  exportWorkbook(jobId: string, outPath: string, upToCheckpoint: string): Promise<string>;
  /** Checkpoints kept per job (rows, and the workbooks built for them). Default 5. */
  keep?: number;
}

/** What a checkpoint row's metadata holds (older rows: `tasks_file`, a JSON-lines path on the machine that took them). */
interface CheckpointMetadata {
  counts?: object;
  /** The stored file of the tasks this checkpoint stamped (absent until it is stored). */
  increment?: string;
  /** Stored increments of this checkpoint and every earlier one, oldest first: its task table. */
  increments?: string[];
  tasks_file?: string;
}

const INCREMENT = '.tasks.jsonl';
/** How often one process asks the store whether a job's checkpoint is due (see createIfDue). */
const DUE_CHECK_MS = 5_000;

/**
 * Seed 000 §4.1 checkpoints, incremental as §10.2 asks: the task table is already committed per
 * batch, so a checkpoint stamps the tasks that settled since the last one (`checkpoint_id`) and
 * stores only those as JSON lines — its increment. A checkpoint's task table is its increment
 * and every earlier one's; its workbook is built from the store when someone asks for it. So a
 * checkpoint costs what changed, not the whole job: writing a 1,000,000-row workbook and 3,000,000
 * task lines every minute took a 1M-row run from 7,000 to 450 cells/s.
 *
 * Increments go to the store's files (issue 14): with a PostgreSQL or MySQL store a checkpoint
 * taken by a worker on one machine is downloaded from an API server on another. Disk stays
 * bounded by the settled tasks (each is in one increment) plus the workbooks built here.
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
    let [latest] = await store.listCheckpoints(jobId);
    const counts = await store.countByStatus(jobId);
    const settled = counts.completed + counts.needs_review + counts.failed;
    if (latest && latest.taskCount === settled) return undefined;
    // A process that died between stamping and storing left its stamps without an increment.
    if (latest && isUnstored(latest)) latest = await this.#storeIncrement(jobId, latest, await this.#earlierIncrements(jobId, latest));
    const checkpointId = nextId(latest?.checkpointId);
    const earlier = latest ? await this.#incrementsOf(jobId, latest) : [];
    // Stamp first, then store the tasks stamped with this id: each settled task is in exactly one increment.
    await store.createCheckpoint(jobId, { checkpointId, filePath: `${checkpointId}${extension}`, metadata: { counts } satisfies CheckpointMetadata });
    const created = (await store.listCheckpoints(jobId)).find((c) => c.checkpointId === checkpointId)!;
    try {
      await this.#storeIncrement(jobId, created, earlier);
    } catch (error) {
      await store.deleteCheckpoint(jobId, checkpointId);
      throw error;
    }
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

  /** The checkpoint's task table: its increment after every earlier one, as JSON lines. */
  async *tasks(jobId: string, checkpoint: CheckpointRow): AsyncGenerator<TaskSnapshotRow> {
    for (const file of await this.#incrementFiles(jobId, checkpoint)) yield* readJsonLines<TaskSnapshotRow>(file);
  }

  /** Stores the tasks `checkpoint` stamped as its increment and records it; returns the updated row. */
  async #storeIncrement(jobId: string, checkpoint: CheckpointRow, earlier: string[]): Promise<CheckpointRow> {
    const { store, files } = this.#o;
    const lines = Readable.from(jsonLines(store.taskSnapshot(jobId, { checkpointId: checkpoint.checkpointId })));
    const increment = (await files.put(lines, { ext: '.jsonl' })).id;
    const metadata: CheckpointMetadata = { ...metadataOf(checkpoint), increment, increments: [...earlier, increment] };
    await store.setCheckpointMetadata(jobId, checkpoint.checkpointId, metadata);
    return { ...checkpoint, metadata };
  }

  /** A stored checkpoint's increments; for one stamped but never stored, those before it. */
  async #incrementsOf(jobId: string, checkpoint: CheckpointRow): Promise<string[]> {
    return metadataOf(checkpoint).increments ?? this.#earlierIncrements(jobId, checkpoint);
  }

  /** The increments of the newest stored checkpoint older than `checkpoint` (pruned ones are carried in its list). */
  async #earlierIncrements(jobId: string, checkpoint: CheckpointRow): Promise<string[]> {
    const older = (await this.#o.store.listCheckpoints(jobId)).filter((c) => c.checkpointId < checkpoint.checkpointId);
    return older.map((c) => metadataOf(c).increments).find((list) => list !== undefined) ?? [];
  }

  /** Local paths of the checkpoint's increments, oldest first (copied from the store when not here). */
  async #incrementFiles(jobId: string, checkpoint: CheckpointRow): Promise<string[]> {
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

  /** Old checkpoints lose their row and the workbook built here; their increments stay for the later ones' task tables. */
  async #prune(jobId: string): Promise<void> {
    const old = (await this.#o.store.listCheckpoints(jobId)).slice(this.#o.keep ?? 5);
    for (const checkpoint of old) {
      await rm(this.#workbookPath(jobId, checkpoint), { force: true });
      await this.#o.store.deleteCheckpoint(jobId, checkpoint.checkpointId);
    }
  }
}

const metadataOf = (checkpoint: CheckpointRow): CheckpointMetadata => (checkpoint.metadata ?? {}) as CheckpointMetadata;

/** Stamped and its increment not stored: the process taking it died in between (rows from before stored increments have `tasks_file`). */
const isUnstored = (checkpoint: CheckpointRow): boolean => {
  const metadata = metadataOf(checkpoint);
  return metadata.increment === undefined && metadata.tasks_file === undefined;
};

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
