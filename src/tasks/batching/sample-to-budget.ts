/**
 * A deterministic sample of items that fits one call's budget: for a map job's group (a product's
 * reviews) too large to send whole. Every item fits: all of them. Otherwise items are visited in
 * the order of a hash of their key — a shuffle that is the same on every run and machine, so a
 * resume or an estimate picks the same rows, and that favours no part of the file (its start, its
 * longest rows) — and each is taken while it fits; one that does not is passed over, so the
 * shorter ones after it may still fill the budget. A single item over the budget alone is taken
 * alone (an item is never split, and a group is never sent empty).
 */
import { createHash } from 'node:crypto';

export interface SampleItem {
  /** Stable across runs (a row's id and content): it decides the item's place in the shuffle. */
  key: string;
  tokens: number;
  chars: number;
}

export interface SampleBudget {
  tokens: number;
  chars: number;
}

/** The indexes of the items taken, in their original order. */
export function sampleToBudget(items: readonly SampleItem[], budget: SampleBudget): number[] {
  const all = items.map((_, i) => i);
  const total = items.reduce((sum, item) => ({ tokens: sum.tokens + item.tokens, chars: sum.chars + item.chars }), { tokens: 0, chars: 0 });
  if (total.tokens <= budget.tokens && total.chars <= budget.chars) return all;
  const rank = items.map((item) => createHash('sha1').update(item.key).digest('hex'));
  const shuffled = [...all].sort((a, b) => (rank[a] < rank[b] ? -1 : rank[a] > rank[b] ? 1 : a - b));
  const taken: number[] = [];
  let tokens = 0;
  let chars = 0;
  for (const i of shuffled) {
    if (tokens + items[i].tokens > budget.tokens || chars + items[i].chars > budget.chars) continue;
    taken.push(i);
    tokens += items[i].tokens;
    chars += items[i].chars;
  }
  if (!taken.length && shuffled.length) taken.push(shuffled[0]);
  return taken.sort((a, b) => a - b);
}
