import type { TaskDraft } from '../split-tasks.ts';
import { estimateItemTokens } from './estimate-tokens.ts';
import { KeyTable } from './key-table.ts';
import { DEFAULT_LANE_LIMITS, laneBatchSize, laneOf, type Lane, type LaneLimits } from './lanes.ts';

export interface PackOptions {
  /** Budget for the cell texts of one call, in estimated input tokens. */
  maxInputTokens: number;
  /** Budget for one reply, in estimated output tokens; binds first for expanding targets (Thai). */
  maxOutputTokens: number;
  maxChars: number;
  maxBatchSize: number;
  /**
   * Budget for the texts of one call, input and reply together: a share of the provider's
   * per-second token burst (see packOptions), so a batch goes out as one call under the limit.
   */
  maxCallTokens?: number;
  lanes?: LaneLimits;
}

export interface PackedBatch {
  batchId: string;
  seq: number;
  groupId: string;
  lane: Lane;
  targetLang: string;
  priority: number;
  taskCount: number;
  uniqueCount: number;
  chars: number;
  estInputTokens: number;
  estOutputTokens: number;
}

interface Unique {
  task: TaskDraft;
  followers: number;
  inTokens: number;
  outTokens: number;
  batch?: PackedBatch;
}

/**
 * Packs the unique texts of each (target language, group, lane) into calls under both token
 * budgets and the count limit. A cell is never split: one that alone exceeds a budget goes in
 * a batch of its own. Every task sharing a dedupe key gets the batch of its first occurrence.
 */
export function packBatches(tasks: TaskDraft[], options: PackOptions): PackedBatch[] {
  const packer = new BatchPacker(options);
  packer.add(tasks);
  return packer.batches;
}

/**
 * The packer that sees tasks a chunk at a time (a million-row sheet is split in blocks of rows):
 * what it keeps between chunks is one batch reference per dedupe key seen and the open batch of
 * each (priority, language, group, lane), never the tasks. Given everything as one chunk it packs
 * exactly as a whole-job packer would; over several chunks, duplicates of an earlier chunk's text
 * join that text's batch and a lane's open batch keeps filling across chunks.
 */
export class BatchPacker {
  readonly batches: PackedBatch[] = [];
  readonly #options: PackOptions;
  readonly #seqPerLang = new Map<string, number>();
  readonly #open = new Map<string, PackedBatch>();
  /** Each dedupe key's batch, by its `seq` (the batch's place in `batches`, from 1). */
  readonly #batchOf = new KeyTable();

  constructor(options: PackOptions) {
    this.#options = options;
  }

  /** True once a task with this dedupe key was packed. */
  has(dedupeKey: string): boolean {
    return this.#batchOf.get(dedupeKey) !== undefined;
  }

  /** Distinct dedupe keys packed so far. */
  get uniqueCount(): number {
    return this.#batchOf.size;
  }

