/**
 * Pseudo-localization: the built-in offline "translation". It shows, without a model, whether
 * every string reaches the translation pipeline, survives write-back, fits its UI slot and keeps
 * its placeholders — the classic l10n QA pass.
 *
 * `Hello {0}!` for `pt-BR` becomes `[pt-BR: Ĥéļļö {0}!···]`:
 * - ASCII letters are accented one-to-one (deterministic), so untranslated text stands out;
 * - `[` `]` inside any leading/trailing whitespace make truncation visible;
 * - the target tag after `[` tells targets apart and marks the text as pseudo;
 * - `·` filler expands the text like a real translation would (see {@link expansionLength});
 * - placeholders, markup, escapes and entities ({@link findPlaceholders}) stay byte-identical.
 */
import { findPlaceholders } from '../../qa/placeholders.ts';

const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
// Every replacement is a single BMP code unit, so offsets and lengths stay predictable.
const ACCENTED = 'áƀçďéƒĝĥíĵķļɱñöþǫŕšţüṽŵẋýžÁƁÇĎÉƑĜĤÍĴĶĻṀÑÖÞǪŔŠŢÜṼŴẊÝŽ';
const ACCENT_OF = new Map([...PLAIN].map((letter, i) => [letter, ACCENTED[i]]));

const FILLER = '·';

/**
 * Filler characters for a text of `length`: 30% up to 50 characters, a flat 15 up to 100, 15%
 * beyond — short UI labels grow most in real translations. Always at least one.
 */
function expansionLength(length: number): number {
  return Math.max(1, Math.ceil(Math.min(length * 0.3, Math.max(15, length * 0.15))));
}

/**
 * Pseudo-translates `text` for target `lang` (see the module comment). Whitespace-only text is
 * returned unchanged; leading and trailing whitespace, including newlines, stay outside the
 * brackets exactly as they were.
 */
export function pseudoLocalize(text: string, lang: string): string {
  const lead = text.length - text.trimStart().length;
  const core = text.trim();
  if (!core) return text;
  const trail = text.slice(lead + core.length);
  const label = lang.replace(/[^A-Za-z0-9-]/g, '');
  const prefix = label ? `${label}: ` : '';
  return `${text.slice(0, lead)}[${prefix}${accentText(core)}${FILLER.repeat(expansionLength(core.length))}]${trail}`;
}

/** Accents the letters between tokens; the tokens themselves are copied as they are. */
function accentText(text: string): string {
  let out = '';
  let from = 0;
  for (const { start, end } of findPlaceholders(text)) {
    out += accentLetters(text.slice(from, start)) + text.slice(start, end);
    from = end;
  }
  return out + accentLetters(text.slice(from));
}

const accentLetters = (plain: string): string => plain.replace(/[A-Za-z]/g, (letter) => ACCENT_OF.get(letter)!);
