import type { ClassTable, PromptStyle } from '../../config/class-table-schema.ts';
import { estimateTokens, ITEM_OVERHEAD_TOKENS } from './estimate-tokens.ts';
import { charCount, ReviewClassifier, type ClassInfo } from './review-classes.ts';

/** What one row costs in a call, JSON framing included (see estimateRowCost). */
export interface RowCost {
  input: number;
  output: number;
}

/**
 * The budgets of one call, as for translation batches: `packOptions(config)` (prepare-job.ts)
 * fits as it is. A class's `per_call` is capped to `maxBatchSize`; `budget` classes take it.
 */
export interface ClassBudget {
  maxInputTokens: number;
  maxOutputTokens: number;
  /** Input and reply together (a share of the provider's per-second token burst); unset: no cap. */
  maxCallTokens?: number;
  maxBatchSize: number;
  /** Characters of the rows' class texts per call (`llm.batch_control.max_chars_per_batch`); unset: no cap. */
  maxChars?: number;
}

/** One call: rows (their indexes, as given to `add`) of one class. */
export interface ClassCall {
  className: string;
  /** The class's processing position (1 first): use it as the batch's priority. */
  order: number;
  prompt: PromptStyle;
  rows: number[];
  chars: number;
  estInputTokens: number;
  estOutputTokens: number;
}

/** What `estimate` prints per class. */
export interface ClassSummary {
  class: string;
  rows: number;
  calls: number;
  perCall: number | 'budget';
  prompt: PromptStyle;
}

/** A whole plan: per class (processing order) its rows and calls, every call in processing order, and the summary. */
export interface ClassPlan {
  classes: Array<ClassInfo & { rows: number[]; calls: ClassCall[] }>;
  calls: ClassCall[];
  summary: ClassSummary[];
}

/** One row for planClasses: its class text, the other cells the rules read, and its cost. */
export interface ClassRow {
  text: string;
  values?: Readonly<Record<string, unknown>>;
  cost: RowCost;
}

const NONE: readonly ClassCall[] = Object.freeze([]);

/**
 * Rows into calls, class by class, streaming: rows are classified as they come and each class
 * keeps one open call (as pack-batches.ts keeps one per lane), so what is held is an index per row
 * of the open calls and a few counters, whatever the number of rows. A row is never split: one
 * over a budget alone goes in a call of its own.
 *
 * Calls come out as they close (`add` and `finish` return them); their `order` is the class's
 * processing position, which a store claiming by priority turns into seed 003's short → standard
 * → VIP. planClasses collects them for a job small enough to hold.
 */
export class ClassPlanner {
  readonly classifier: ReviewClassifier;
  readonly #budget: ClassBudget;
  readonly #open: Array<ClassCall | undefined>;
  readonly #limits: number[];
  readonly #rows: number[];
  readonly #calls: number[];

  constructor(table: ClassTable | ReviewClassifier, budget: ClassBudget) {
    this.classifier = table instanceof ReviewClassifier ? table : new ReviewClassifier(table);
    this.#budget = budget;
    const { classes } = this.classifier;
    this.#limits = classes.map((c) => Math.max(1, c.perCall === 'budget' ? budget.maxBatchSize : Math.min(c.perCall, budget.maxBatchSize)));
    this.#open = classes.map(() => undefined);
    this.#rows = classes.map(() => 0);
    this.#calls = classes.map(() => 0);
  }

  /**
   * Places row `index` (`text`: its class text; `valueOf`: its other cells by header). Returns the
   * calls this closed — the class's previous call when the row did not fit, the row's own when
   * that filled it — usually none.
   */
  add(index: number, text: string, valueOf: ((column: string) => unknown) | undefined, cost: RowCost): readonly ClassCall[] {
    const chars = charCount(text);
    const k = this.classifier.classifyLength(chars, valueOf);
    this.#rows[k]++;
    let closed: ClassCall[] | undefined;
    let call = this.#open[k];
    if (call && !this.#fits(call, chars, cost)) {
      closed = [call];
      call = undefined;
    }
    if (!call) {
      const info = this.classifier.classes[k];
      call = { className: info.name, order: info.order, prompt: info.prompt, rows: [], chars: 0, estInputTokens: 0, estOutputTokens: 0 };
      this.#calls[k]++;
    }
    call.rows.push(index);
    call.chars += chars;
    call.estInputTokens += cost.input;
    call.estOutputTokens += cost.output;
    if (call.rows.length >= this.#limits[k]) {
      (closed ??= []).push(call);
      call = undefined;
    }
    this.#open[k] = call;
    return closed ?? NONE;
  }

  /** Closes the calls still open, in processing order. */
  finish(): ClassCall[] {
    const rest = this.#open.filter((call): call is ClassCall => call !== undefined);
    this.#open.fill(undefined);
    return rest;
  }

  /** Rows and calls per class so far (calls still open included), in processing order. */
  summary(): ClassSummary[] {
    return this.classifier.classes.map((c, k) => ({ class: c.name, rows: this.#rows[k], calls: this.#calls[k], perCall: c.perCall, prompt: c.prompt }));
  }

  #fits(call: ClassCall, chars: number, cost: RowCost): boolean {
    const b = this.#budget;
    return (
      call.estInputTokens + cost.input <= b.maxInputTokens &&
      call.estOutputTokens + cost.output <= b.maxOutputTokens &&
      call.estInputTokens + call.estOutputTokens + cost.input + cost.output <= (b.maxCallTokens ?? Number.POSITIVE_INFINITY) &&
      call.chars + chars <= (b.maxChars ?? Number.POSITIVE_INFINITY)
    );
  }
}

/** Every row through a ClassPlanner, row indexes counted from 0, the calls grouped by class in processing order. */
export function planClasses(rows: Iterable<ClassRow>, table: ClassTable | ReviewClassifier, budget: ClassBudget): ClassPlan {
  const planner = new ClassPlanner(table, budget);
  const closed: ClassCall[] = [];
  let index = 0;
  for (const row of rows) {
    const values = row.values;
    closed.push(...planner.add(index++, row.text, values && ((column) => values[column]), row.cost));
  }
  closed.push(...planner.finish());
  const classes = planner.classifier.classes.map((info) => {
    const calls = closed.filter((call) => call.className === info.name);
    return { ...info, rows: calls.flatMap((call) => call.rows), calls };
  });
  return { classes, calls: classes.flatMap((c) => c.calls), summary: planner.summary() };
}

/**
 * A map row's cost in a call: `itemText` is what is sent for it (its rendered fields), `outputTokens`
 * the reply expected for it (for a translation, estimateOutputTokens of its text), each with its
 * JSON framing (`"id": …,`).
 */
export function estimateRowCost(itemText: string, outputTokens: number): RowCost {
  return { input: estimateTokens(itemText) + ITEM_OVERHEAD_TOKENS, output: outputTokens + ITEM_OVERHEAD_TOKENS };
}

/** `short 339 rows → 4 calls (budget) · standard … · vip 80 rows → 80 calls (1 per call, few-shot)`, for estimate. */
export function describeClassPlan(summary: readonly ClassSummary[]): string {
  return summary
    .map((s) => `${s.class} ${s.rows} rows → ${s.calls} calls (${s.perCall === 'budget' ? 'by budget' : `${s.perCall} per call`}${s.prompt === 'standard' ? '' : `, ${s.prompt}`})`)
    .join(' · ');
}
