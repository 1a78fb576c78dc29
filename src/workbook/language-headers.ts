/**
 * The language a column header names: codes, language names in English and in the language
 * itself, and affixed headers (`text_JP`, `Text (pt-BR)`). The name indexes are built once, on
 * first use, from Intl; only the aliases are hand-written.
 */
import { canonicalize, GAME_CODES, normalizeLanguageCode, REGION_NAMES, SCRIPT_NAMES } from './language-codes.ts';

/** Headers that always name a key or notes column; `id` would otherwise read as Indonesian. */
const KEY_HEADERS = new Set(['id', 'key', 'code', 'name', 'text', 'note', 'comment', 'description', 'type', 'value']);

/** Stat columns in real game data (Elin: level, dodge value); lower-case `lv`, `dv` stay Latvian, Divehi. */
const STAT_HEADERS = new Set(['LV', 'Lv', 'DV']);

/** Two-letter codes that are also English words: inside a longer header they count only in upper case. */
const WORD_CODES = new Set(['am', 'an', 'as', 'be', 'he', 'hi', 'ha', 'in', 'is', 'it', 'la', 'mi', 'my', 'na', 'no', 'or', 'so', 'to']);

/**
 * Three-letter codes accepted in headers: ISO 639-2 codes of commonly localized languages. CLDR
 * also names `new`, `men`, `war`, `min`, and `per`/`cha`/`aka` alias Persian/Chamorro/Akan,
 * all of which head data columns in real sheets.
 */
const HEADER_THREE_LETTER = new Set(
  ('eng jpn chi zho kor tha vie por ger deu fre fra spa rus ita ara tur pol nld dut swe dan ces cze hun ' +
    'ron ukr heb ell gre bul hin msa fil yue hrv srp slk slo slv lav fas').split(' '),
);

/** Words that may surround a language in a header (`text_JP`, `PT-BR Translation`). */
const AFFIX_WORDS = new Set(
  ('text txt name names title label string strings str value values val desc description detail details ' +
    'translation translations translated trans lang language locale loc content contents message msg caption ' +
    'tooltip hint dialog dialogue line lines source src target tgt column col field version localized localised ' +
    'localization localisation l10n i18n copy final draft review reviewed original new old current mt machine human').split(' '),
);

/**
 * The canonical language a column header names, or undefined when the header is not a
 * language. Handles codes (`pt_br`, `JP`, `zh-TW`), names in English, in the language itself
 * and in zh/ja/ko/es/fr/de/pt/ru (`Thai`, `Português`, `简体中文`, `英文`), Steam names
 * (`Schinese`), and affixed forms (`text_JP`, `Text (pt-BR)`, `English (US)`). Chinese *names*
 * map to a region (`Chinese`, `Simplified Chinese` → `zh-CN`; `Traditional Chinese` → `zh-TW`)
 * as game tables mean them; Chinese *codes* stay as written (`zh-Hans`). A bare two-letter
 * header is a code (`IT` → `it`, `no` → `no`) except `id`, which is always a key column.
 */
export function languageFromHeader(header: string): string | undefined {
  const text = header.trim().replace(/\s+/g, ' ');
  if (!text || KEY_HEADERS.has(text.toLowerCase()) || STAT_HEADERS.has(text)) return undefined;
  return headerCode(text) ?? languageByName(text) ?? languageFromTokens(text) ?? languageFromSuffix(text);
}

/**
 * A header (or a word of one) read as a code. English-word codes (`no`, `to`, `is`) count only
 * as a whole header in one case (`no`, `NO`, not `No`), or as part of one in upper case.
 */
function headerCode(token: string, isPart = false): string | undefined {
  const lower = token.toLowerCase();
  if (lower === 'id') return undefined;
  if (WORD_CODES.has(lower) && token !== token.toUpperCase() && (isPart || token !== lower)) return undefined;
  const code = normalizeLanguageCode(token);
  const first = lower.split(/[-_]/)[0];
  if (first.length === 3 && !GAME_CODES[token.toUpperCase()] && !HEADER_THREE_LETTER.has(first)) return undefined;
  return code;
}

