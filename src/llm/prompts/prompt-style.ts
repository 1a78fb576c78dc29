import { readFileSync } from 'node:fs';
import { FanyiError } from '../../errors.ts';
import { estimateTokens } from '../../tasks/batching/estimate-tokens.ts';
import { languagesMatch, normalizeLanguageCode } from '../../workbook/language-codes.ts';
import type { FewShotExample, PromptExtras } from '../provider.ts';
import { loadPrompt, stripHeader, templateSlots } from './load-prompt.ts';

/** The prompt settings of a run: config `prompts`, its system template path already resolved (load-config.ts). */
export interface PromptStyleOptions {
  /** A custom system template file; default: the built-in translate.system.md. */
  system?: string;
  /** The same template's text, read and checked earlier (a job's stored prompts); wins over `system`. */
  system_template?: string;
  /** Target language code → note; overrides the built-in notes (language-notes.md), `""` turns one off. */
  language_notes?: Readonly<Record<string, string>>;
  /** Target language code → few-shot examples. */
  examples?: Readonly<Record<string, readonly FewShotExample[]>>;
}

/** The slots every system template gets (build-messages.ts fills them). */
export const SYSTEM_SLOTS = ['source_name', 'source_code', 'target_name', 'target_code', 'input_shape', 'language_note', 'game_context', 'glossary'];

/**
 * What config `prompts` adds to the calls into each target language: its few-shot examples, its
 * language note, and the custom system template if there is one. Nothing configured for a
 * language means nothing is added: every token here is paid on every call into it.
 */
export class PromptStyle {
  readonly #notes: Array<[string, string]>;
  readonly #builtInNotes: Array<[string, string]>;
  readonly #examples: Array<[string, readonly FewShotExample[]]>;
  readonly #systemTemplate?: string;
  readonly #byLanguage = new Map<string, PromptExtras | undefined>();

  constructor(options: PromptStyleOptions = {}, builtInNotes: Readonly<Record<string, string>> = builtInLanguageNotes()) {
    this.#notes = Object.entries(options.language_notes ?? {});
    this.#builtInNotes = Object.entries(builtInNotes);
    this.#examples = Object.entries(options.examples ?? {});
    this.#systemTemplate = options.system_template ?? (options.system ? readSystemTemplate(options.system) : undefined);
  }

  /** The extras of calls into `targetLang`; undefined when there are none. */
  forLanguage(targetLang: string): PromptExtras | undefined {
    if (!this.#byLanguage.has(targetLang)) this.#byLanguage.set(targetLang, this.#resolve(targetLang));
    return this.#byLanguage.get(targetLang);
  }

  /**
   * Estimated tokens the extras add to a call into `targetLang`, for the limiter's reservation. A
   * custom template counts whole (it replaces the built-in one, so this errs high).
   */
  extraTokens(targetLang: string): number {
    const extras = this.forLanguage(targetLang);
    if (!extras) return 0;
    const examples = (extras.examples ?? []).reduce((sum, e) => sum + estimateTokens(e.source + e.target) + 8, 0);
    return estimateTokens(extras.languageNote ?? '') + examples + (extras.systemTemplate ? estimateTokens(extras.systemTemplate) : 0);
  }

  #resolve(targetLang: string): PromptExtras | undefined {
    const note = bestMatch(this.#notes, targetLang) ?? bestMatch(this.#builtInNotes, targetLang);
    const examples = bestMatch(this.#examples, targetLang);
    const extras: PromptExtras = {
      ...(this.#systemTemplate ? { systemTemplate: this.#systemTemplate } : {}),
      ...(note ? { languageNote: note } : {}),
      ...(examples?.length ? { examples: [...examples] } : {}),
    };
    return Object.keys(extras).length ? extras : undefined;
  }
}

/**
 * The value of the code that best serves `targetLang`: the same locale first; else a code
 * without a region whose language and script match (`pt` for `pt-BR`, `zh-Hant` for `zh-HK`).
 * A regional code never serves another region (`pt-PT` is not `pt-BR`). Undefined: none does.
 * Not bestLanguageMatch: a regional code serves only at score 3, so a note or examples written
 * for `pt-BR` are never sent for a bare `pt` target (languagesMatch scores that pair 2).
 */
export function bestMatch<T>(entries: ReadonlyArray<[string, T]>, targetLang: string): T | undefined {
  let best: T | undefined;
  let bestScore = 0;
  for (const [code, value] of entries) {
    const score = languagesMatch(targetLang, code);
    const serves = score === 3 || (score === 2 && !hasRegion(code));
    if (serves && score > bestScore) [best, bestScore] = [value, score];
  }
  return best;
}

function hasRegion(code: string): boolean {
  const tag = normalizeLanguageCode(code);
  return !!tag && !!new Intl.Locale(tag).region;
}

/** The built-in notes (language-notes.md): `code: note` lines. */
export function builtInLanguageNotes(): Record<string, string> {
  const notes: Record<string, string> = {};
  for (const line of loadPrompt('language-notes').split('\n')) {
    const match = /^([A-Za-z][\w-]*):\s*(.+)$/.exec(line.trim());
    if (match) notes[match[1]] = match[2];
  }
  return notes;
}

/**
 * A custom system template (config `prompts.system`): every `${slot}` must be one build-messages.ts
 * fills, and `${target_code}` must be there, since the model (and the QA checks) rely on the prompt
 * naming the target language by its code.
 */
export function readSystemTemplate(file: string): string {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    throw new FanyiError('CONFIG_INVALID', `prompts.system: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const template = stripHeader(raw);
  const unknown = templateSlots(template).filter((slot) => !SYSTEM_SLOTS.includes(slot));
  if (unknown.length) throw new FanyiError('CONFIG_INVALID', `prompts.system: ${file} uses unknown slot ${unknown.map((s) => `\${${s}}`).join(', ')}; available: ${SYSTEM_SLOTS.map((s) => `\${${s}}`).join(' ')}`);
  if (!templateSlots(template).includes('target_code')) throw new FanyiError('CONFIG_INVALID', `prompts.system: ${file} must contain \${target_code} (the target language's code, e.g. [\${target_code}])`);
  return template;
}
