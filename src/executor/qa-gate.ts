/**
 * The QA gate between a parsed reply and the commit (issue 4): every result is checked against
 * its source (src/qa/checkTranslation); the ones with problems are sent once more, listing the
 * problems; the better of the two answers is kept, and whatever still has a flag is committed as
 * `needs_review` with its flags. Whether a flagged result reaches the workbook is decided at
 * export (hard flags are held back unless the job says `--write-unreviewed`).
 */
import type { GlossaryHit, RepairNote } from '../llm/provider.ts';
import { checkTranslation, type QaResult } from '../qa/check-translation.ts';
import type { GlossaryTerm } from '../qa/check-terms.ts';
import type { QaFlag } from '../qa/qa-flags.ts';
import type { BatchItem, ItemResult } from '../store/job-store.ts';
import { itemTaskContext } from '../tasks/context.ts';

/** What every result of one call is checked against besides its own source text. */
export interface QaScope {
  sourceLang: string;
  targetLang: string;
  /**
   * Glossary terms of the call (the `glossary` of its TranslateRequest). Hook for the glossary:
   * whoever builds the request passes the same hits here, so the gate checks the terms the
   * prompt asked for. Absent: no glossary check.
   */
  glossary?: readonly GlossaryHit[];
}

/**
 * Sends `items` once more with a note each; resolves to their new results in the same order, or
 * undefined when the call brought nothing usable (it failed, was rejected, or answered malformed).
 */
export type RepairCall = (items: BatchItem[], notes: RepairNote[]) => Promise<ItemResult[] | undefined>;

/** One answer for an item and what the checks said about it. */
export interface Checked {
  result: ItemResult;
  qa: QaResult;
}

/** Stored flags are `code: message` (the code machine-readable, the detail for people), cut here so a wild reply cannot bloat the task table. */
const MAX_FLAG_CHARS = 200;

/**
 * Checks every result, repairs the failing ones with one call (when `repair` is given), and
 * returns the results to commit: `completed` when clean, else `needs_review` with `qaFlags`;
 * `qualityScore` on all of them.
 */
export async function gateResults(items: BatchItem[], results: ItemResult[], scope: QaScope, repair?: RepairCall): Promise<ItemResult[]> {
  const checked = results.map((result, i) => checkResult(items[i], result, scope));
  const failing = checked.flatMap((c, i) => (c.qa.flags.length ? [i] : []));
  if (failing.length && repair) {
    const again = await repair(failing.map((i) => items[i]), failing.map((i) => repairNote(checked[i])));
    again?.forEach((result, k) => {
      const i = failing[k];
      const kept = better(checked[i], checkResult(items[i], result, scope));
      // Both calls were paid for this text, whichever answer is kept.
      checked[i] = { ...kept, result: { ...kept.result, tokenCount: checked[i].result.tokenCount + result.tokenCount } };
    });
  }
  return checked.map(settle);
}

export function checkResult(item: BatchItem, result: ItemResult, scope: QaScope): Checked {
  const qa = checkTranslation({
    source: item.sourceText,
    target: result.result,
    sourceLang: scope.sourceLang,
    targetLang: scope.targetLang,
    maxLength: maxLengthOf(item),
    glossary: scope.glossary?.map(toGlossaryTerm),
  });
  return { result, qa };
}

/** The item's character limit, from its stored context (a max-length column or a hint in a comment/note). */
export function maxLengthOf(item: BatchItem): number | undefined {
  try {
    // Stored data: checked, not trusted to be the number the type says.
    const maxLength: unknown = itemTaskContext(item)?.maxLength;
    return typeof maxLength === 'number' && maxLength > 0 ? maxLength : undefined;
  } catch {
    return undefined;
  }
}

export function repairNote(checked: Checked): RepairNote {
  return { previous: checked.result.result, problems: checked.qa.flags.map((f) => f.message) };
}

/**
 * The answer to keep: one without a hard flag beats one with (a broken `{0}` crashes the game, a
 * long label does not), then the higher score. A tie keeps the first answer: the repair has to
 * earn its place.
 */
export function better(first: Checked, second: Checked): Checked {
  if (first.qa.hard !== second.qa.hard) return first.qa.hard ? second : first;
  return second.qa.score > first.qa.score ? second : first;
}

export function settle({ result, qa }: Checked): ItemResult {
  return {
    ...result,
    status: qa.flags.length ? 'needs_review' : 'completed',
    qaFlags: qa.flags.length ? qa.flags.map(formatFlag) : null,
    qualityScore: qa.score,
  };
}

export function formatFlag(flag: QaFlag): string {
  const text = `${flag.code}: ${flag.message}`;
  return text.length > MAX_FLAG_CHARS ? `${text.slice(0, MAX_FLAG_CHARS - 1)}…` : text;
}

function toGlossaryTerm(hit: GlossaryHit): GlossaryTerm {
  return { term: hit.source, translation: hit.target, doNotTranslate: hit.doNotTranslate };
}
