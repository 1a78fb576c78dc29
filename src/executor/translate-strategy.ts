/**
 * A translation batch's calls (BatchStrategy): each item's text with its context, the target
 * language's prompt style, the glossary terms of the call; replies read as id → text; results
 * through the QA gate (qa-gate.ts) with one repair call.
 */
import type { ProviderReply, RepairNote, TranslateItem } from '../llm/provider.ts';
import type { PromptStyle } from '../llm/prompts/prompt-style.ts';
import { parseReply } from '../llm/reply/parse-reply.ts';
import type { BatchItem, ClaimedBatch, ItemResult } from '../store/job-store.ts';
import { estimateItemTokens } from '../tasks/batching/estimate-tokens.ts';
import { itemContextTokens, itemTaskContext, promptContext } from '../tasks/context.ts';
import { hitsIn, type GlossaryMatcher } from '../tasks/glossary/match-terms.ts';
import type { BatchStrategy, CallRequest, ReadReply } from './batch-strategy.ts';
import { itemConfidences } from './item-confidence.ts';
import { gateResults, type RepairCall } from './qa-gate.ts';

export interface TranslateStrategyOptions {
  gameContext?: string;
  /** Overhead of the system prompt, added to each call's token reservation. */
  promptOverheadTokens: number;
  /** The job's glossary (`--glossary`): each claimed batch gets the terms its texts use. */
  glossary?: GlossaryMatcher;
  /** Config `prompts`: each call gets its target language's examples, note and system template. */
  prompts?: PromptStyle;
  /**
   * QA gates on every result (qa-gate.ts): checks, one repair call for the failing items (with
   * `repair`), then `needs_review` with flags. Off when absent (the offline pseudo provider's
   * output is not a translation to judge).
   */
  qa?: { repair: boolean };
}

export class TranslateStrategy implements BatchStrategy {
  readonly #o: TranslateStrategyOptions;

  constructor(options: TranslateStrategyOptions) {
    this.#o = options;
  }

  claim(batch: ClaimedBatch): void {
    batch.glossary ??= nonEmpty(this.#o.glossary?.termsFor(batch.targetLang, batch.items.map((i) => i.sourceText)));
  }

  /** The system prompt, and the target language's examples and note. */
  overheadTokens(batch: ClaimedBatch): number {
    return this.#o.promptOverheadTokens + (this.#o.prompts?.extraTokens(batch.targetLang) ?? 0);
  }

  itemTokens(item: BatchItem, batch: ClaimedBatch): number {
    return itemCost(item, batch.targetLang);
  }

  request(batch: ClaimedBatch, items: BatchItem[], repair?: Record<string, RepairNote>): CallRequest {
    return {
      sourceLang: batch.sourceLang,
      targetLang: batch.targetLang,
      items: wireItems(batch, items),
      gameContext: this.#o.gameContext,
      prompt: this.#o.prompts?.forLanguage(batch.targetLang),
      glossary: hitsIn(batch.glossary, items.map((i) => i.sourceText)),
      ...(repair ? { repair } : {}),
    };
  }

  read(_batch: ClaimedBatch, items: BatchItem[], reply: ProviderReply): ReadReply {
    const ids = items.map((_, i) => String(i + 1));
    const parsed = parseReply(reply, ids);
    return parsed.ok ? { ok: true, results: toResults(items, ids, parsed.translations, reply) } : { ok: false, detail: parsed.detail };
  }

  async gate(batch: ClaimedBatch, items: BatchItem[], results: ItemResult[], repair: RepairCall): Promise<ItemResult[]> {
    if (!this.#o.qa) return results;
    // The gate checks each result only for the glossary terms its own source uses.
    const scope = { sourceLang: batch.sourceLang, targetLang: batch.targetLang, glossary: batch.glossary };
    return gateResults(items, results, scope, this.#o.qa.repair ? repair : undefined);
  }
}

function wireItems(batch: ClaimedBatch, items: BatchItem[]): TranslateItem[] {
  return items.map((item, i) => ({ id: String(i + 1), text: item.sourceText, context: promptContext(itemTaskContext(item), batch.targetLang, item.sourceText) }));
}

const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list?.length ? list : undefined);

function toResults(items: BatchItem[], ids: string[], translations: Map<string, string>, reply: ProviderReply): ItemResult[] {
  const total = [...translations.values()].reduce((sum, t) => sum + t.length, 0) || 1;
  const confidences = itemConfidences(reply.content, reply.logprobs);
  return items.map((item, i) => {
    const result = translations.get(ids[i]) ?? '';
    const tokenCount = Math.round((reply.completionTokens * result.length) / total);
    return { dedupeKey: item.dedupeKey, result, tokenCount, confidence: confidences?.get(ids[i]) ?? null };
  });
}

/** Items' costs, once per item however often it is estimated (calls, retries, halves). */
const itemCosts = new WeakMap<BatchItem, number>();

/** One item's share of a call: its text, the context sent beside it, and its expected reply. */
function itemCost(item: BatchItem, targetLang: string): number {
  let cost = itemCosts.get(item);
  if (cost === undefined) {
    const { input, output } = estimateItemTokens(item.sourceText, targetLang);
    const context = itemTaskContext(item);
    cost = input + output + (context ? itemContextTokens(context, item.sourceText) : 0);
    itemCosts.set(item, cost);
  }
  return cost;
}
