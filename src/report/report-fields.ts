/**
 * Which result fields a report counts, read from the job's row schema alone, so a report works
 * for any map job and not one recipe: enum fields (a value per row), booleans, arrays of strings
 * (an element per mention) and plain strings, which are counted only when their values turn out
 * to repeat (see CATEGORY_LIMITS). Objects, numbers and free text are named as not summarised.
 */
import type { RowSchema } from '../map/result-schema.ts';
import { resolveRef } from '../llm/schema-value.ts';

/**
 * How a field is counted:
 * - `enum`: one value per row, from the schema's list (kept in its order, zero counts shown);
 * - `boolean`: true or false per row;
 * - `array`: each distinct element of a row's list counts that row once;
 * - `category`: a plain string, counted like an enum when its values repeat.
 */
export type FieldKind = 'enum' | 'boolean' | 'array' | 'category';

export interface ReportField {
  name: string;
  kind: FieldKind;
  /** The schema's values, in its order (`enum`, `boolean`); empty for the others. */
  values: string[];
}

export interface SkippedField {
  name: string;
  reason: string;
}

/**
 * A plain string field is a category when it has at most `maxValues` distinct values and fewer
 * than `maxShare` of its rows' count (a free-text field has nearly one value per row).
 */
export const CATEGORY_LIMITS = { maxValues: 50, maxShare: 0.5 } as const;

type Schema = Record<string, unknown> | boolean;

/** The schema's top-level properties, each as a field to count or with the reason it is not. */
export function reportFields(schema: RowSchema): { fields: ReportField[]; skipped: SkippedField[] } {
  const fields: ReportField[] = [];
  const skipped: SkippedField[] = [];
  for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const field = fieldOf(name, resolve(schema, property), schema);
    if (typeof field === 'string') skipped.push({ name, reason: field });
    else fields.push(field);
  }
  return { fields, skipped };
}

/** The field, or why it is not counted. */
function fieldOf(name: string, schema: Schema, root: RowSchema): ReportField | string {
  if (typeof schema === 'boolean') return 'the schema allows any value';
  if (Array.isArray(schema.enum) && schema.enum.length) return { name, kind: 'enum', values: schema.enum.filter((v) => v !== null).map(valueText) };
  const type = typeOf(schema);
  if (type === 'boolean') return { name, kind: 'boolean', values: ['true', 'false'] };
  if (type === 'string') return { name, kind: 'category', values: [] };
  if (type === 'array') {
    const items = schema.items === undefined ? true : resolve(root, schema.items as Schema);
    if (typeof items === 'object' && (typeOf(items) === 'string' || Array.isArray(items.enum))) return { name, kind: 'array', values: [] };
    return 'an array of anything but strings';
  }
  return type === 'object' ? 'an object (its parts are not counted)' : `a ${type ?? 'value of no single type'} (numbers and free values are not counted)`;
}

/** A local `$ref` followed, against the root schema. */
function resolve(root: RowSchema, schema: Schema): Schema {
  let node = schema;
  for (let depth = 0; typeof node === 'object' && typeof node.$ref === 'string' && depth < 10; depth++) node = resolveRef(root, node.$ref);
  return node;
}

/** The first non-null type, as schema-value.ts reads it. */
function typeOf(schema: Record<string, unknown>): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (typeof type === 'string') return type;
  if (schema.items) return 'array';
  return undefined;
}

/** A value as the report shows it: strings as they are, anything else as JSON. */
export function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
