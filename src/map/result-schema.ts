/**
 * The user's JSON Schema of one row's result: checked once (it must describe an object with
 * properties, one output column each), compiled with ajv, and used to validate every result.
 */
import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { FanyiError } from '../errors.ts';

export type RowSchema = Record<string, unknown>;

/** What is wrong with one result, one line per ajv error (`/aspects/0: must be string`). */
export type SchemaProblems = string[];

/** Every top-level property of the schema, in its order: the result columns. */
export function resultColumns(schema: RowSchema): string[] {
  return Object.keys((schema.properties ?? {}) as object);
}

/**
 * Throws a usage error naming `source` unless the schema describes an object with at least one
 * property and compiles (ajv reports unknown or malformed keywords).
 */
export function checkRowSchema(schema: unknown, source: string): RowSchema {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) throw new FanyiError('USAGE', `${source}: a JSON Schema is a JSON object`);
  const row = schema as RowSchema;
  const type = row.type;
  if ((type !== undefined && type !== 'object') || !resultColumns(row).length) {
    throw new FanyiError('USAGE', `${source}: the schema must describe one row's result as an object with properties (type "object", "properties": {…}); each property becomes a column`);
  }
  try {
    compileSchema(row);
  } catch (error) {
    throw new FanyiError('USAGE', `${source}: not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`);
  }
  return row;
}

/** Validators by schema text: a worker validates many batches of one job with one compile. */
const compiled = new Map<string, ValidateFunction>();

/** Validates results against `schema`; returns the problems of one result, empty when it is valid. */
export function resultValidator(schema: RowSchema): (value: unknown) => SchemaProblems {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = compileSchema(schema);
    if (compiled.size > 100) compiled.clear();
    compiled.set(key, validate);
  }
  const check = validate;
  return (value) => (check(value) ? [] : (check.errors ?? []).map(describeError));
}

/** The ajv of the schema's own draft (`$schema`), draft-07 when it names none. */
function compileSchema(schema: RowSchema): ValidateFunction {
  const draft = typeof schema.$schema === 'string' ? schema.$schema : '';
  const options = { allErrors: true, strict: false, validateFormats: false };
  const ajv = draft.includes('2020-12') ? new Ajv2020(options) : draft.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  return ajv.compile(schema);
}

/** `/sentiment: must be equal to one of the allowed values (positive, negative, neutral)`: where, what, and the allowed values when there is a list. */
function describeError(error: ErrorObject): string {
  const where = error.instancePath || '(the result)';
  const values = error.keyword === 'enum' ? (error.params as { allowedValues: unknown[] }).allowedValues : [];
  const allowed = values.length ? ` (${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')})` : '';
  return `${where}: ${error.message ?? error.keyword}${allowed}`;
}
