/**
 * Language codes as spreadsheets spell them: BCP-47 in any case and with `_`, and the
 * non-standard codes game studios use (`JP`, `KR`, `CHS`, `ZHTW`). Validity and names come from
 * Intl (full ICU in Node 20); only the game aliases are hand-written.
 */

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
export const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
export const SCRIPT_NAMES = new Intl.DisplayNames(['en'], { type: 'script', fallback: 'none' });
const DISPLAY_NAMES = new Intl.DisplayNames(['en'], { type: 'language', languageDisplay: 'standard' });

/** CLDR names these, but they mean "no particular language". */
const NON_LANGUAGES = new Set(['und', 'mul', 'zxx', 'mis']);

/** Game-industry codes, keyed by their upper-case spelling. */
export const GAME_CODES: Readonly<Record<string, string>> = {
  CH: 'zh-CN', CN: 'zh-CN', CHN: 'zh-CN', CHS: 'zh-CN', SC: 'zh-CN', SCH: 'zh-CN', ZH: 'zh-CN',
  ZHCN: 'zh-CN', ZHS: 'zh-CN', CHT: 'zh-TW', TC: 'zh-TW', TCH: 'zh-TW', TW: 'zh-TW', ZHTW: 'zh-TW',
  ZHT: 'zh-TW', HK: 'zh-HK', ZHHK: 'zh-HK', BR: 'pt-BR', PTBR: 'pt-BR', PTB: 'pt-BR', PTPT: 'pt-PT',
  ENUS: 'en-US', ENGB: 'en-GB', ESN: 'es-ES', ESM: 'es-MX', LATAM: 'es-419', SP: 'es', VN: 'vi',
  JP: 'ja', KR: 'ko', GE: 'de', GR: 'el', DK: 'da', CZ: 'cs', UA: 'uk', SE: 'sv',
};

/**
 * Canonical BCP-47 for a language code, or undefined when `input` is not one. Accepts `_` for
 * `-` and any case, and the game codes above (`JP`→`ja`, `CHS`→`zh-CN`, `GR`→`el`). A game code
 * whose lower-case form is a different real language (`KR` Korean vs `kr` Kanuri, `TW` vs Twi,
 * `BR` vs Breton, `CH` vs Chamorro) is only taken as the game code when written in upper case.
 */
export function normalizeLanguageCode(input: string): string | undefined {
  const code = input.trim();
  const alias = GAME_CODES[code.toUpperCase()];
  if (alias && (code === code.toUpperCase() || !canonicalize(code))) return alias;
  return canonicalize(code);
}

/** True for a well-formed BCP-47 tag whose language, script and region all exist (`pt-BR`, `zh-Hans`, `sr-Latn`). */
export function isValidLanguageCode(code: string): boolean {
  return canonicalize(code.trim()) !== undefined;
}

/** English name for prompts, in the "standard" form: `pt-BR` → `Portuguese (Brazil)`, `zh-CN` → `Chinese (China)`. */
export function languageDisplayName(code: string): string {
  const tag = normalizeLanguageCode(code);
  return tag ? DISPLAY_NAMES.of(tag) ?? tag : code;
}

export const canonicalize = memoize(canonicalizeTag);

function canonicalizeTag(tag: string): string | undefined {
  if (!/^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$/.test(tag)) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.replaceAll('_', '-'));
    return canonical && isKnownLocale(new Intl.Locale(canonical)) ? canonical : undefined;
  } catch {
    return undefined;
  }
}

function isKnownLocale(locale: Intl.Locale): boolean {
  if (NON_LANGUAGES.has(locale.language) || !LANGUAGE_NAMES.of(locale.language)) return false;
  if (locale.script && !SCRIPT_NAMES.of(locale.script)) return false;
  return !locale.region || (locale.region !== 'ZZ' && REGION_NAMES.of(locale.region) !== undefined);
}

/**
 * How well a column's language serves a requested one: 3 same tag (or the same locale spelled
 * differently, `zh-CN`/`zh-Hans`), 2 same language where one side is bare (`pt-BR`/`pt`) or the
 * qualifiers are compatible (`zh-HK`/`zh-Hant`), 0 different languages or conflicting
 * regions/scripts (`pt-BR`/`pt-PT`, `zh-CN`/`zh-TW`).
 */
export function languagesMatch(requested: string, column: string): number {
  return matchMemo(`${requested}\u0000${column}`);
}

/**
 * Of `candidates`, the one whose language (`languageOf`) best serves `requested`: the highest
 * languagesMatch score, never 0. Among equal scores the first wins, so callers list candidates
 * in their order of preference. Undefined when none matches.
 */
export function bestLanguageMatch<T>(candidates: Iterable<T>, requested: string, languageOf: (candidate: T) => string): T | undefined {
  let best: T | undefined;
  let bestScore = 0;
  for (const candidate of candidates) {
    const score = languagesMatch(requested, languageOf(candidate));
    if (score > bestScore) [best, bestScore] = [candidate, score];
  }
  return best;
}

const matchMemo = memoize((pair: string) => {
  const [requested, column] = pair.split('\u0000');
  return matchLanguages(requested, column);
});

function matchLanguages(requested: string, column: string): number {
  const a = normalizeLanguageCode(requested);
  const b = normalizeLanguageCode(column);
  if (!a || !b) return requested.trim().toLowerCase() === column.trim().toLowerCase() ? 3 : 0;
  if (a.toLowerCase() === b.toLowerCase()) return 3;
  const [la, lb] = [new Intl.Locale(a), new Intl.Locale(b)];
  if (macroLanguage(la.language) !== macroLanguage(lb.language)) return 0;
  if ((!la.script && !la.region) || (!lb.script && !lb.region)) return 2;
  if (la.region && lb.region && la.region !== lb.region) return 0;
  const [ma, mb] = [la.maximize(), lb.maximize()];
  if (ma.script !== mb.script) return 0;
  return ma.toString() === mb.toString() ? 3 : 2;
}

/** Bokmål columns are usually headed plain `no`. */
const macroLanguage = (language: string): string => (language === 'nb' ? 'no' : language);

/**
 * Language codes are few and Intl's locale calls slow (~10 µs): QA checks every result against
 * its language, so the pure lookups above are answered from a cache. Bounded in case of hostile input.
 */
export function memoize<R>(fn: (key: string) => R, max = 10_000): (key: string) => R {
  const cache = new Map<string, R>();
  return (key) => {
    if (cache.has(key)) return cache.get(key)!;
    if (cache.size >= max) cache.clear();
    const value = fn(key);
    cache.set(key, value);
    return value;
  };
}
