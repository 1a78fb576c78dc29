/**
 * The script (ISO 15924 writing system) a text is written in, and the one a language normally
 * uses, from code point ranges rather than per-language rules.
 */
import { memoize, normalizeLanguageCode } from './language-codes.ts';

/** ISO 15924 codes {@link detectScript} reports. Han without kana is `Hani`; any kana makes it `Jpan`. */
export type ScriptName =
  | 'Latn' | 'Hani' | 'Jpan' | 'Hang' | 'Thai' | 'Cyrl' | 'Arab' | 'Hebr' | 'Grek' | 'Deva' | 'Beng'
  | 'Guru' | 'Gujr' | 'Taml' | 'Telu' | 'Knda' | 'Mlym' | 'Sinh' | 'Laoo' | 'Mymr' | 'Khmr' | 'Geor'
  | 'Armn' | 'Ethi';

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
export const MARKUP = /\{[^{}]*\}|<\/?[A-Za-z#][^<>]*>|%[A-Za-z_][\w.]*%|%(?:\d+\$)?[-+0#]*\d*(?:\.\d+)?[A-Za-z@]|\[\/?[A-Za-z][\w=#\s"'.-]*\]|&#?\w+;|\\[A-Za-z]|\$t\([^)]*\)/g;

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

export function countScripts(text: string): Map<ScriptName | 'Kana', number> {
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
export const expectedScript = memoize(scriptOfLanguage);

function scriptOfLanguage(code: string): ScriptName | undefined {
  const tag = normalizeLanguageCode(code);
  const script = tag && new Intl.Locale(tag).maximize().script;
  if (script === 'Hans' || script === 'Hant') return 'Hani';
  if (script === 'Kore') return 'Hang';
  return script && script !== 'Kana' && SCRIPT_TAGS.has(script) ? (script as ScriptName) : undefined;
}
