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

/**
 * Whether the row schema fits OpenAI's strict mode: every object lists all its properties as
 * required and forbids others. A schema that does not is sent non-strict (OpenAI rejects strict
 * ones outside the subset; vLLM, Ollama and llama.cpp enforce the schema either way).
 */
export function isStrictSubset(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return true;
  if (Array.isArray(schema)) return schema.every(isStrictSubset);
  const node = schema as Record<string, unknown>;
  if (node.properties && typeof node.properties === 'object') {
    const keys = Object.keys(node.properties);
    const required = Array.isArray(node.required) ? node.required : [];
    if (node.additionalProperties !== false || !keys.every((k) => required.includes(k))) return false;
  }
  return Object.entries(node).every(([key, value]) => key === 'enum' || key === 'const' || key === 'required' || isStrictSubset(value));
}
