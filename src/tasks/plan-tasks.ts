import { BatchPacker, type PackOptions } from './batching/pack-batches.ts';
import type { TaskDraft } from './split-tasks.ts';

/** `model_name` of tasks answered from translation memory. */
export const MEMORY_MODEL = 'memory';

/** Where planned tasks go, a block at a time: nothing holds every task of a job. */
export interface TaskSink {
  /** Translation memory for dedupe keys first seen in this block (see TaskPlanner.add); absent: no memory. */
  lookupMemory?(keys: string[]): Promise<ReadonlyMap<string, string>>;
  /** The block's tasks in split order, with their batch (or memory result) set. */
  write?(tasks: TaskDraft[]): Promise<void> | void;
}

/** Counts of a planned job, kept instead of its tasks. */
export interface TaskTally {
  tasks: number;
  /** Distinct dedupe keys, memory hits included: what would be sent without memory. */
  uniqueKeys: number;
  perLanguage: Record<string, number>;
  /** Tasks per `sheet\u0000field` of game-data sheets. */
  perField: Map<string, number>;
  /** Cells and unique texts the translation memory answered. */
  memoryCells: number;
  memoryTexts: number;
}

/**
 * Dedupe, translation memory and packing over blocks of drafts. Between blocks it keeps one entry
 * per dedupe key (the packer's batch, or the remembered result) and the counts: a million-row job
 * holds its unique keys, not its three million tasks.
 */
export class TaskPlanner {
  readonly packer: BatchPacker;
  readonly tally: TaskTally = { tasks: 0, uniqueKeys: 0, perLanguage: {}, perField: new Map(), memoryCells: 0, memoryTexts: 0 };
  readonly #remembered = new Map<string, string>();
  readonly #sink: TaskSink;

  constructor(options: PackOptions, sink: TaskSink = {}) {
    this.packer = new BatchPacker(options);
    this.#sink = sink;
  }

  async add(block: TaskDraft[]): Promise<void> {
    const hits = this.#sink.lookupMemory ? await this.#sink.lookupMemory(this.#newKeys(block)) : undefined;
    const planned = this.#plan(block, hits);
    if (this.#sink.write) await this.#sink.write(planned);
  }

  /** The same without memory, for a synchronous sink: prepareJob's path for a document in hand. */
  addSync(block: TaskDraft[]): void {
    const planned = this.#plan(block, undefined);
    if (this.#sink.write) void this.#sink.write(planned);
  }

  #plan(block: TaskDraft[], hits: ReadonlyMap<string, string> | undefined): TaskDraft[] {
    for (const [key, result] of hits ?? []) this.#remembered.set(key, result);
    this.tally.memoryTexts = this.#remembered.size;
    const open: TaskDraft[] = [];
    for (const task of block) {
      this.#count(task);
      const result = this.#remembered.get(task.dedupeKey);
      if (result === undefined) open.push(task);
      else {
        task.memory = { result, modelName: MEMORY_MODEL };
        this.tally.memoryCells++;
      }
    }
    this.packer.add(open);
    this.tally.uniqueKeys = this.packer.uniqueCount + this.#remembered.size;
    return block;
  }

  #newKeys(block: TaskDraft[]): string[] {
    const keys = new Set<string>();
    for (const task of block) if (!this.packer.has(task.dedupeKey) && !this.#remembered.has(task.dedupeKey)) keys.add(task.dedupeKey);
    return [...keys];
  }

  #count(task: TaskDraft): void {
    const { tally } = this;
    tally.tasks++;
    tally.perLanguage[task.targetLang] = (tally.perLanguage[task.targetLang] ?? 0) + 1;
    if (task.field) {
      const key = `${task.sheetName}\u0000${task.field}`;
      tally.perField.set(key, (tally.perField.get(key) ?? 0) + 1);
    }
  }
}

/**
 * The drafts grouped by batch, in the order batches first occur, each batch's in split order.
 * Rows are stored in this order, so a batch's tasks (the duplicates of a common text from all
 * over the block included) share table pages: committing a batch then rewrites a few pages
 * rather than touching most of its language's. Task ids keep the split order.
 */
export function* byBatch(tasks: TaskDraft[]): Generator<TaskDraft> {
  const groups = new Map<string | undefined, TaskDraft[]>();
  for (const task of tasks) {
    const group = groups.get(task.batchId);
    if (group) group.push(task);
    else groups.set(task.batchId, [task]);
  }
  for (const group of groups.values()) yield* group;
}
