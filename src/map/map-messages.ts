/**
 * The wire format of a map call: the system prompt (the user's instructions, the fields, the row
 * schema); in a call of a few-shot class, the job's worked examples as one earlier exchange; then
 * one user message `{"1": {row fields}, "2": …}` (for a group job, `{"1": {group}}`: see
 * map-groups.ts); for the one repair call, the model's previous results as its own turn and the
 * validator's messages per id.
 */
import type { ChatMessage, PreparedPayload, RepairNote } from '../llm/provider.ts';
import { renderPrompt } from '../llm/prompts/load-prompt.ts';
import { estimateTokens } from '../tasks/batching/estimate-tokens.ts';
import type { MapExample } from './map-examples.ts';
import type { MapSpec } from './map-spec.ts';
import { renderInstructions } from './prompt-template.ts';
import { replySchema } from './reply-schema.ts';

/** One row on the wire: its id in the call, and its fields as stored (`source_text`, already JSON). */
export interface WireRow {
  id: string;
  fieldsJson: string;
}

export function mapSystemPrompt(spec: Pick<MapSpec, 'prompt' | 'columns' | 'schema' | 'groupBy'>): string {
  const vars = { instructions: renderInstructions(spec.prompt), fields: spec.columns.join(', '), schema: JSON.stringify(spec.schema) };
  return spec.groupBy ? renderPrompt('map-group.system', { ...vars, group_by: spec.groupBy }) : renderPrompt('map.system', vars);
}

/**
 * Whether the calls of a class carry the job's examples: the job has some, and the class is one of
 * its few-shot classes (every class when the job names none: `--examples` without a class table).
 */
export function carriesExamples(spec: Pick<MapSpec, 'examples' | 'fewShotClasses'>, className: string): boolean {
  return Boolean(spec.examples?.length) && (spec.fewShotClasses === undefined || spec.fewShotClasses.includes(className));
}

/**
 * Worked examples as one exchange that already happened, in the wire format of the real call
 * (`{"1": {fields}}` → `{"1": {result}}`), the job's columns in order: the model sees the task
 * done right in the very shape it must answer, and the examples never mix with the call's own
 * rows or ids (the same choice as a translation's `prompts.examples`, build-messages.ts). None
 * when there are no examples.
 */
export function fewShotTurns(examples: readonly MapExample[] | undefined, columns: readonly string[]): ChatMessage[] {
  if (!examples?.length) return [];
  const rows = Object.fromEntries(examples.map((e, i) => [String(i + 1), Object.fromEntries(columns.map((c) => [c, e.row[c] ?? null]))]));
  const results = Object.fromEntries(examples.map((e, i) => [String(i + 1), e.result]));
  return [
    { role: 'user', content: JSON.stringify(rows) },
    { role: 'assistant', content: JSON.stringify(results) },
  ];
}

/** Tokens the example turns add to each call that carries them (counted by the packer, the executor and `estimate` alike). */
export function turnTokens(turns: readonly ChatMessage[]): number {
  return turns.reduce((sum, turn) => sum + estimateTokens(turn.content), 0);
}

/**
 * Tokens the example turns add to a call of `className` (none outside a few-shot class): one rule
 * for the packer, the executor and `estimate`, so the three count a call alike.
 */
export function exampleTokensByClass(spec: Pick<MapSpec, 'examples' | 'fewShotClasses' | 'columns'>): (className: string) => number {
  const tokens = turnTokens(fewShotTurns(spec.examples, spec.columns));
  return (className) => (carriesExamples(spec, className) ? tokens : 0);
}

/**
 * Tokens of a map call that are not its rows: the system prompt, and the schema again in
 * `response_format` (providers count it as prompt).
 */
export function callOverheadTokens(spec: Pick<MapSpec, 'prompt' | 'columns' | 'schema' | 'groupBy'>, system = mapSystemPrompt(spec)): number {
  return estimateTokens(system) + estimateTokens(JSON.stringify(replySchema(spec.schema, ['1']).schema));
}

/**
 * The payload of one call over `rows`: `examples`, the few-shot turns of a call that carries them
 * (fewShotTurns); `repair` (by wire id) for the repair call.
 */
export function mapPayload(spec: Pick<MapSpec, 'schema'>, system: string, rows: readonly WireRow[], repair?: Record<string, RepairNote>, examples: readonly ChatMessage[] = []): PreparedPayload {
  // Spliced, not parsed and stringified again: each row's JSON is stored as sent.
  const user = `{${rows.map((row) => `${JSON.stringify(row.id)}:${row.fieldsJson}`).join(',')}}`;
  const messages: ChatMessage[] = [
    { role: 'system', content: system },
    ...examples,
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
