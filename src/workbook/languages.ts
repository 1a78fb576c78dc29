/**
 * Languages as spreadsheets spell them: BCP-47 codes, the non-standard codes game studios use
 * (`JP`, `KR`, `CHS`, `ZHTW`), language names in English and in the language itself, affixed
 * headers (`text_JP`, `Text (pt-BR)`), and the script a column's text is written in. Names and
 * validity come from Intl (full ICU in Node 20); only the game aliases are hand-written.
 */

/** ISO 15924 codes {@link detectScript} reports. Han without kana is `Hani`; any kana makes it `Jpan`. */
export type ScriptName =
  | 'Latn' | 'Hani' | 'Jpan' | 'Hang' | 'Thai' | 'Cyrl' | 'Arab' | 'Hebr' | 'Grek' | 'Deva' | 'Beng'
  | 'Guru' | 'Gujr' | 'Taml' | 'Telu' | 'Knda' | 'Mlym' | 'Sinh' | 'Laoo' | 'Mymr' | 'Khmr' | 'Geor'
  | 'Armn' | 'Ethi';

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const SCRIPT_NAMES = new Intl.DisplayNames(['en'], { type: 'script', fallback: 'none' });
const DISPLAY_NAMES = new Intl.DisplayNames(['en'], { type: 'language', languageDisplay: 'standard' });

/** CLDR names these, but they mean "no particular language". */
const NON_LANGUAGES = new Set(['und', 'mul', 'zxx', 'mis']);

