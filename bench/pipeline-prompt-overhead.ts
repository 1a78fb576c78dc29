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
import { estimateTokens } from '../src/tasks/batching/estimate-tokens.ts';
import type { CollectedJob } from '../src/tasks/prepare-job.ts';
import { batchRequests } from './batch-requests.ts';

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

export function promptOverhead(prepared: CollectedJob, prompts: PromptStyle): PromptOverhead {
  let input = 0;
  let payload = 0;
  let text = 0;
  const batches = batchRequests(prepared, prompts, 0);
  for (const { unique, request } of batches) {
    const messages = buildTranslateMessages(request);
    input += messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
    payload += estimateTokens(messages[messages.length - 1].content);
    text += unique.reduce((sum, task) => sum + estimateTokens(task.sourceText), 0);
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
