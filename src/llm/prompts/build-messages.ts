import { languageDisplayName } from '../../workbook/language-codes.ts';
import type { TranslateRequest } from '../provider.ts';
import { renderPrompt } from './load-prompt.ts';

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

/** System prompt naming the target with its BCP-47 code in brackets; user message is the JSON object of ids. */
export function buildTranslateMessages(request: TranslateRequest): ChatMessage[] {
  const system = renderPrompt('translate.system', {
    source_name: languageDisplayName(request.sourceLang),
    source_code: request.sourceLang,
    target_name: languageDisplayName(request.targetLang),
    target_code: request.targetLang,
    game_context: request.gameContext ? `\nProject context: ${request.gameContext}` : '',
  });
  const payload: Record<string, string> = {};
  for (const item of request.items) payload[item.id] = item.text;
  return [
    { role: 'system', content: system },
    { role: 'user', content: JSON.stringify(payload) },
  ];
}
