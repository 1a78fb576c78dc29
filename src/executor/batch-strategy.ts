/**
 * What a batch runner asks of a kind of job (translate, map): how a call over some items is
 * built, what it costs, how its reply is read and how its results are checked. The runner keeps
 * everything else — splitting a batch into calls, retries, splitting on a bad reply, failures,
 * commits — the same for every kind (run-batch.ts).
 */
import type { ProviderReply, RepairNote, TranslateRequest } from '../llm/provider.ts';
import type { BatchItem, ClaimedBatch, ItemResult } from '../store/job-store.ts';
import type { RepairCall } from './qa-gate.ts';

/** A call's request but what the runner adds (signal, timeout, token estimate). */
export type CallRequest = Omit<TranslateRequest, 'signal' | 'timeoutMs' | 'estimatedTokens'>;

/** A reply read into one result per item (in item order), or why it cannot be: the runner splits and retries. */
export type ReadReply = { ok: true; results: ItemResult[] } | { ok: false; detail: string };

export interface BatchStrategy {
  /** Once per claimed batch, before its first call (a translation's glossary terms). */
  claim?(batch: ClaimedBatch): void;
  /** Tokens of one call that are not its items: the system prompt, examples, schema. */
  overheadTokens(batch: ClaimedBatch): number;
  /** One item's share of a call, its reply included. */
  itemTokens(item: BatchItem, batch: ClaimedBatch): number;
  /**
   * The call over `items`, whose wire ids are "1".."n" in item order (wireIds); `repair` (by wire
   * id) for the one repair call over items whose results failed the checks.
   */
  request(batch: ClaimedBatch, items: BatchItem[], repair?: Record<string, RepairNote>): CallRequest;
  read(batch: ClaimedBatch, items: BatchItem[], reply: ProviderReply): ReadReply;
  /**
   * Checks the results; the failing ones may be sent once more through `repair`. Resolves to the
   * results to commit (`needs_review` with flags where the checks still fail). Absent: as read.
   */
  gate?(batch: ClaimedBatch, items: BatchItem[], results: ItemResult[], repair: RepairCall): Promise<ItemResult[]>;
}

/** The wire ids of a call over `count` items: "1", "2", … */
export function wireIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(i + 1));
}
