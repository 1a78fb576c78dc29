/**
 * A small value valid against a JSON Schema, built from the schema alone: what the offline
 * `pseudo` provider answers a map call with, so `fanyi map --provider pseudo` runs end to end
 * and writes columns of the right shape, and what a result's reply tokens are estimated from.
 *
 * Covers the keywords result schemas use: type, enum, const, properties/required, items,
 * min/maxItems, minimum/maximum (exclusive too), min/maxLength, anyOf/oneOf (the first branch),
 * allOf (merged objects), local `$ref` (`#/$defs/…`, `#/definitions/…`). `pattern` and `format`
 * are not followed: such a string may fail them, and ajv says so.
 */
type Schema = Record<string, unknown> | boolean;

/** How the value's strings are filled: the pseudo provider's marker, or a typical word for estimates. */
export interface ValueOptions {
  /** A string property's text, given its name ('' at the top or in an array). */
  text?: (name: string) => string;
  /** Items made for an array without minItems. Default 1. */
  arrayItems?: number;
}

/** Nesting deeper than this ends in null: a recursive `$ref` must not recurse forever. */
const MAX_DEPTH = 12;

export function schemaValue(schema: Schema, options: ValueOptions = {}): unknown {
  return valueOf(schema, schema, options, '', 0);
}

function valueOf(schema: Schema, root: Schema, options: ValueOptions, name: string, depth: number): unknown {
  if (typeof schema === 'boolean' || depth > MAX_DEPTH) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if (typeof schema.$ref === 'string') return valueOf(resolveRef(root, schema.$ref), root, options, name, depth + 1);
  const branch = firstOf(schema.anyOf) ?? firstOf(schema.oneOf);
  if (branch !== undefined) return valueOf(branch, root, options, name, depth + 1);
  if (Array.isArray(schema.allOf)) return valueOf(mergeAll(schema), root, options, name, depth + 1);
  switch (typeOf(schema)) {
    case 'object':
      return objectValue(schema, root, options, depth);
    case 'array':
      return arrayValue(schema, root, options, name, depth);
    case 'string':
      return stringValue(schema, options.text?.(name) ?? 'x');
    case 'integer':
      return Math.ceil(numberValue(schema));
    case 'number':
      return numberValue(schema);
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** The schema's type, the first non-null of a list; inferred from its keywords when absent. */
function typeOf(schema: Record<string, unknown>): string | undefined {
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== 'null') ?? schema.type[0]) : schema.type;
  if (typeof type === 'string') return type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

/** Every property the schema lists (so each result column gets a value), required or not. */
function objectValue(schema: Record<string, unknown>, root: Schema, options: ValueOptions, depth: number): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  return Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, valueOf(property, root, options, key, depth + 1)]));
}

function arrayValue(schema: Record<string, unknown>, root: Schema, options: ValueOptions, name: string, depth: number): unknown[] {
  const min = numberOf(schema, 'minItems') ?? options.arrayItems ?? 1;
  const count = Math.min(min, numberOf(schema, 'maxItems') ?? min);
  const items = (Array.isArray(schema.prefixItems) ? undefined : schema.items) as Schema | undefined;
  return Array.from({ length: count }, () => (items === undefined ? null : valueOf(items, root, options, name, depth + 1)));
}

function stringValue(schema: Record<string, unknown>, text: string): string {
  const min = numberOf(schema, 'minLength') ?? 0;
  const max = numberOf(schema, 'maxLength') ?? Number.POSITIVE_INFINITY;
  return text.padEnd(min, text || 'x').slice(0, max);
}

/** The smallest number the bounds allow, 0 when they allow it. */
function numberValue(schema: Record<string, unknown>): number {
  const exclusiveLow = numberOf(schema, 'exclusiveMinimum');
  const exclusiveHigh = numberOf(schema, 'exclusiveMaximum');
  const low = numberOf(schema, 'minimum') ?? (exclusiveLow === undefined ? undefined : exclusiveLow + 1);
  const high = numberOf(schema, 'maximum') ?? (exclusiveHigh === undefined ? undefined : exclusiveHigh - 1);
  if (low !== undefined) return low;
  if (high !== undefined) return Math.min(0, high);
  return 0;
}

function numberOf(schema: Record<string, unknown>, key: string): number | undefined {
  const value = schema[key];
  return typeof value === 'number' ? value : undefined;
}

function firstOf(list: unknown): Schema | undefined {
  return Array.isArray(list) && list.length ? (list[0] as Schema) : undefined;
}

/** allOf's members as one schema: their properties and required lists joined, other keywords of the last that has them. */
function mergeAll(schema: Record<string, unknown>): Record<string, unknown> {
  const { allOf, ...rest } = schema;
  const merged: Record<string, unknown> = { ...rest };
  for (const part of allOf as Schema[]) {
    if (typeof part !== 'object') continue;
    const properties = { ...(merged.properties as object | undefined), ...(part.properties as object | undefined) };
    Object.assign(merged, part, { properties });
  }
  return merged;
}

/** A local reference, `#` or `#/a/b`; anything else (another document) resolves to no constraint. */
export function resolveRef(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#')) return true;
  let node: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node === undefined ? true : (node as Schema);
}
