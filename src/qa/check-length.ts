import { findPlaceholders } from './placeholders.ts';
import { flag, type QaFlag } from './qa-flags.ts';

/**
 * A translation over its limit. Length is what the player sees: characters (code points, so an
 * emoji or a rare kanji counts once) with markup tags (`<b>`, `[color=red]`) left out;
 * placeholders count as written, since their value's length is unknown.
 */
export function checkLength(target: string, maxLength: number | undefined): QaFlag[] {
  if (!maxLength) return [];
  const length = visibleLength(target);
  if (length <= maxLength) return [];
  return [flag('too_long', `${length} characters, over the limit of ${maxLength}`)];
}

export function visibleLength(text: string): number {
  let length = [...text].length;
  for (const token of findPlaceholders(text)) if (token.kind === 'markup' || token.kind === 'bbcode') length -= [...token.token].length;
  return length;
}