/**
 * The language a language affix of a longer header names (`JP` in `name_JP`, `zh` in `title-zh`),
 * by the rules for a part of a header: English-word codes only in upper case (`item_no` is not
 * Norwegian), never `id` (`name_id` is an id column).
 */
export function affixLanguage(affix: string): string | undefined {
  if (STAT_HEADERS.has(affix) || affix.length > 2 && !/^[A-Za-z]{2,3}([-_][A-Za-z]{2,4})?$/.test(affix) && !GAME_CODES[affix.toUpperCase()]) return undefined;
  return headerCode(affix, true);
}

function languageFromTokens(header: string): string | undefined {
  const tokens = header.split(/[\s_()[\]{}:/|.,;（）]+/).filter((token) => /[\p{L}\p{N}]/u.test(token));
  for (let size = Math.min(3, tokens.length); size >= 1; size--) {
    for (let start = 0; start + size <= tokens.length; start++) {
      const span = tokens.slice(start, start + size);
      const language = spanLanguage(span.join(' '));
      if (!language) continue;
      return qualify(language, [...tokens.slice(0, start), ...tokens.slice(start + size)]);
    }
  }
  return undefined;
}

const spanLanguage = (span: string): string | undefined => headerCode(span, true) ?? languageByName(span);

/** Applies what is left of a header after the language: affix words, or one region/script qualifier. */
function qualify(language: string, rest: string[]): string | undefined {
  const qualifier = rest.filter((token) => !AFFIX_WORDS.has(token.toLowerCase())).join(' ');
  if (!qualifier) return language;
  const subtag = regionOrScript(qualifier);
  const tag = subtag && canonicalize(`${new Intl.Locale(language).language}-${subtag}`);
  return tag ? preferChineseRegion(tag) : undefined;
}

/** Elin-style `<field>_JP` columns, whatever the field is called (`textPhase_JP`, `roomName_JP`). */
function languageFromSuffix(header: string): string | undefined {
  const suffix = /^[A-Za-z][A-Za-z0-9_]*?[_.]([A-Z]{2,5})$/.exec(header)?.[1];
  if (!suffix || WORD_CODES.has(suffix.toLowerCase()) || STAT_HEADERS.has(suffix)) return undefined;
  return headerCode(suffix, true);
}

/** Game tables mean Simplified by an unqualified "Chinese"; names carry no region, codes do. */
function preferChineseRegion(tag: string): string {
  const locale = new Intl.Locale(tag);
  if (locale.language !== 'zh' || locale.region) return tag;
  return locale.script === 'Hant' ? 'zh-TW' : 'zh-CN';
}

// ---------------------------------------------------------------------------------------------
// Name indexes, built once on first use from Intl

/** Spellings Intl does not produce: Steam API names, common shorthands. */
const NAME_ALIASES: Readonly<Record<string, string>> = {
  schinese: 'zh-CN', tchinese: 'zh-TW', mandarin: 'zh-CN', 简体: 'zh-CN', 简中: 'zh-CN', 繁体: 'zh-TW',
  繁體: 'zh-TW', 繁中: 'zh-TW', indonesia: 'id', bahasa: 'id', 'bahasa indonesia': 'id', 'bahasa melayu': 'ms',
  brazilian: 'pt-BR', koreana: 'ko', latam: 'es-419', castilian: 'es-ES', farsi: 'fa', tagalog: 'fil',
};

