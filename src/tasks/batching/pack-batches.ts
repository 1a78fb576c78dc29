import type { TaskDraft } from '../split-tasks.ts';
import { estimateItemTokens } from './estimate-tokens.ts';
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
  batchId?: string;
}

/**
 * Packs the unique texts of each (target language, group, lane) into calls under both token
 * budgets and the count limit. A cell is never split: one that alone exceeds a budget goes in
 * a batch of its own. Every task sharing a dedupe key gets the batch of its first occurrence.
 */
export function packBatches(tasks: TaskDraft[], options: PackOptions): PackedBatch[] {
  const { uniques, uniqueOf } = collectUniques(tasks);
  const batches: PackedBatch[] = [];
  const seqPerLang = new Map<string, number>();
  for (const [, lane] of groupByLane(uniques, options.lanes)) {
    let open: PackedBatch | undefined;
    for (const unique of lane.items) {
      if (!open || !fits(open, unique, lane.lane, options)) {
        open = newBatch(unique.task, lane.lane, batches.length + 1, seqPerLang);
        batches.push(open);
      }
      add(open, unique);
      unique.batchId = open.batchId;
    }
  }
  tasks.forEach((task, i) => (task.batchId = uniqueOf[i].batchId));
  return batches;
}

/** The unique texts in order of first appearance, and for each task (by index) the unique it shares. */
function collectUniques(tasks: TaskDraft[]): { uniques: Map<string, Unique>; uniqueOf: Unique[] } {
  const uniques = new Map<string, Unique>();
  const uniqueOf = tasks.map((task) => {
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
  return { uniques, uniqueOf };
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
