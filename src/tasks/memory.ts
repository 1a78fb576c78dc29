import type { FanyiConfig } from '../config/config-schema.ts';
import { packBatches } from './batching/pack-batches.ts';
import { packOptions, type PreparedJob } from './prepare-job.ts';

/** `model_name` of tasks answered from translation memory. */
export const MEMORY_MODEL = 'memory';

/** The unique dedupe keys of a job's tasks: what to look up in translation memory. */
export function memoryKeys(prepared: PreparedJob): string[] {
  return [...new Set(prepared.split.tasks.map((t) => t.dedupeKey))];
}

/**
 * Marks the tasks earlier jobs already translated (same text, meaning-bearing context, target
 * language, game context and glossary version: the dedupe key) with the remembered result, and
 * packs only the others: the executor never sees a remembered text.
 */
export function applyMemory(prepared: PreparedJob, hits: ReadonlyMap<string, string>, config: FanyiConfig): PreparedJob {
  if (!hits.size) return prepared;
  const open = [];
  let memoryCells = 0;
  for (const task of prepared.split.tasks) {
    const result = hits.get(task.dedupeKey);
    if (result === undefined) {
      open.push(task);
      continue;
    }
    task.memory = { result, modelName: MEMORY_MODEL };
    task.batchId = undefined;
    memoryCells++;
  }
  const batches = packBatches(open, packOptions(config));
  const uniqueTexts = batches.reduce((sum, b) => sum + b.uniqueCount, 0);
  return { ...prepared, batches, uniqueTexts, memoryCells, memoryTexts: hits.size };
}
