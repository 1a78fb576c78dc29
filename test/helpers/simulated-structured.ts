/**
 * Structured output as a real server gives it (OpenAI, vLLM, llama.cpp): a request whose
 * `response_format` carries a `json_schema` is answered with JSON valid against that schema —
 * here random values within the schema's bounds (enums, lengths, min/max, required properties,
 * local `$ref`s), drawn from the simulator's seeded PRNG. A `json_object` request has only its
 * instructions to go by: the JSON Schema stated in them is what a model would follow.
 *
 * Invalid answers come from `invalidate`: a required property dropped, an enum value outside the
 * list, a wrong type — the mistakes a model makes when nothing constrains its decoding.
 */
import type { ChatRequest } from './simulated-chat-protocol.ts';

type Schema = Record<string, unknown> | boolean;

/** How a structured request is answered: the schema of each id's value, resolved against `root`. */
export interface Structured {
  root: Record<string, unknown>;
  rowSchema: (id: string) => Record<string, unknown> | boolean;
}

/**
 * The schema a request's answer follows: `response_format.json_schema` (each id its property), or,
 * for a `json_object` request over rows (each id an object of fields), the schema its
 * instructions state. Undefined for everything else: a translation.
 */
export function structuredOf(request: ChatRequest): Structured | undefined {
  const reply = request.responseSchema;
  if (reply) {
    const properties = (reply.properties ?? {}) as Record<string, Record<string, unknown>>;
    return { root: reply, rowSchema: (id) => properties[id] ?? true };
  }
  const source = request.source;
  const isRows = typeof source !== 'string' && Object.values(source).length > 0 && Object.values(source).every((v) => v !== null && typeof v === 'object');
  const row = isRows && request.responseType === 'json_object' ? schemaInInstructions(request.instructions) : undefined;
  return row ? { root: row, rowSchema: () => row } : undefined;
}

const WORDS = ['taste', 'price', 'packaging', 'delivery', 'quality', 'smell', 'texture', 'value', 'size', 'freshness', 'flavor', 'service'];

/** A random value valid against `schema` (resolving `$ref`s against `root`). */
export function randomValue(schema: Schema, random: () => number, root: Schema = schema, depth = 0): unknown {
  if (typeof schema === 'boolean' || depth > 10) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[Math.floor(random() * schema.enum.length)];
  if (typeof schema.$ref === 'string') return randomValue(resolve(root, schema.$ref), random, root, depth + 1);
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches?.length) return randomValue(branches[Math.floor(random() * branches.length)], random, root, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : (schema.type ?? (schema.properties ? 'object' : undefined));
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      // Optional properties come and go, as models write them.
      const keys = Object.keys(properties).filter((key) => required.has(key) || random() < 0.7);
      return Object.fromEntries(keys.map((key) => [key, randomValue(properties[key], random, root, depth + 1)]));
    }
    case 'array': {
      const min = Number(schema.minItems ?? 0);
      const max = Math.min(Number(schema.maxItems ?? min + 3), min + 3);
      const count = min + Math.floor(random() * (max - min + 1));
      return Array.from({ length: count }, () => randomValue((schema.items ?? {}) as Schema, random, root, depth + 1));
    }
    case 'string':
      return randomString(schema, random);
    case 'integer':
    case 'number':
      return randomNumber(schema, random, type === 'integer');
    case 'boolean':
      return random() < 0.5;
    default:
      return null;
  }
}

function randomString(schema: Record<string, unknown>, random: () => number): string {
  const min = Number(schema.minLength ?? 0);
  const max = Number(schema.maxLength ?? 40);
  let text = WORDS[Math.floor(random() * WORDS.length)];
  while (text.length < min) text += ` ${WORDS[Math.floor(random() * WORDS.length)]}`;
  return text.slice(0, Math.max(min, Math.min(max, text.length)));
}

function randomNumber(schema: Record<string, unknown>, random: () => number, integer: boolean): number {
  const bound = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  const step = integer ? 1 : 1e-6;
  const exclusiveLow = bound('exclusiveMinimum');
  const exclusiveHigh = bound('exclusiveMaximum');
  const low = bound('minimum') ?? (exclusiveLow === undefined ? 0 : exclusiveLow + step);
  const high = bound('maximum') ?? (exclusiveHigh === undefined ? low + 100 : exclusiveHigh - step);
  const value = low + random() * (high - low);
  return integer ? Math.min(Math.floor(high), Math.max(Math.ceil(low), Math.round(value))) : Number(value.toFixed(3));
}

/** `#/$defs/row`-style local references. */
export function resolve(root: Schema, ref: string): Schema {
  let node: unknown = root;
  for (const part of ref.replace(/^#\/?/, '').split('/').filter(Boolean)) node = (node as Record<string, unknown> | undefined)?.[part];
  return (node ?? true) as Schema;
}

/**
 * `value` (valid against `schema`, an object schema) made invalid the way models get it wrong: a
 * required property dropped, else an enum property given a value outside its list, else a
 * property of the wrong type.
 */
export function invalidate(value: unknown, schema: Schema, root: Schema): unknown {
  const row = typeof schema === 'object' && typeof schema.$ref === 'string' ? resolve(root, schema.$ref) : schema;
  if (typeof row !== 'object' || value === null || typeof value !== 'object') return 'not an object';
  const copy = { ...(value as Record<string, unknown>) };
  const required = (row.required ?? []) as string[];
  if (required.length) {
    delete copy[required[0]];
    return copy;
  }
  const properties = Object.entries((row.properties ?? {}) as Record<string, Record<string, unknown>>);
  const enumerated = properties.find(([, p]) => Array.isArray(p.enum));
  if (enumerated) copy[enumerated[0]] = 'none of the above';
  else if (properties.length) copy[properties[0][0]] = { wrong: 'type' };
  return copy;
}

/**
 * The JSON Schema a `json_object` request's instructions state: the last JSON object in them
 * with `properties` (a model reads the schema it was shown). Undefined when they state none.
 */
export function schemaInInstructions(instructions: readonly string[]): Record<string, unknown> | undefined {
  for (const text of [...instructions].reverse()) {
    const end = text.lastIndexOf('}');
    // The earliest `{` that parses through the last `}` is the outermost object, not a nested one.
    for (let start = text.indexOf('{'); start >= 0 && start < end; start = text.indexOf('{', start + 1)) {
      const candidate = parse(text.slice(start, end + 1));
      if (candidate && 'properties' in candidate) return candidate;
      if (candidate) break;
    }
  }
  return undefined;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
