import { schemaValue } from '../schema-value.ts';
import { estimateTokens } from '../../tasks/batching/estimate-tokens.ts';
import type { LlmProvider, PreparedPayload, ProviderReply, TranslateRequest } from '../provider.ts';
import { pseudoLocalize } from './pseudo-localize.ts';

/**
 * Offline provider: pseudo-localization (accents, expansion, brackets, placeholders kept). Runs the
 * whole pipeline with no endpoint and shows where a UI would truncate or break. A map call (one
 * with a reply schema) gets a small value valid against the schema, so a map job runs offline too.
 */
export class PseudoProvider implements LlmProvider {
  readonly name = 'pseudo';
  readonly model = 'pseudo';

  async translate(request: TranslateRequest): Promise<ProviderReply> {
    if (request.signal?.aborted) throw request.signal.reason;
    if (request.payload?.schema) return this.#map(request.payload);
    const reply: Record<string, string> = {};
    let sourceTokens = 0;
    for (const item of request.items) {
      reply[item.id] = pseudoLocalize(item.text, request.targetLang);
      sourceTokens += estimateTokens(item.text);
    }
    const content = JSON.stringify(reply);
    return { content, finishReason: 'stop', promptTokens: sourceTokens, completionTokens: estimateTokens(content), model: this.model };
  }

  /** `"pseudo <property>"` for each string, the least each other keyword allows (llm/schema-value.ts). */
  #map(payload: PreparedPayload): ProviderReply {
    const content = JSON.stringify(schemaValue(payload.schema!.schema, { text: (name) => (name ? `pseudo ${name}` : 'pseudo') }));
    const promptTokens = payload.messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
    return { content, finishReason: 'stop', promptTokens, completionTokens: estimateTokens(content), model: this.model };
  }
}
