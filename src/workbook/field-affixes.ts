/**
 * Language affixes of a header (`name_JP`, `EN_desc`, `Name (EN)`, `[zh] Title`) and the
 * header a new member of the same field gets (`name_PT`, `PT_desc`, `Name (PT)`, `[pt-br] Title`).
 */
import { GAME_CODES, normalizeLanguageCode } from './language-codes.ts';
import { affixLanguage, languageFromHeader } from './language-headers.ts';

export type AffixPosition = 'suffix' | 'prefix' | 'paren' | 'bracket';

/** How a family writes its affixes: where, with what separator, and the codes' case. */
export interface AffixStyle {
  position: AffixPosition;
  /** Between stem and code for suffix/prefix (`_`, `-`, `.`, ` `); unused otherwise. */
  separator: string;
  /** `game`: upper-case game codes (`JP`, `CN`, `EN`); else BCP-47 in lower, upper or canonical case. */
  codeCase: 'game' | 'lower' | 'upper' | 'canonical';
}

export interface AffixedHeader {
  stem: string;
  affix: string;
  language: string;
  position: AffixPosition;
  separator: string;
}

const CODE = '[A-Za-z]{2,4}(?:[-_][A-Za-z]{2,4})?';
const SUFFIX = new RegExp(`^(.+?)([_.\\- ])(${CODE})$`);
const LAST_SUFFIX = new RegExp(`^(.+)([_.\\- ])(${CODE})$`);
const PREFIX = new RegExp(`^(${CODE})([_.\\- ])(\\p{L}.*)$`, 'u');
const PAREN = new RegExp(`^(.+?)\\s*[(（]\\s*(${CODE})\\s*[)）]$`);
const BRACKET = new RegExp(`^\\[\\s*(${CODE})\\s*\\]\\s*(.+)$`);

/**
 * A header read as stem + language affix, or undefined for a bare language header (`EN`,
 * `pt_BR`, `English (US)`, `Chinese_TW`: the part left is a language itself or no stem) and for
 * headers whose affix is no language (`name_id`, `item_name`, `desc_en2`, `item_no`).
 */
export function parseAffixedHeader(raw: string): AffixedHeader | undefined {
  const header = raw.trim();
  if (!header || isBareCode(header)) return undefined;
  const found = fromMatch(SUFFIX.exec(header), 1, 3, 'suffix') ?? fromMatch(LAST_SUFFIX.exec(header), 1, 3, 'suffix') ??
    fromMatch(PAREN.exec(header), 1, 2, 'paren') ?? fromMatch(BRACKET.exec(header), 2, 1, 'bracket') ?? fromMatch(PREFIX.exec(header), 3, 1, 'prefix');
  // `Chinese_TW`, `English (US)`, `zh_CN`: the "stem" names a language, so the whole is one language.
  return found && !isLanguageWord(found.stem) ? found : undefined;
}

/** `pt_BR`, `zh-TW`, `en_US`: a code with a region, not a field with an affix. */
const isBareCode = (header: string): boolean => /^[A-Za-z]{2}[-_][A-Za-z]{2,4}$/.test(header) && !!normalizeLanguageCode(header);

/** A stem that is itself a language code or name (`Chinese`, `zh`); short words (`aka`, `fov`) are fields. */
function isLanguageWord(stem: string): boolean {
  return stem.length === 2 ? !!normalizeLanguageCode(stem) : stem.length > 3 && !!languageFromHeader(stem);
}

function fromMatch(match: RegExpExecArray | null, stemAt: number, affixAt: number, position: AffixPosition): AffixedHeader | undefined {
  if (!match) return undefined;
  // Space-separated affixes read as codes only in upper case after the stem (`Name EN`, not `Hint ko` or `PT Translation`).
  const isSpaced = (position === 'suffix' || position === 'prefix') && match[2] === ' ';
  if (isSpaced && (position === 'prefix' || match[affixAt] !== match[affixAt].toUpperCase())) return undefined;
  const language = affixLanguage(match[affixAt]);
  if (!language) return undefined;
  const separator = position === 'suffix' || position === 'prefix' ? match[2] : '';
  return { stem: match[stemAt].trim(), affix: match[affixAt], language, position, separator };
}

/** The style of a family from its members' affixes (the first member's position and separator). */
export function styleOf(members: ReadonlyArray<AffixedHeader>): AffixStyle {
  const { position, separator } = members[0];
  const affixes = members.map((m) => m.affix);
  const isGame = affixes.every((a) => /^[A-Z]{2,5}$/.test(a));
  const codeCase = isGame ? 'game' : affixes.every((a) => a === a.toLowerCase()) ? 'lower' : affixes.every((a) => a === a.toUpperCase()) ? 'upper' : 'canonical';
  return { position, separator, codeCase };
}

/** Game codes preferred for a language where the upper-cased ISO code is not what tables write. */
const PREFERRED_GAME_CODES: Readonly<Record<string, string>> = { ja: 'JP', ko: 'KR', vi: 'VN', 'zh-CN': 'CN', 'zh-TW': 'TW', 'zh-HK': 'HK', el: 'GR', cs: 'CZ', da: 'DK', uk: 'UA', sv: 'SE' };

/** The affix for `language` in a family's code case: `pt-BR` → `PT` (game), `pt-br`, `PT-BR`, `pt-BR`. */
export function affixFor(language: string, codeCase: AffixStyle['codeCase']): string {
  if (codeCase === 'lower') return language.toLowerCase();
  if (codeCase === 'upper') return language.toUpperCase();
  if (codeCase === 'canonical') return language;
  const exact = PREFERRED_GAME_CODES[language];
  if (exact) return exact;
  const primary = language.split('-')[0];
  return PREFERRED_GAME_CODES[primary] ?? (primary.length === 2 ? primary.toUpperCase() : gameCodeOf(language) ?? language.toUpperCase());
}

function gameCodeOf(language: string): string | undefined {
  return Object.entries(GAME_CODES).find(([, tag]) => tag === language)?.[0];
}

/** A full affix for `language` when the short one is taken in the family (`pt-PT` beside a new `PT`). */
export function longAffixFor(language: string, codeCase: AffixStyle['codeCase']): string {
  if (codeCase !== 'game') return affixFor(language, codeCase === 'canonical' ? 'canonical' : codeCase);
  return gameCodeOf(language) ?? language.replace('-', '').toUpperCase();
}

/** A header in the family's style: `name_PT`, `PT_desc`, `Name (PT)`, `[pt-br] Title`. */
export function headerInStyle(stem: string, affix: string, style: AffixStyle): string {
  switch (style.position) {
    case 'suffix':
      return `${stem}${style.separator}${affix}`;
    case 'prefix':
      return `${affix}${style.separator}${stem}`;
    case 'paren':
      return `${stem} (${affix})`;
    case 'bracket':
      return `[${affix}] ${stem}`;
  }
}

/** `--column-name` templates: `{field}` is the stem, `{code}` the target's BCP-47 code. */
export function headerFromTemplate(template: string, stem: string, language: string): string {
  return template.replaceAll('{field}', stem).replaceAll('{code}', language);
}
