import { languageDisplayName } from '../../workbook/language-codes.ts';
import type { ChatMessage, FewShotExample, TranslateRequest } from '../provider.ts';
import { fillTemplate, renderPrompt } from './load-prompt.ts';
import { describePayload, glossaryLines, isWrapped, userPayload } from './wire-payload.ts';

export type { ChatMessage } from '../provider.ts';

/**
 * System prompt naming the target with its BCP-47 code in brackets (its language note, the call's
 * glossary terms); then the target language's few-shot examples as one earlier exchange; then the
 * user message (see userPayload); then, for a QA repair, the previous reply and the problems.
 */
export function buildTranslateMessages(request: TranslateRequest): ChatMessage[] {
  // A call that brings its own messages (a map job's) is sent as built.
  if (request.payload) return request.payload.messages;
  const payload = userPayload(request.items);
  return [
    { role: 'system', content: systemPrompt(request, payload) },
    ...exampleTurns(request.prompt?.examples, payload),
    { role: 'user', content: JSON.stringify(payload) },
    ...(request.repair ? repairTurns(request.repair) : []),
  ];
}

function systemPrompt(request: TranslateRequest, payload: Record<string, unknown>): string {
  const vars = {
    // The source's region rarely matters and its code is there; the target's name keeps its region.
    source_name: languageDisplayName(request.sourceLang.split('-')[0]),
    source_code: request.sourceLang,
    target_name: languageDisplayName(request.targetLang),
    target_code: request.targetLang,
    input_shape: describePayload(payload),
    language_note: request.prompt?.languageNote ?? '',
    game_context: request.gameContext ? `Project context: ${request.gameContext}` : '',
    glossary: glossaryLines(request.glossary),
  };
  const custom = request.prompt?.systemTemplate;
  return custom ? fillTemplate('prompts.system', custom, vars) : renderPrompt('translate.system', vars);
}

/**
 * Few-shot examples as an exchange that already happened, in the wire format of the real call
 * (wrapped in `items` when the real payload is): the model sees the task done right once, and
 * the examples never mix with the call's own texts or ids.
 */
function exampleTurns(examples: readonly FewShotExample[] | undefined, payload: Record<string, unknown>): ChatMessage[] {
  if (!examples?.length) return [];
  const sources: Record<string, string> = {};
  const targets: Record<string, string> = {};
  examples.forEach((example, i) => {
    sources[i + 1] = example.source;
    targets[i + 1] = example.target;
  });
  return [
    { role: 'user', content: JSON.stringify(isWrapped(payload) ? { items: sources } : sources) },
    { role: 'assistant', content: JSON.stringify(targets) },
  ];
}

/**
 * A QA repair: the model's previous reply as its own turn, then the problems per id. The source
 * texts stay in the call's user message, so cell text is never mixed into an instruction.
 */
function repairTurns(repair: NonNullable<TranslateRequest['repair']>): ChatMessage[] {
  const previous: Record<string, string> = {};
  const problems: Record<string, string[]> = {};
  for (const [id, note] of Object.entries(repair)) {
    previous[id] = note.previous;
    problems[id] = note.problems;
  }
  return [
    { role: 'assistant', content: JSON.stringify(previous) },
    { role: 'user', content: renderPrompt('repair.user', { problems: JSON.stringify(problems, null, 1) }) },
  ];
}
