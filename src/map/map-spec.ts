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
import { checkRowSchema, resultColumns, type RowSchema } from './result-schema.ts';

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
export function buildMapSpec(document: SpreadsheetDocument, input: MapInput): MapSpec {
  const schema = checkRowSchema(input.schema, input.schemaSource ?? 'the schema');
  const columns = sentColumns(input.prompt, input.columns);
  const table: MapTable = findTable(document, input.idColumn ? [...new Set([...columns, input.idColumn])] : columns);
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
  };
}

/** The spec's table, as the row reader takes it (the sheet found again by name). */
export function specTable(document: SpreadsheetDocument, spec: MapSpec): MapTable {
  // A CSV's one sheet is named after its file, and a job's stored source is named by its hash.
  const sheet = document.sheets.find((s) => s.name === spec.sheetName) ?? (document.format === 'csv' ? document.sheets[0] : undefined);
  if (!sheet) throw new FanyiError('BAD_LAYOUT', `the job's sheet "${spec.sheetName}" is not in the file`);
  return { sheetIndex: sheet.index, sheetName: sheet.name, headerRow: spec.headerRow, columns: spec.columnIndex, lastUsedCol: spec.firstResultCol - 1 };
}
