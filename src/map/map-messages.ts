/**
 * The wire format of a map call: the system prompt (the user's instructions, the fields, the row
 * schema), then one user message `{"1": {row fields}, "2": …}`; for the one repair call, the
 * model's previous results as its own turn and the validator's messages per id.
 */
import type { ChatMessage, PreparedPayload, RepairNote } from '../llm/provider.ts';
import { renderPrompt } from '../llm/prompts/load-prompt.ts';
import { estimateTokens } from '../tasks/batching/estimate-tokens.ts';
import type { MapSpec } from './map-spec.ts';
import { renderInstructions } from './prompt-template.ts';
import { replySchema } from './reply-schema.ts';

/** One row on the wire: its id in the call, and its fields as stored (`source_text`, already JSON). */
export interface WireRow {
  id: string;
  fieldsJson: string;
}

export function mapSystemPrompt(spec: Pick<MapSpec, 'prompt' | 'columns' | 'schema'>): string {
  return renderPrompt('map.system', { instructions: renderInstructions(spec.prompt), fields: spec.columns.join(', '), schema: JSON.stringify(spec.schema) });
}

/**
 * Tokens of a map call that are not its rows: the system prompt, and the schema again in
 * `response_format` (providers count it as prompt).
 */
export function callOverheadTokens(spec: Pick<MapSpec, 'prompt' | 'columns' | 'schema'>, system = mapSystemPrompt(spec)): number {
  return estimateTokens(system) + estimateTokens(JSON.stringify(replySchema(spec.schema, ['1']).schema));
}

/** The payload of one call over `rows`; `repair` (by wire id) for the repair call. */
export function mapPayload(spec: Pick<MapSpec, 'schema'>, system: string, rows: readonly WireRow[], repair?: Record<string, RepairNote>): PreparedPayload {
  // Spliced, not parsed and stringified again: each row's JSON is stored as sent.
  const user = `{${rows.map((row) => `${JSON.stringify(row.id)}:${row.fieldsJson}`).join(',')}}`;
  const messages: ChatMessage[] = [
    { role: 'system', content: system },
    { role: 'user', content: user },
    ...(repair ? repairTurns(repair) : []),
  ];
  return { messages, schema: replySchema(spec.schema, rows.map((row) => row.id)) };
}

function repairTurns(repair: Record<string, RepairNote>): ChatMessage[] {
  const previous = Object.entries(repair).map(([id, note]) => `${JSON.stringify(id)}:${note.previous}`);
  const problems = Object.fromEntries(Object.entries(repair).map(([id, note]) => [id, note.problems]));
  return [
    { role: 'assistant', content: `{${previous.join(',')}}` },
    { role: 'user', content: renderPrompt('map-repair.user', { problems: JSON.stringify(problems, null, 1) }) },
  ];
}
