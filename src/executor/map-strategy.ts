/**
 * A map batch's calls (BatchStrategy): rows as `{"1": {fields}, …}` under the job's prompt (after
 * the job's worked examples in a call of a few-shot class; a batch's `lane` is its class), the
 * reply constrained by the schema where the endpoint takes `json_schema`, read leniently, every
 * result validated with ajv; the failing ones are sent once more with the validator's messages,
 * and what still fails is kept as `needs_review` (flag `schema_invalid`).
 */
import type { ChatMessage, ProviderReply, RepairNote } from '../llm/provider.ts';
import { parseObjectReply } from '../llm/reply/parse-reply.ts';
import { callOverheadTokens, carriesExamples, exampleTokensByClass, fewShotTurns, mapPayload, mapSystemPrompt } from '../map/map-messages.ts';
import type { MapSpec } from '../map/map-spec.ts';
import { resultTokens } from '../map/map-packer.ts';
import { resultValidator, type SchemaProblems } from '../map/result-schema.ts';
import { flag, qualityScore } from '../qa/qa-flags.ts';
import type { BatchItem, ClaimedBatch, ItemResult } from '../store/job-store.ts';
import { ITEM_OVERHEAD_TOKENS, estimateTokens } from '../tasks/batching/estimate-tokens.ts';
import { wireIds, type BatchStrategy, type CallRequest, type ReadReply } from './batch-strategy.ts';
import { formatFlag, type RepairCall } from './qa-gate.ts';

export class MapStrategy implements BatchStrategy {
  readonly #spec: MapSpec;
  readonly #system: string;
  readonly #overhead: number;
  readonly #examples: ChatMessage[];
  readonly #exampleTokens: (className: string) => number;
  readonly #resultTokens: number;
  readonly #validate: (value: unknown) => SchemaProblems;

  constructor(spec: MapSpec) {
    this.#spec = spec;
    this.#system = mapSystemPrompt(spec);
    this.#overhead = callOverheadTokens(spec, this.#system);
    this.#examples = fewShotTurns(spec.examples, spec.columns);
    this.#exampleTokens = exampleTokensByClass(spec);
    this.#resultTokens = resultTokens(spec);
    this.#validate = resultValidator(spec.schema);
  }

  /** The system prompt and schema, and the examples in a call of a few-shot class: what the packer and `estimate` count for it too. */
  overheadTokens(batch: ClaimedBatch): number {
    return this.#overhead + this.#exampleTokens(batch.lane);
  }

  itemTokens(item: BatchItem): number {
    return estimateTokens(item.sourceText) + ITEM_OVERHEAD_TOKENS + this.#resultTokens;
  }

  request(batch: ClaimedBatch, items: BatchItem[], repair?: Record<string, RepairNote>): CallRequest {
    const ids = wireIds(items.length);
    const rows = items.map((item, i) => ({ id: ids[i], fieldsJson: item.sourceText }));
    return {
      sourceLang: batch.sourceLang,
      targetLang: batch.targetLang,
      items: items.map((item, i) => ({ id: ids[i], text: item.sourceText })),
      payload: mapPayload(this.#spec, this.#system, rows, repair, carriesExamples(this.#spec, batch.lane) ? this.#examples : []),
    };
  }

  read(_batch: ClaimedBatch, items: BatchItem[], reply: ProviderReply): ReadReply {
    const ids = wireIds(items.length);
    const parsed = parseObjectReply(reply, ids);
    if (!parsed.ok) return { ok: false, detail: parsed.detail };
    const texts = ids.map((id) => JSON.stringify(parsed.values.get(id)));
    const total = texts.reduce((sum, text) => sum + text.length, 0) || 1;
    const results = items.map((item, i) => ({ dedupeKey: item.dedupeKey, result: texts[i], tokenCount: Math.round((reply.completionTokens * texts[i].length) / total), confidence: null }));
    return { ok: true, results };
  }

  /** Validates every result; the invalid ones get one repair call; a repaired result is kept only when it is valid. */
  async gate(_batch: ClaimedBatch, items: BatchItem[], results: ItemResult[], repair: RepairCall): Promise<ItemResult[]> {
    const problems = results.map((result) => this.#problems(result));
    const failing = invalidIndexes(problems);
    if (failing.length) {
      const again = await repair(failing.map((i) => items[i]), failing.map((i) => ({ previous: results[i].result, problems: problems[i] })));
      again?.forEach((result, k) => {
        const i = failing[k];
        const repaired = this.#problems(result);
        // Both calls were paid for this row, whichever answer is kept.
        const tokenCount = results[i].tokenCount + result.tokenCount;
        if (!repaired.length) [results[i], problems[i]] = [{ ...result, tokenCount }, repaired];
        else results[i] = { ...results[i], tokenCount };
      });
    }
    return results.map((result, i) => settle(result, problems[i]));
  }

  #problems(result: ItemResult): SchemaProblems {
    return this.#validate(JSON.parse(result.result));
  }
}

/** The indexes of the results with problems. */
export function invalidIndexes(problems: readonly SchemaProblems[]): number[] {
  return problems.flatMap((p, i) => (p.length ? [i] : []));
}

function settle(result: ItemResult, problems: SchemaProblems): ItemResult {
  if (!problems.length) return { ...result, status: 'completed', qaFlags: null, qualityScore: 100 };
  const flags = [flag('schema_invalid', problems.join('; '))];
  return { ...result, status: 'needs_review', qaFlags: flags.map(formatFlag), qualityScore: qualityScore(flags) };
}
