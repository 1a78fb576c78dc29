/**
 * The translate requests fanyi's executor sends for a prepared job, one per packed batch, rebuilt
 * outside the engine for the benchmarks that must send or measure exactly those: the naive
 * baseline of bench:limits and the prompt overhead of bench:pipeline. Keep in step with
 * run-batch.ts (#wireItems, #send): unique texts numbered "1", "2", … with their prompt context,
 * the job's game context, and the target language's examples and note. No glossary (the benches
 * have none).
 */
import type { PromptStyle } from '../src/llm/prompts/prompt-style.ts';
import type { TranslateRequest } from '../src/llm/provider.ts';
import { promptContext } from '../src/tasks/context.ts';
import type { CollectedJob } from '../src/tasks/prepare-job.ts';
import type { TaskDraft } from '../src/tasks/split-tasks.ts';

export interface BatchRequest {
  /** Every task the batch settles (duplicates included). */
  tasks: TaskDraft[];
  /** The tasks sent: one per dedupe key. */
  unique: TaskDraft[];
  request: TranslateRequest;
}

/** In packing order; tasks answered from translation memory are in no batch and sent by no call. */
export function batchRequests(prepared: CollectedJob, prompts: PromptStyle, timeoutMs: number): BatchRequest[] {
  const byBatch = new Map<string, TaskDraft[]>();
  for (const task of prepared.split.tasks) {
    if (!task.batchId || task.memory) continue;
    const list = byBatch.get(task.batchId);
    if (list) list.push(task);
    else byBatch.set(task.batchId, [task]);
  }
  return prepared.batches.flatMap((batch) => {
    const tasks = byBatch.get(batch.batchId);
    if (!tasks) return [];
    const unique = [...new Map(tasks.map((task) => [task.dedupeKey, task])).values()];
    const request: TranslateRequest = {
      sourceLang: unique[0].sourceLang,
      targetLang: batch.targetLang,
      items: unique.map((task, i) => ({ id: String(i + 1), text: task.sourceText, context: promptContext(task.sourceContext, batch.targetLang) })),
      gameContext: prepared.gameContext || undefined,
      prompt: prompts.forLanguage(batch.targetLang),
      timeoutMs,
    };
    return [{ tasks, unique, request }];
  });
}
