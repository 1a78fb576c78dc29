import { languageDisplayName } from '../../workbook/language-codes.ts';
import type { TranslateRequest } from '../provider.ts';
import { renderPrompt } from './load-prompt.ts';
import { glossaryLines, userPayload } from './wire-payload.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** System prompt naming the target with its BCP-47 code in brackets (and the call's glossary terms); user message: see userPayload. */
export function buildTranslateMessages(request: TranslateRequest): ChatMessage[] {
  const system = renderPrompt('translate.system', {
    source_name: languageDisplayName(request.sourceLang),
    source_code: request.sourceLang,
    target_name: languageDisplayName(request.targetLang),
    target_code: request.targetLang,
    game_context: request.gameContext ? `\nProject context: ${request.gameContext}` : '',
    glossary: glossaryLines(request.glossary),
  });
  return [
    { role: 'system', content: system },
    { role: 'user', content: JSON.stringify(userPayload(request.items)) },
    ...(request.repair ? repairTurns(request.repair) : []),
  ];
}

/**
 * A QA repair: the model's previous reply as its own turn, then the problems per id. The source
 * texts stay in the first user message, so cell text is never mixed into an instruction.
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