/** Locales whose language names head real tables (Chinese and Japanese studios name columns in their language). */
const NAME_LOCALES = ['en', 'zh', 'zh-Hant', 'ja', 'ko', 'es', 'fr', 'de', 'pt', 'ru'];
const EXTRA_LANGUAGES = ['fil', 'yue', 'ceb', 'haw', 'hmn', 'ckb'];
const REGIONAL_TAGS = ('pt-BR pt-PT en-US en-GB en-AU en-CA es-ES es-MX es-419 fr-FR fr-CA de-DE de-AT de-CH ' +
  'nl-BE zh-CN zh-TW zh-HK zh-Hans zh-Hant sr-Latn sr-Cyrl').split(' ');

const REGION_ALIASES: Readonly<Record<string, string>> = {
  usa: 'US', uk: 'GB', britain: 'GB', 'hong kong': 'HK', macau: 'MO', macao: 'MO', mainland: 'CN',
  simplified: 'Hans', traditional: 'Hant', latin: 'Latn', cyrillic: 'Cyrl', 简体: 'Hans', 繁体: 'Hant', 繁體: 'Hant',
};

let languageIndex: Map<string, string> | undefined;
let regionIndex: Map<string, string> | undefined;

/** Case-, width- and spacing-insensitive key; parentheses count as spaces so `Chinese(China)` matches. */
const foldName = (name: string): string =>
  name.normalize('NFKC').toLowerCase().replace(/[\s()]+/g, ' ').trim();

const withoutAccents = (key: string): string => key.normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC');

function languageByName(name: string): string | undefined {
  languageIndex ??= buildLanguageIndex();
  const key = foldName(name);
  return languageIndex.get(key) ?? languageIndex.get(withoutAccents(key));
}

function regionOrScript(text: string): string | undefined {
  if (/^(?:[A-Za-z]{2}|\d{3})$/.test(text) && text.toUpperCase() !== 'ZZ' && REGION_NAMES.of(text.toUpperCase())) {
    return text.toUpperCase();
  }
  if (/^[A-Za-z]{4}$/.test(text) && SCRIPT_NAMES.of(text)) return text;
  regionIndex ??= buildRegionIndex();
  return regionIndex.get(foldName(text));
}

function buildLanguageIndex(): Map<string, string> {
  const index = new Map<string, string>();
  const add = (name: string | undefined, tag: string): void => {
    if (!name) return;
    const key = foldName(name);
    for (const variant of [key, withoutAccents(key)]) if (!index.has(variant)) index.set(variant, preferChineseRegion(tag));
  };
  for (const [alias, tag] of Object.entries(NAME_ALIASES)) add(alias, tag);
  const tags = [...twoLetterLanguages(), ...EXTRA_LANGUAGES, ...REGIONAL_TAGS];
  // English first, then each language's own name, then the other locales: the first name wins a clash.
  addNamesIn('en', tags, add);
  for (const tag of tags) add(new Intl.DisplayNames([tag], { type: 'language', fallback: 'none' }).of(tag), tag);
  for (const locale of NAME_LOCALES.slice(1)) addNamesIn(locale, tags, add);
  return index;
}

function addNamesIn(locale: string, tags: string[], add: (name: string | undefined, tag: string) => void): void {
  for (const languageDisplay of ['dialect', 'standard'] as const) {
    const names = new Intl.DisplayNames([locale], { type: 'language', languageDisplay, fallback: 'none' });
    for (const tag of tags) add(names.of(tag), tag);
  }
}

/** Every ISO 639-1 code CLDR names, in canonical form (deprecated `iw`, `in` are skipped). */
function twoLetterLanguages(): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const codes: string[] = [];
  for (const a of letters) for (const b of letters) if (canonicalize(a + b) === a + b) codes.push(a + b);
  return codes;
}

function buildRegionIndex(): Map<string, string> {
  const index = new Map(Object.entries(REGION_ALIASES));
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  for (const a of letters) {
    for (const b of letters) {
      const name = a + b === 'ZZ' ? undefined : REGION_NAMES.of(a + b);
      if (name && !index.has(foldName(name))) index.set(foldName(name), a + b);
    }
  }
  index.set(foldName(REGION_NAMES.of('419') ?? 'Latin America'), '419');
  return index;
}
