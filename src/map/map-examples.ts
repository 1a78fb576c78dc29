/**
 * Worked examples of a map job (`examples.json` of a recipe, or `--examples FILE`): rows of the
 * job's columns with the result a good answer gives them, sent before the rows of the calls whose
 * class has the few-shot prompt style (seed 003's VIP prompt; see map-messages.ts fewShotTurns).
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues } from '../config/config-files.ts';
import { FanyiError } from '../errors.ts';
import type { ReviewClassifier } from '../tasks/batching/review-classes.ts';
import type { MapInput } from './map-spec.ts';

export const examplesFile = z.array(
  z
    .object({
      /** Only for jobs into this language (a translation recipe); unset: every job. */
      to: z.string().min(1).optional(),
      row: z.record(z.string(), z.union([z.string(), z.number()])),
      result: z.record(z.string(), z.unknown()),
    })
    .strict(),
);

export type RecipeExample = z.infer<typeof examplesFile>[number];

/** An example as a job stores it (JobOptions.map.examples): its row's fields and its result. */
export type MapExample = Pick<RecipeExample, 'row' | 'result'>;

/** Examples as read from JSON, checked; a bad one is a config error naming `where`. */
export function parseExamples(value: unknown, where: string, code: 'CONFIG_INVALID' | 'USAGE' = 'CONFIG_INVALID'): RecipeExample[] {
  const parsed = examplesFile.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new FanyiError(code, `${where}: ${describeIssues(parsed.error)} (expected [{"row": {column: value, …}, "result": {…}}, …])`);
}

/** `--examples FILE`: a usage error naming the file when it is missing, not JSON or not a list of examples. */
export function readExamplesFile(file: string): RecipeExample[] {
  if (!existsSync(file)) throw new FanyiError('FILE_NOT_FOUND', `--examples: no file at ${file}`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FanyiError('USAGE', `--examples ${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseExamples(value, `--examples ${file}`, 'USAGE');
}

/** The examples a job into `to` sends, as stored: those for its language (exact code, any case) and those for every language. */
export function examplesFor(examples: readonly RecipeExample[], to?: string): MapExample[] {
  return examples.filter((e) => e.to === undefined || (to !== undefined && e.to.toLowerCase() === to.toLowerCase())).map(({ row, result }) => ({ row, result }));
}

/**
 * The examples a job sends and the classes whose calls carry them: the class table's few-shot
 * classes, or every call without a table. A recipe's examples simply go unsent under a table
 * without a few-shot class; examples the user gave (`asked`) are refused then, saying why.
 */
export function fewShotInput(all: readonly RecipeExample[], source: string, classifier: ReviewClassifier | undefined, to: string | undefined, asked: boolean): Pick<MapInput, 'examples' | 'examplesSource' | 'fewShotClasses'> {
  const examples = examplesFor(all, to);
  if (!examples.length) return {};
  if (!classifier) return asked ? { examples, examplesSource: source } : {};
  const fewShotClasses = classifier.classes.filter((c) => c.prompt === 'few-shot').map((c) => c.name);
  if (!fewShotClasses.length) {
    if (asked) throw new FanyiError('USAGE', `${source}: the class table has no class with prompt: few-shot, so no call would carry the examples; give a table with one (--classes), or leave --examples out`);
    return {};
  }
  return { examples, examplesSource: source, fewShotClasses };
}