/** Game-industry codes, keyed by their upper-case spelling. */
const GAME_CODES: Readonly<Record<string, string>> = {
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

function canonicalize(tag: string): string | undefined {
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

// ---------------------------------------------------------------------------------------------
// Column headers

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

// ---------------------------------------------------------------------------------------------
// Scripts

/** [first, last, script] code point ranges, sorted; `Kana` is folded into `Jpan` by detectScript. */
const SCRIPT_RANGES: ReadonlyArray<readonly [number, number, ScriptName | 'Kana']> = [
  [0x41, 0x5a, 'Latn'], [0x61, 0x7a, 'Latn'], [0xc0, 0xd6, 'Latn'], [0xd8, 0xf6, 'Latn'], [0xf8, 0x24f, 'Latn'],
  [0x370, 0x3ff, 'Grek'], [0x400, 0x52f, 'Cyrl'], [0x531, 0x58f, 'Armn'], [0x591, 0x5ff, 'Hebr'],
  [0x600, 0x6ff, 'Arab'], [0x750, 0x77f, 'Arab'], [0x900, 0x97f, 'Deva'], [0x980, 0x9ff, 'Beng'],
  [0xa00, 0xa7f, 'Guru'], [0xa80, 0xaff, 'Gujr'], [0xb80, 0xbff, 'Taml'], [0xc00, 0xc7f, 'Telu'],
  [0xc80, 0xcff, 'Knda'], [0xd00, 0xd7f, 'Mlym'], [0xd80, 0xdff, 'Sinh'], [0xe00, 0xe7f, 'Thai'],
  [0xe80, 0xeff, 'Laoo'], [0x1000, 0x109f, 'Mymr'], [0x10a0, 0x10ff, 'Geor'], [0x1100, 0x11ff, 'Hang'],
  [0x1200, 0x139f, 'Ethi'], [0x1780, 0x17ff, 'Khmr'], [0x1e00, 0x1eff, 'Latn'], [0x1f00, 0x1fff, 'Grek'],
  // U+30FB (katakana middle dot) is excluded: Chinese uses it in foreign names.
  [0x3041, 0x309f, 'Kana'], [0x30a1, 0x30fa, 'Kana'], [0x30fc, 0x30ff, 'Kana'], [0x3130, 0x318f, 'Hang'],
  [0x31f0, 0x31ff, 'Kana'], [0x3400, 0x4dbf, 'Hani'], [0x4e00, 0x9fff, 'Hani'], [0xac00, 0xd7af, 'Hang'],
  [0xf900, 0xfaff, 'Hani'], [0xfb1d, 0xfb4f, 'Hebr'], [0xfb50, 0xfdff, 'Arab'], [0xfe70, 0xfeff, 'Arab'],
  [0xff21, 0xff3a, 'Latn'], [0xff41, 0xff5a, 'Latn'], [0xff66, 0xff9f, 'Kana'], [0x20000, 0x3134f, 'Hani'],
];

/** Placeholders and markup carry Latin letters that say nothing about the cell's language. */
const MARKUP = /\{[^{}]*\}|<\/?[A-Za-z#][^<>]*>|%[A-Za-z_][\w.]*%|%(?:\d+\$)?[-+0#]*\d*(?:\.\d+)?[A-Za-z@]|\[\/?[A-Za-z][\w=#\s"'.-]*\]|&#?\w+;|\\[A-Za-z]|\$t\([^)]*\)/g;

function scriptOf(codePoint: number): ScriptName | 'Kana' | undefined {
  let [low, high] = [0, SCRIPT_RANGES.length - 1];
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [first, last, script] = SCRIPT_RANGES[mid];
    if (codePoint < first) high = mid - 1;
    else if (codePoint > last) low = mid + 1;
    else return script;
  }
  return undefined;
}

function countScripts(text: string): Map<ScriptName | 'Kana', number> {
  const counts = new Map<ScriptName | 'Kana', number>();
  for (const char of text.replace(MARKUP, ' ')) {
    const script = scriptOf(char.codePointAt(0)!);
    if (script) counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  return counts;
}

/**
 * The script most letters of `text` are written in, ignoring digits, punctuation and
 * placeholders; undefined when there are no letters. Han with any kana is `Jpan`, so an
 * all-kanji Japanese cell ("設定") reads as `Hani`.
 */
export function detectScript(text: string): ScriptName | undefined {
  const counts = countScripts(text);
  const kana = counts.get('Kana') ?? 0;
  if (kana > 0) {
    counts.set('Jpan', kana + (counts.get('Hani') ?? 0));
    counts.delete('Kana');
    counts.delete('Hani');
  }
  let best: ScriptName | undefined;
  for (const [script, count] of counts) if (!best || count > counts.get(best)!) best = script as ScriptName;
  return best;
}

const SCRIPT_TAGS = new Set<string>([...SCRIPT_RANGES.map(([, , script]) => script), 'Jpan']);

/** The script `code` is normally written in (`th` → `Thai`, `zh-TW` → `Hani`, `ko` → `Hang`, `sr` → `Cyrl`). */
export function expectedScript(code: string): ScriptName | undefined {
  const tag = normalizeLanguageCode(code);
  const script = tag && new Intl.Locale(tag).maximize().script;
  if (script === 'Hans' || script === 'Hant') return 'Hani';
  if (script === 'Kore') return 'Hang';
  return script && script !== 'Kana' && SCRIPT_TAGS.has(script) ? (script as ScriptName) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Guessing a column's language from its cells

/** The language a script alone identifies; Latin and Han need a closer look. */
const SCRIPT_LANGUAGE: Readonly<Partial<Record<ScriptName, string>>> = {
  Thai: 'th', Jpan: 'ja', Hang: 'ko', Cyrl: 'ru', Arab: 'ar', Hebr: 'he', Grek: 'el', Deva: 'hi', Beng: 'bn',
  Guru: 'pa', Gujr: 'gu', Taml: 'ta', Telu: 'te', Knda: 'kn', Mlym: 'ml', Sinh: 'si', Laoo: 'lo', Mymr: 'my',
  Khmr: 'km', Geor: 'ka', Armn: 'hy', Ethi: 'am',
};

/** Share of samples that must agree, and the fewest samples worth guessing from. */
const MIN_AGREEMENT = 0.6;
const MIN_SAMPLES = 3;

/** Letters only Vietnamese uses (đ is left out: Croatian and Serbian Latin have it too). */
const VIETNAMESE = /[ơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/iu;

/** Pairs of traditional/simplified characters frequent in UI text; same position, same character. */
const TRADITIONAL = new Set('們這說個來時會對國學麼為爲與還後開關點進門問長東車見從業體發經動實機題電當種設無選擇戰鬥寶裝備級務數讀錯誤請確認載');
const SIMPLIFIED = new Set('们这说个来时会对国学么为为与还后开关点进门问长东车见从业体发经动实机题电当种设无选择战斗宝装备级务数读错误请确认载');

/** English function words, and frequent function words of other Latin-script languages that rule English out. */
const ENGLISH_WORDS = new Set(
  'the and of is are you your this that with have has from for not it can be been were they their there what which please would should could into our we'.split(' '),
);
const OTHER_WORDS = new Set(
  ('le la les des du et est une un pour avec dans vous votre ce cette qui que pas sur el los las y es del por con para su una se ' +
    'der die das und ist nicht ein eine mit zu den dem sie ich auf für il di che per non lo gli sono della o e é em não com uma os da ' +
    'ao het een van en zijn op niet och att är på det og er jeg ikke nie się jest na w z że je ve bir bu için ile de').split(' '),
);

/**
 * A language guessed from a column's cells when its header says nothing: the script most cells
 * share (at least 60% of at least 3 cells with letters), then Vietnamese by its diacritics,
 * Traditional vs Simplified Chinese by common characters, and English only when the cells are
 * clearly English sentences. Undefined when unsure; other Latin languages are never guessed.
 */
export function guessLanguageFromTexts(texts: string[]): string | undefined {
  const samples = texts.map((text) => text.normalize('NFC')).filter((text) => letterCount(text) >= 2);
  if (samples.length < MIN_SAMPLES) return undefined;
  const scripts = withKanjiAsJapanese(samples.map(detectScript));
  const script = majority(scripts);
  if (!script) return undefined;
  const same = samples.filter((_, i) => scripts[i] === script);
  if (script === 'Latn') return latinLanguage(same);
  if (script === 'Hani') return chineseVariant(same);
  return SCRIPT_LANGUAGE[script];
}

/**
 * Japanese columns mix kana cells with kanji-only ones ("剣", "魔法使い"); Chinese never uses
 * kana, so once a fifth of the Han cells have some, all of them count as Japanese.
 */
function withKanjiAsJapanese(scripts: Array<ScriptName | undefined>): Array<ScriptName | undefined> {
  const japanese = scripts.filter((script) => script === 'Jpan').length;
  const han = japanese + scripts.filter((script) => script === 'Hani').length;
  return japanese > 0 && japanese >= 0.2 * han ? scripts.map((script) => (script === 'Hani' ? 'Jpan' : script)) : scripts;
}

function letterCount(text: string): number {
  let count = 0;
  for (const [, n] of countScripts(text)) count += n;
  return count;
}

function majority<T>(values: ReadonlyArray<T | undefined>): T | undefined {
  const counts = new Map<T, number>();
  for (const value of values) if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  for (const [value, count] of counts) if (count >= MIN_AGREEMENT * values.length) return value;
  return undefined;
}

function latinLanguage(samples: string[]): string | undefined {
  const vietnamese = samples.filter((text) => VIETNAMESE.test(text)).length;
  if (vietnamese >= MIN_AGREEMENT * samples.length) return 'vi';
  const votes = samples.map(englishVote);
  const english = votes.filter((vote) => vote === 'en').length;
  const voting = english + votes.filter((vote) => vote === 'other').length;
  // Short UI labels have no function words; the sentences that do must be English and not a stray few.
  const isEnglish = english >= MIN_SAMPLES && english >= MIN_AGREEMENT * voting && voting * 10 >= samples.length;
  return isEnglish ? 'en' : undefined;
}

function englishVote(text: string): 'en' | 'other' | undefined {
  const plain = text.replace(MARKUP, ' ');
  // Accented Latin letters point away from English ("café" costs one vote, not a misguess).
  if (/[^\x00-\x7f]/.test(plain.replace(/[^\p{Script=Latin}]/gu, ''))) return 'other';
  let [english, other] = [0, 0];
  for (const word of plain.toLowerCase().match(/\p{L}+/gu) ?? []) {
    if (ENGLISH_WORDS.has(word)) english++;
    else if (OTHER_WORDS.has(word)) other++;
  }
  if (english > other) return 'en';
  return other > english ? 'other' : undefined;
}

function chineseVariant(samples: string[]): string {
  let [traditional, simplified] = [0, 0];
  for (const char of samples.join('')) {
    if (TRADITIONAL.has(char)) traditional++;
    else if (SIMPLIFIED.has(char)) simplified++;
  }
  return traditional > 0 && traditional >= 2 * simplified ? 'zh-TW' : 'zh-CN';
}
