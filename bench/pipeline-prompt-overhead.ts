/**
 * The prompt overhead reported by bench/pipeline.ts: the share of the input tokens that is not
 * cell text — system prompt, language note, few-shot examples, and the JSON ids, quotes and
 * context around the texts. Measured on the batches the run built (one call per batch, the
 * default batch size), with the messages buildTranslateMessages makes for them and the estimator
 * the packer uses: a cell's text counts what estimateTokens says for it, everything else in the
 * messages is overhead. Repairs and retries are not counted (the bench has none).
 */
import { buildTranslateMessages } from '../src/llm/prompts/build-messages.ts';
import type { PromptStyle } from '../src/llm/prompts/prompt-style.ts';
import type { TranslateRequest } from '../src/llm/provider.ts';
import { estimateTokens } from '../src/tasks/batching/estimate-tokens.ts';
import { promptContext } from '../src/tasks/context.ts';
import type { PreparedJob } from '../src/tasks/prepare-job.ts';
import type { TaskDraft } from '../src/tasks/split-tasks.ts';

export interface PromptOverhead {
  /** (input tokens − cell text tokens) ÷ input tokens, over every call. */
  share: number;
  /** The part of `share` in the instructions: system prompt, language note, examples. */
  instructions_share: number;
  /** The part of `share` in the payload around the texts: ids, quotes, shared and per-item context. */
  payload_framing_share: number;
  calls: number;
  input_tokens_per_call: number;
  target: string;
}

export function promptOverhead(prepared: PreparedJob, prompts: PromptStyle): PromptOverhead {
  let input = 0;
  let payload = 0;
  let text = 0;
  const batches = sentTasksByBatch(prepared.split.tasks);
  for (const tasks of batches) {
    const messages = buildTranslateMessages(requestFor(tasks, prepared, prompts));
    input += messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
    payload += estimateTokens(messages[messages.length - 1].content);
    text += tasks.reduce((sum, task) => sum + estimateTokens(task.sourceText), 0);
  }
  const share = (value: number) => +(value / input).toFixed(4);
  return {
    share: share(input - text),
    instructions_share: share(input - payload),
    payload_framing_share: share(payload - text),
    calls: batches.length,
    input_tokens_per_call: Math.round(input / batches.length),
    target: '<= 0.15',
  };
}

/** The tasks each batch sends: one per dedupe key, none answered by translation memory. */
function sentTasksByBatch(tasks: readonly TaskDraft[]): TaskDraft[][] {
  const byBatch = new Map<string, TaskDraft[]>();
  const seen = new Set<string>();
  for (const task of tasks) {
    if (!task.batchId || task.memory || seen.has(task.dedupeKey)) continue;
    seen.add(task.dedupeKey);
    const list = byBatch.get(task.batchId) ?? [];
    list.push(task);
    byBatch.set(task.batchId, list);
  }
  return [...byBatch.values()];
}

/** The request BatchRunner sends for these tasks (the bench has no glossary). */
function requestFor(tasks: TaskDraft[], prepared: PreparedJob, prompts: PromptStyle): TranslateRequest {
  const { sourceLang, targetLang } = tasks[0];
  return {
    sourceLang,
    targetLang,
    items: tasks.map((task, i) => ({ id: String(i + 1), text: task.sourceText, context: promptContext(task.sourceContext, targetLang) })),
    gameContext: prepared.gameContext || undefined,
    prompt: prompts.forLanguage(targetLang),
    timeoutMs: 0,
  };
}