  /** Sets `batchId` on every task of the chunk (duplicates of earlier chunks included); returns the batches it opened. */
  add(tasks: readonly TaskDraft[]): PackedBatch[] {
    const before = this.batches.length;
    const { uniques, slots } = this.#collectUniques(tasks);
    for (const [key, lane] of groupByLane(uniques, this.#options.lanes)) {
      let open = this.#open.get(key);
      for (const unique of lane.items) {
        if (!open || !fits(open, unique, lane.lane, this.#options)) {
          open = newBatch(unique.task, lane.lane, this.batches.length + 1, this.#seqPerLang);
          this.batches.push(open);
        }
        add(open, unique);
        unique.batch = open;
        this.#batchOf.set(unique.task.dedupeKey, open.seq);
      }
      if (open) this.#open.set(key, open);
    }
    tasks.forEach((task, i) => {
      const slot = slots[i];
      task.batchId = ('task' in slot ? slot.batch! : slot).batchId;
    });
    return this.batches.slice(before);
  }

  /** The chunk's new unique texts in order of first appearance, and for each task the unique it shares or the batch of an earlier chunk. */
  #collectUniques(tasks: readonly TaskDraft[]): { uniques: Map<string, Unique>; slots: Array<Unique | PackedBatch> } {
    const uniques = new Map<string, Unique>();
    const slots = tasks.map((task): Unique | PackedBatch => {
      const seq = this.#batchOf.get(task.dedupeKey);
      const earlier = seq === undefined ? undefined : this.batches[seq - 1];
      if (earlier) {
        earlier.taskCount++;
        return earlier;
      }
      const seen = uniques.get(task.dedupeKey);
      if (seen) {
        seen.followers++;
        return seen;
      }
      const tokens = estimateItemTokens(task.sourceText, task.targetLang);
      const unique: Unique = { task, followers: 0, inTokens: tokens.input + (task.contextTokens ?? 0), outTokens: tokens.output };
      uniques.set(task.dedupeKey, unique);
      return unique;
    });
    return { uniques, slots };
  }
}

function groupByLane(uniques: Map<string, Unique>, lanes: LaneLimits = DEFAULT_LANE_LIMITS) {
  const groups = new Map<string, { lane: Lane; items: Unique[] }>();
  // Tasks come sheet by sheet and language by language: the previous text's groups usually fit.
  let last: { task: TaskDraft; byLane: Partial<Record<Lane, { lane: Lane; items: Unique[] }>> } | undefined;
  for (const unique of uniques.values()) {
    const { task } = unique;
    if (!last || last.task.priority !== task.priority || last.task.targetLang !== task.targetLang || last.task.groupId !== task.groupId) last = { task, byLane: {} };
    const lane = laneOf(task.sourceText, lanes);
    let group = last.byLane[lane];
    if (!group) {
      const key = `${task.priority}\u0000${task.targetLang}\u0000${task.groupId}\u0000${lane}`;
      group = groups.get(key) ?? { lane, items: [] };
      groups.set(key, group);
      last.byLane[lane] = group;
    }
    group.items.push(unique);
  }
  for (const group of groups.values()) group.items = clusterByContext(group.items);
  // Batches are created in priority order so `seq` alone orders claims within a priority.
  return [...groups].sort(([a], [b]) => Number(a.split('\u0000')[0]) - Number(b.split('\u0000')[0]));
}

/**
 * Texts with the same notes (speaker, description) next to each other, in order of first
 * appearance, so they share a batch and the prompt sends that context once for all of them.
 * Rows without notes, or with notes of their own, keep their order.
 */
function clusterByContext(items: Unique[]): Unique[] {
  const clusters = new Map<string, Unique[]>();
  for (const item of items) {
    const key = notesOf(item.task.sourceContext);
    const cluster = clusters.get(key);
    if (cluster) cluster.push(item);
    else clusters.set(key, [item]);
  }
  return clusters.size === items.length || clusters.size === 1 ? items : [...clusters.values()].flat();
}

/** The `"notes":[…]` part of a stored context, found without parsing the JSON (this runs per task). */
function notesOf(contextJson: string): string {
  const at = contextJson.indexOf('"notes":[');
  return at < 0 ? '' : contextJson.slice(at, contextJson.indexOf(']', at) + 1);
}

function fits(batch: PackedBatch, unique: Unique, lane: Lane, options: PackOptions): boolean {
  return (
    batch.uniqueCount < laneBatchSize(lane, options.maxBatchSize, options.lanes) &&
    batch.estInputTokens + unique.inTokens <= options.maxInputTokens &&
    batch.estOutputTokens + unique.outTokens <= options.maxOutputTokens &&
    batch.estInputTokens + batch.estOutputTokens + unique.inTokens + unique.outTokens <= (options.maxCallTokens ?? Number.POSITIVE_INFINITY) &&
    batch.chars + unique.task.sourceText.length <= options.maxChars
  );
}

function newBatch(task: TaskDraft, lane: Lane, seq: number, seqPerLang: Map<string, number>): PackedBatch {
  const n = (seqPerLang.get(task.targetLang) ?? 0) + 1;
  seqPerLang.set(task.targetLang, n);
  const lang = task.targetLang.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  return {
    batchId: `BATCH_${lang}_${String(n).padStart(3, '0')}`,
    seq,
    groupId: task.groupId,
    lane,
    targetLang: task.targetLang,
    priority: task.priority,
    taskCount: 0,
    uniqueCount: 0,
    chars: 0,
    estInputTokens: 0,
    estOutputTokens: 0,
  };
}

function add(batch: PackedBatch, unique: Unique): void {
  batch.uniqueCount++;
  batch.taskCount += 1 + unique.followers;
  batch.chars += unique.task.sourceText.length;
  batch.estInputTokens += unique.inTokens;
  batch.estOutputTokens += unique.outTokens;
}
