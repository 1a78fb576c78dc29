/**
 * The JSON Schema of a whole map reply, `{"<id>": <row result>, …}`, for the provider's
 * structured output: the row schema once under `$defs`, each id a reference to it, so a call of
 * 20 rows does not send the row schema 20 times.
 */
import type { ReplySchema } from '../llm/provider.ts';
import type { RowSchema } from './result-schema.ts';

/** The row schema's name among the reply's definitions. */
const ROW_DEF = 'fanyi_row';

export function replySchema(row: RowSchema, ids: readonly string[]): ReplySchema {
  // The row's own definitions move up beside it: its `#/$defs/x` references resolve from the reply's root.
  const { $defs, definitions, $schema: _draft, ...rowBody } = row as RowSchema & { $defs?: object; definitions?: object };
  const reference = { $ref: `#/$defs/${ROW_DEF}` };
  const schema = {
    type: 'object',
    properties: Object.fromEntries(ids.map((id) => [id, reference])),
    required: [...ids],
    additionalProperties: false,
    $defs: { ...($defs ?? {}), [ROW_DEF]: rowBody },
    ...(definitions ? { definitions } : {}),
  };
  return { name: 'rows', schema, strict: isStrictSubset(row) };
}

/** Keywords OpenAI's strict mode does not take (its documented subset leaves them out). */
const NOT_STRICT = ['minLength', 'maxLength', 'uniqueItems', 'contains', 'minContains', 'maxContains', 'not', 'if', 'then', 'else', 'dependentRequired', 'dependentSchemas', 'unevaluatedProperties', 'unevaluatedItems', 'minProperties', 'maxProperties', 'propertyNames'];

/**
 * Whether the row schema fits OpenAI's strict mode: every object lists all its properties as
 * required and forbids others, and no keyword outside the subset is used. A schema that does not
 * is sent non-strict (OpenAI refuses strict ones outside the subset with a 400, and the endpoint
 * would get json_object from then on; vLLM, Ollama and llama.cpp enforce the schema either way).
 */
export function isStrictSubset(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return true;
  if (Array.isArray(schema)) return schema.every(isStrictSubset);
  const node = schema as Record<string, unknown>;
  if (NOT_STRICT.some((keyword) => keyword in node)) return false;
  if (isRecord(node.properties)) {
    const required = Array.isArray(node.required) ? node.required : [];
    if (node.additionalProperties !== false || !Object.keys(node.properties).every((key) => required.includes(key))) return false;
  }
  return Object.entries(node).every(([key, value]) => {
    if (DATA_KEYWORDS.includes(key)) return true;
    // Maps of name → schema: their keys are names, not keywords.
    if (SCHEMA_MAPS.includes(key) && isRecord(value)) return Object.values(value).every(isStrictSubset);
    return isStrictSubset(value);
  });
}

/** Keywords whose values are data, not schemas. */
const DATA_KEYWORDS = ['enum', 'const', 'required', 'default', 'examples', 'description', 'title'];
const SCHEMA_MAPS = ['properties', '$defs', 'definitions', 'patternProperties'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
