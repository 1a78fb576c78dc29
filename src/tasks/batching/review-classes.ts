import type { ClassTable, PromptStyle } from '../../config/class-table-schema.ts';

/** One class of a table, as the planner and `estimate` use it. */
export interface ClassInfo {
  name: string;
  /** 1-based processing position: every call of order 1 before any of order 2 (seed 003: short → standard → VIP). */
  order: number;
  /** Rows per call at most, or `budget`: as many as the token budgets allow. */
  perCall: number | 'budget';
  prompt: PromptStyle;
}

interface Rule {
  target: number;
  column: string;
  values: ReadonlySet<string>;
  min: number;
  max: number;
}

interface Range {
  target: number;
  min: number;
  max: number;
}

/** A cell's value as the `in` lists compare it: text trimmed, numbers in one spelling (`5`, `"5"`, `"5.0"` → `5`). */
export function ruleValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value).trim();
  const number = text === '' ? Number.NaN : Number(text);
  return Number.isFinite(number) ? String(number) : text;
}

/**
 * Length in Unicode code points: what seed 003's `len(review.body_original)` counts in Python, so
 * an emoji is one character, not JavaScript's two UTF-16 units.
 */
export function charCount(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/**
 * Seed 003's ReviewClassifier over a validated class table. A row goes to the first class, in
 * table order, whose `when` rule matches it; otherwise to the class whose `chars` range holds its
 * length (the schema guarantees exactly one). Holds nothing per row.
 */
export class ReviewClassifier {
  /** The classes in processing order; `classify` returns an index into this list. */
  readonly classes: readonly ClassInfo[];
  /** The column whose length places a row. */
  readonly textColumn: string;
  /** Other columns the rules read, for callers that gather only what is needed. */
  readonly ruleColumns: readonly string[];
  readonly #rules: Rule[];
  readonly #ranges: Range[];

  constructor(table: ClassTable) {
    const byOrder = table.classes.map((c, i) => ({ c, i, order: c.order ?? i + 1 })).sort((a, b) => a.order - b.order || a.i - b.i);
    this.classes = byOrder.map(({ c }, i) => ({ name: c.name, order: i + 1, perCall: c.per_call, prompt: c.prompt }));
    this.textColumn = table.text_column;
    const position = (name: string) => byOrder.findIndex((entry) => entry.c.name === name);
    this.#rules = table.classes.flatMap((c) =>
      c.when ? [{ target: position(c.name), column: c.when.column, values: new Set(c.when.in.map(ruleValue)), min: c.when.chars?.min ?? 0, max: c.when.chars?.max ?? Number.POSITIVE_INFINITY }] : [],
    );
    this.#ranges = table.classes.flatMap((c) => (c.chars ? [{ target: position(c.name), min: c.chars.min, max: c.chars.max ?? Number.POSITIVE_INFINITY }] : []));
    this.ruleColumns = [...new Set(this.#rules.map((r) => r.column))];
  }

  /** Every column classifying needs: the text column, then the rules' columns. A map job must read them all. */
  get columns(): string[] {
    return [...new Set([this.textColumn, ...this.ruleColumns])];
  }

  /** The class of a row: `text` is its `textColumn` cell, `valueOf` reads its other cells by header. */
  classify(text: string, valueOf: (column: string) => unknown = () => undefined): number {
    return this.classifyLength(charCount(text), valueOf);
  }

  /** As classify, for a length already counted (code points). */
  classifyLength(length: number, valueOf: (column: string) => unknown = () => undefined): number {
    for (const rule of this.#rules) {
      if (length >= rule.min && length <= rule.max && rule.values.has(ruleValue(valueOf(rule.column)))) return rule.target;
    }
    for (const range of this.#ranges) if (length >= range.min && length <= range.max) return range.target;
    // Unreachable for a table that passed classTableSchema (its ranges cover every length).
    throw new Error(`class table has no class for a text of ${length} characters`);
  }
}

/** A row's class as a map job's packer takes it (plan-map's RowClass): no `maxItemsPerCall` means by token budget. */
export interface RowClassChoice {
  className: string;
  maxItemsPerCall?: number;
  /** Batch priority, lower claimed first: `basePriority` for the first class in processing order, one more for each after it. */
  priority: number;
}

/**
 * The table as a per-row function over a row's fields by header (the row's `textColumn` and rule
 * columns among them), for a packer that keeps its own open batch per class. `basePriority`
 * (default 5, a translation group's default) keeps the first class level with other jobs' work.
 */
export function rowClassifier(table: ClassTable | ReviewClassifier, basePriority = 5): (row: { fields: Readonly<Record<string, unknown>> }) => RowClassChoice {
  const classifier = table instanceof ReviewClassifier ? table : new ReviewClassifier(table);
  const choices = classifier.classes.map((c): RowClassChoice => ({ className: c.name, ...(c.perCall === 'budget' ? {} : { maxItemsPerCall: c.perCall }), priority: basePriority + c.order - 1 }));
  return ({ fields }) => {
    const text = fields[classifier.textColumn];
    return choices[classifier.classify(text == null ? '' : String(text), (column) => fields[column])];
  };
}
