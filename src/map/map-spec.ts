/**
 * What a map job is: its prompt, its result schema, the columns it sends and where its rows and
 * result columns are. Stored with the job (JobOptions.map), so a resume, an export or a queue
 * worker on any machine rebuilds the run from the store alone.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { FanyiError } from '../errors.ts';
import type { SpreadsheetDocument } from '../workbook/sheet-model.ts';
import { findTable, type MapTable } from './map-rows.ts';
import { sentColumns } from './prompt-template.ts';
import type { MapExample } from './map-examples.ts';
import { checkRowSchema, resultColumns, resultValidator, type RowSchema } from './result-schema.ts';

/** `fanyi map`'s inputs, as files and flags. */
export interface MapInput {
  /** The prompt template's text (`--prompt FILE` read). */
  prompt: string;
  /** The row result's JSON Schema, parsed (`--schema FILE` read). */
  schema: unknown;
  /** Where the schema came from, for messages. Default `the schema`. */
  schemaSource?: string;
  /** `--columns`: the columns sent; default those the prompt names. */
  columns?: string[];
  /** `--id`: the column naming each row in a JSONL output; default the row number. */
  idColumn?: string;
  /** Worked examples (a recipe's for the job's language, or `--examples FILE`); sent only in calls of `fewShotClasses`. */
  examples?: MapExample[];
  /** Where the examples came from, for messages. Default `the examples`. */
  examplesSource?: string;
  /** The classes whose calls carry the examples (prompt style few-shot); unset: every call. */
  fewShotClasses?: string[];
  /** `--group-by`: one call and one result per group of rows sharing this column's value (map-groups.ts). */
  groupBy?: string;
}

/** Stored with a map job (JobOptions.map). Field names are part of the stored format: add, never rename. */
export interface MapSpec {
  /** The prompt template as written. */
  prompt: string;
  schema: RowSchema;
  /** Headers of the columns each row sends, in this order. */
  columns: string[];
  idColumn?: string;
  /** The schema's top-level properties: one output column each, in this order. */
  resultColumns: string[];
  /** The table the rows come from. */
  sheetName: string;
  headerRow: number;
  /** Column index of each header used (sent columns and the id column). */
  columnIndex: Record<string, number>;
  /** The first result column (0-based): after the last used column; the others follow it. */
  firstResultCol: number;
  /** Worked examples, sent in the calls of `fewShotClasses` (every call when that is unset). */
  examples?: MapExample[];
  fewShotClasses?: string[];
  /** One call and one result per group of rows with this column's value in common; the output is one row per group. */
  groupBy?: string;
}

/** Reads `--prompt` and `--schema` files into a MapInput; a missing file or bad JSON is a usage error naming it. */
export async function readMapFiles(promptFile: string, schemaFile: string): Promise<Pick<MapInput, 'prompt' | 'schema' | 'schemaSource'>> {
  for (const [flag, file] of [['--prompt', promptFile], ['--schema', schemaFile]]) {
    if (!existsSync(file)) throw new FanyiError('FILE_NOT_FOUND', `${flag}: no file at ${file}`);
  }
  const prompt = await readFile(promptFile, 'utf8');
  let schema: unknown;
  try {
    schema = JSON.parse(await readFile(schemaFile, 'utf8'));
  } catch (error) {
    throw new FanyiError('USAGE', `--schema ${schemaFile} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { prompt, schema, schemaSource: `--schema ${schemaFile}` };
}

/** The spec of a map job over `document`: the schema checked, the table found, the result columns placed. */
export function buildMapSpec(document: Pick<SpreadsheetDocument, 'sheets'>, input: MapInput): MapSpec {
  const schema = checkRowSchema(input.schema, input.schemaSource ?? 'the schema');
  const columns = sentColumns(input.prompt, input.columns);
  const table: MapTable = findTable(document, [...new Set([...columns, ...[input.idColumn, input.groupBy].filter((c): c is string => Boolean(c))])]);
  const examples = input.examples?.length ? checkExamples(input.examples, schema, columns, input.examplesSource ?? 'the examples') : undefined;
  if (input.groupBy) checkGroupColumns(input.groupBy, resultColumns(schema));
  return {
    prompt: input.prompt,
    schema,
    columns,
    ...(input.idColumn ? { idColumn: input.idColumn } : {}),
    resultColumns: resultColumns(schema),
    sheetName: table.sheetName,
    headerRow: table.headerRow,
    columnIndex: table.columns,
    firstResultCol: table.lastUsedCol + 1,
    ...(examples ? { examples } : {}),
    ...(examples && input.fewShotClasses ? { fewShotClasses: input.fewShotClasses } : {}),
    ...(input.groupBy ? { groupBy: input.groupBy } : {}),
  };
}

/**
 * The columns of a group job's output before the results: the group's value (headed by the
 * `--group-by` column), how many rows it has, and the ids of the rows sent (all, or the sample).
 */
export function groupColumns(groupBy: string): string[] {
  return [groupBy, 'rows', 'rows_sent'];
}

/** A result property named like one of groupColumns would overwrite it: a usage error naming it. */
function checkGroupColumns(groupBy: string, results: readonly string[]): void {
  const clash = groupColumns(groupBy).filter((c) => results.includes(c));
  if (clash.length) throw new FanyiError('USAGE', `--group-by ${groupBy}: the schema's ${clash.map((c) => `"${c}"`).join(', ')} would clash with the group output's own columns (${groupColumns(groupBy).join(', ')}); rename the property`);
}

/**
 * Examples that teach what the job asks: each result valid against the schema, each row holding
 * at least one column the job sends. A usage error names the example (1-based) and what is wrong.
 */
function checkExamples(examples: readonly MapExample[], schema: RowSchema, columns: readonly string[], source: string): MapExample[] {
  const validate = resultValidator(schema);
  examples.forEach((example, i) => {
    const problems = validate(example.result);
    if (problems.length) throw new FanyiError('USAGE', `${source}: example ${i + 1}'s result does not match the schema: ${problems.join('; ')}`);
    if (!columns.some((c) => c in example.row)) throw new FanyiError('USAGE', `${source}: example ${i + 1}'s row has none of the columns the job sends (${columns.join(', ')})`);
  });
  return examples.map(({ row, result }) => ({ row, result }));
}

/** The spec's table, as the row reader takes it (the sheet found again by name). */
export function specTable(document: Pick<SpreadsheetDocument, 'format' | 'sheets'>, spec: MapSpec): MapTable {
  // A CSV's one sheet is named after its file, and a job's stored source is named by its hash.
  const sheet = document.sheets.find((s) => s.name === spec.sheetName) ?? (document.format === 'csv' ? document.sheets[0] : undefined);
  if (!sheet) throw new FanyiError('BAD_LAYOUT', `the job's sheet "${spec.sheetName}" is not in the file`);
  return { sheetIndex: sheet.index, sheetName: sheet.name, headerRow: spec.headerRow, columns: spec.columnIndex, lastUsedCol: spec.firstResultCol - 1 };
}
