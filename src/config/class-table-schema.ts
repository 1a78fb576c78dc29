import { z } from 'zod';

/**
 * Review classes (seed 003's ReviewClassifier) as configuration: which rows of a map job go alone
 * in a call and which are packed, and in what order the classes are processed. `batching.classes`
 * in the config, `--classes NAME|FILE` on the command line; presets in class-presets.ts.
 *
 * A row's class: the first class, in table order, whose `when` rule matches the row; otherwise the
 * one class whose `chars` range holds the length of the row's `text_column`. The ranges must
 * therefore cover every length from 0 up exactly once, which the schema checks.
 */

/**
 * Inclusive bounds on a text's length in characters. Characters are Unicode code points, what
 * Python's `len()` counts in the seed (an emoji is one, not two UTF-16 units).
 */
const charRange = z
  .object({
    min: z.number().int().min(0).default(0),
    /** Unset: no upper bound. */
    max: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((r) => r.max === undefined || r.max >= r.min, { message: 'max must be at least min' });

/** A rule on another column of the row (seed 003: the rating), with its own length bound. */
const classRule = z
  .object({
    column: z.string().min(1),
    /** Values that match, compared as text with numbers normalised (`5`, `"5"` and `"5.0"` are one value). */
    in: z.array(z.union([z.string(), z.number()])).min(1),
    /** The row's text length must also be in this range for the rule to match; unset: any length. */
    chars: charRange.optional(),
  })
  .strict();

/** How a class's prompt is written: `few-shot` adds the recipe's worked examples (seed 003's VIP prompt). */
export const PROMPT_STYLES = ['standard', 'few-shot'] as const;

const reviewClass = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case letters, digits, _ or -, starting with a letter (at most 32)'),
    /** The lengths this class takes when no rule placed the row. */
    chars: charRange.optional(),
    /** Rows matching this rule join the class whatever their length range says. */
    when: classRule.optional(),
    /** Rows per call at most (never above `llm.batch_control.max_batch_size`), or `budget`: as many as the token budgets allow. */
    per_call: z.union([z.number().int().min(1).max(1000), z.literal('budget')]),
    prompt: z.enum(PROMPT_STYLES).default('standard'),
    /** Processing position, 1 first; unset: the class's place in the table. */
    order: z.number().int().min(1).optional(),
  })
  .strict()
  .refine((c) => c.chars !== undefined || c.when !== undefined, { message: 'a class needs chars, when, or both' });

export const classTableSchema = z
  .object({
    /** The column whose length places a row (seed 003: the review body). */
    text_column: z.string().min(1).default('Text'),
    classes: z.array(reviewClass).min(1).max(20),
  })
  .strict()
  .superRefine((table, ctx) => {
    for (const message of tableProblems(table.classes)) ctx.addIssue({ code: 'custom', path: ['classes'], message });
  });

export type ClassTable = z.infer<typeof classTableSchema>;
export type ClassTableInput = z.input<typeof classTableSchema>;
export type ReviewClass = z.infer<typeof reviewClass>;
export type PromptStyle = (typeof PROMPT_STYLES)[number];
type CharRange = z.infer<typeof charRange>;

/** Duplicate names or order positions, and lengths no class or two classes take. */
function tableProblems(classes: readonly ReviewClass[]): string[] {
  const problems: string[] = [];
  const duplicate = (values: unknown[]) => values.find((v, i) => v !== undefined && values.indexOf(v) !== i);
  const name = duplicate(classes.map((c) => c.name));
  if (name !== undefined) problems.push(`class name "${name}" is used twice`);
  const order = duplicate(classes.map((c) => c.order));
  if (order !== undefined) problems.push(`order ${order} is given to two classes`);
  return problems.concat(rangeProblems(classes));
}

/**
 * Walks the ranges from length 0 up: a gap is a length no class would take, an overlap a length
 * two would claim. Each message names the classes and the lengths, so the fix is obvious.
 */
function rangeProblems(classes: readonly ReviewClass[]): string[] {
  const ranged = classes.filter((c): c is ReviewClass & { chars: CharRange } => c.chars !== undefined).sort((a, b) => a.chars.min - b.chars.min);
  const problems: string[] = [];
  let next = 0;
  let previous: (ReviewClass & { chars: CharRange }) | undefined;
  for (const c of ranged) {
    if (c.chars.min < next) {
      problems.push(`classes "${previous!.name}" (${describeRange(previous!.chars)}) and "${c.name}" (${describeRange(c.chars)}) overlap at ${describeRange({ min: c.chars.min, max: minOf(previous!.chars.max, c.chars.max) })}`);
    } else if (c.chars.min > next) {
      problems.push(`no class covers ${describeRange({ min: next, max: c.chars.min - 1 })}`);
    }
    const end = c.chars.max === undefined ? Number.POSITIVE_INFINITY : c.chars.max + 1;
    if (end > next) [next, previous] = [end, c];
  }
  if (next !== Number.POSITIVE_INFINITY) problems.push(`no class covers ${describeRange({ min: next })} (give the longest class no max)`);
  return problems;
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

/** `51–200 characters`, `201+ characters`, `0–50 characters`. */
export function describeRange(range: { min: number; max?: number }): string {
  if (range.max === undefined) return `${range.min}+ characters`;
  return range.min === range.max ? `${range.min} characters` : `${range.min}–${range.max} characters`;
}
