import { estimateTokens } from '../../tasks/batching/estimate-tokens.ts';
import type { LlmProvider, ProviderReply, TranslateRequest } from '../provider.ts';
import { pseudoLocalize } from './pseudo-localize.ts';

/**
 * Offline provider: pseudo-localization (accents, expansion, brackets, placeholders kept). Runs the
 * whole pipeline with no endpoint and shows where a UI would truncate or break.
 */
export class PseudoProvider implements LlmProvider {
  readonly name = 'pseudo';
  readonly model = 'pseudo';

  async translate(request: TranslateRequest): Promise<ProviderReply> {
    if (request.signal?.aborted) throw request.signal.reason;
    const reply: Record<string, string> = {};
    let sourceTokens = 0;
    for (const item of request.items) {
      reply[item.id] = pseudoLocalize(item.text, request.targetLang);
      sourceTokens += estimateTokens(item.text);
    }
    const content = JSON.stringify(reply);
    return { content, finishReason: 'stop', promptTokens: sourceTokens, completionTokens: estimateTokens(content), model: this.model };
  }
}
