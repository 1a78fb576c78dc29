import { hasIcuChoice, parseIcu, type IcuChoice, type IcuMessage } from './icu-message.ts';
import { describe, difference, flag, type QaFlag } from './qa-flags.ts';

/**
 * ICU plural/select structure. Hard: the translation is not a valid message, an argument or its
 * type changed, select keys differ (they are code, never translated), a plural lost `other`.
 * Plural categories legitimately differ by language (English one/other, Russian
 * one/few/many/other, Japanese other only), so they are checked against the *target* language's
 * CLDR rules: a category the language needs but the translation lacks is soft (it falls back to
 * `other`, readable but ungrammatical); a category the language never selects is harmless and
 * not reported. Explicit `=0`-style cases of the source must stay (soft: they carry meaning).
 */
export function checkIcu(source: string, target: string, targetLang: string | undefined): QaFlag[] {
  if (!hasIcuChoice(source)) return [];
  const expected = parseIcu(source);
  // A source that is not valid ICU (a stray brace) is not the translation's fault.
  if (!expected) return [];
  const actual = parseIcu(target);
  if (!actual) return [flag('icu_structure', 'the translation is not a valid ICU message (unbalanced braces or a broken plural/select)')];
  const [want, got] = [flatten(expected.choices), flatten(actual.choices)];
  const signatures = compareSignatures(want, got);
  if (signatures) return [signatures];
  return [...compareArguments(expected, actual), ...want.flatMap((choice) => compareChoice(choice, got.find((c) => c.name === choice.name && c.type === choice.type)!, targetLang))];
}

/** Simple arguments (`{name}`) anywhere in the message, as sets: branches repeat them. */
function compareArguments(expected: IcuMessage, actual: IcuMessage): QaFlag[] {
  const names = (message: IcuMessage) => [...new Set([...message.simpleArgs, ...flatten(message.choices).flatMap((c) => c.simpleArgs)])].map((n) => `{${n}}`);
  const missing = difference(names(expected), names(actual));
  const extra = difference(names(actual), names(expected));
  if (!missing.length && !extra.length) return [];
  return [flag('placeholder_mismatch', `placeholders differ: ${describe(missing, extra)}`, { missing, extra })];
}

function flatten(choices: IcuChoice[]): IcuChoice[] {
  return choices.flatMap((choice) => [choice, ...flatten(choice.nested)]);
}

const signature = (choice: IcuChoice): string => `{${choice.name}, ${choice.type}}`;

function compareSignatures(want: IcuChoice[], got: IcuChoice[]): QaFlag | undefined {
  const missing = difference(want.map(signature), got.map(signature));
  const extra = difference(got.map(signature), want.map(signature));
  if (!missing.length && !extra.length) return undefined;
  return flag('icu_structure', `plural/select arguments differ: ${describe(missing, extra)}`, { missing, extra });
}

function compareChoice(want: IcuChoice, got: IcuChoice, targetLang: string | undefined): QaFlag[] {
  if (want.type === 'select') {
    const missing = difference(want.keys, got.keys);
    const extra = difference(got.keys, want.keys);
    if (!missing.length && !extra.length) return [];
    return [flag('icu_structure', `select keys of {${want.name}} differ (keys are code, never translated): ${describe(missing, extra)}`, { missing, extra })];
  }
  if (!got.keys.includes('other')) return [flag('icu_structure', `{${want.name}, ${want.type}} has no 'other' branch`)];
  const missing = difference(want.keys.filter((k) => k.startsWith('=')), got.keys);
  missing.push(...difference(requiredCategories(targetLang, want.type), got.keys));
  if (!missing.length) return [];
  return [flag('icu_plural_categories', `{${want.name}, ${want.type}} lacks ${missing.join(', ')} (needed for ${targetLang ?? 'this language'})`, { missing })];
}

/** The plural categories `lang` distinguishes (CLDR via Intl); none when the language is unknown. */
function requiredCategories(lang: string | undefined, type: IcuChoice['type']): string[] {
  if (!lang) return [];
  try {
    return new Intl.PluralRules(lang, { type: type === 'selectordinal' ? 'ordinal' : 'cardinal' }).resolvedOptions().pluralCategories;
  } catch {
    return [];
  }
}
