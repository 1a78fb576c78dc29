/**
 * Tokens a translation must carry over verbatim: format placeholders, markup tags, literal
 * escape sequences and entities. One combined regex with a named alternative per style, run once
 * over the text; it is called for every cell of large workbooks, so no per-style passes.
 * Real newline characters are not tokens (line structure is checked elsewhere).
 */

/** The style a token was recognized as. */
export type PlaceholderKind =
  | 'double-brace' // {{count}} (i18next, Handlebars), {{0}} (C# escaped)
  | 'brace' // {0} {0, 2} {0:N2} {name} {}
  | 'nesting' // $t(key) (i18next)
  | 'percent-name' // %PRICE% %appdata%
  | 'printf' // %s %d %.2f %5d %1$s %@ %%
  | 'positional' // %1 … %9 (Lua-style, panel-attack)
  | 'hash' // #1 (Elin)
  | 'markup' // <b> </color> <br /> <color=#fff> <align="center"> <#ff0000>
  | 'bbcode' // [b] [/color] [color=lime] [url=…]
  | 'bracket-tag' // [ICON_Strength] [NEWLINE]
  | 'escape' // \n \t \" written as two characters
  | 'entity'; // &amp; &#39; &nbsp;

/** A token and where it sits in the text (`end` exclusive, UTF-16 offsets). */
export interface Placeholder {
  start: number;
  end: number;
  token: string;
  kind: PlaceholderKind;
}

const PATTERN = new RegExp(
  [
    String.raw`(?<doubleBrace>\{\{[^{}\n]{1,120}\}\})`,
    // An identifier, optionally followed by C#/ICU format arguments; ICU plural bodies ({# items}) are text.
    String.raw`(?<brace>\{(?:\s*[\p{L}\p{N}_$][\p{L}\p{N}_.$-]*\s*(?:[,:][^{}\n]{0,60})?)?\})`,
    String.raw`(?<nesting>\$t\([^()\n]{1,120}\))`,
    // Before printf, which would otherwise take the "%a" of "%appdata%". No dots: "%d.%d".
    String.raw`(?<percentName>%[A-Za-z_]\w+%)`,
    // No space flag: "50% off" must not read as "% o".
    String.raw`(?<printf>%%|%(?:\d+\$)?[-+0#']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|z|j|t|q)?[diouxXeEfFgGaAcspn@])`,
    // One digit only: Turkish writes percentages as "%50".
    String.raw`(?<positional>%[1-9](?!\d))`,
    // Not before a Latin letter, so "#1st" stays prose even once pseudo-localized into "#1šţ".
    String.raw`(?<hash>#\d+(?![\p{Script=Latin}\d_]))`,
    String.raw`(?<markup><\/?(?<tag>[A-Za-z][\w:-]*)(?<attrs>[\s=][^<>]{0,200})?\/?>|<#[0-9A-Fa-f]{3,8}>)`,
    String.raw`(?<bbcode>\[(?<bbClose>\/)?(?<bbTag>[A-Za-z]\w*)(?<bbAttrs>[= ][^[\]\n]{0,200})?\])`,
    String.raw`(?<escape>\\(?:u[0-9A-Fa-f]{4}|[nrtbfv0"'\\]))`,
    String.raw`(?<entity>&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});)`,
  ].join('|'),
  'gu',
);

/** HTML, Unity rich text and TextMesh Pro tag names; any other `<word>` needs an `=` to count as markup. */
const MARKUP_TAGS = new Set(
  ('a abbr align allcaps alpha b big blockquote br center code color cspace del div em font font-weight gradient ' +
    'h1 h2 h3 h4 h5 h6 hr i img indent ins li line-height line-indent link lowercase margin mark material ' +
    'mspace nobr noparse ol p page pos pre q quad rotate s small smallcaps span sprite strike strong style ' +
    'sub sup table td th tr u ul uppercase voffset wbr width').split(' '),
);

/** BBCode tag names (forum BBCode and Godot RichTextLabel). */
const BBCODE_TAGS = new Set(
  ('b i u s url img color size font center left right fill justify quote code list ul ol table tr td th cell ' +
    'sup sub indent hint wave shake rainbow tornado fade pulse outline_size outline_color bgcolor fgcolor ' +
    'font_size opentype_features p lb rb br hr strike spoiler email youtube noparse dropcap char').split(' '),
);

/** `[ICON_Strength]`, `[NEWLINE]`: upper-case identifiers in brackets are engine tokens. */
const BRACKET_TAG = /^[A-Z][A-Z0-9]*(?:_[A-Za-z0-9]+)*$/;

/** printf conversions so common that "%d" or "%s" is a token even when a letter follows. */
const LOOSE_CONVERSIONS = new Set(['d', 's', '@', '%']);

type Groups = Record<string, string | undefined>;

function kindOf(groups: Groups, text: string, end: number): PlaceholderKind | undefined {
  if (groups.doubleBrace) return 'double-brace';
  if (groups.brace) return 'brace';
  if (groups.nesting) return 'nesting';
  if (groups.percentName) return 'percent-name';
  if (groups.printf) return isPrintf(groups.printf, text, end) ? 'printf' : undefined;
  if (groups.positional) return 'positional';
  if (groups.hash) return 'hash';
  if (groups.markup) return isMarkup(groups) ? 'markup' : undefined;
  if (groups.bbcode) return bracketKind(groups);
  if (groups.escape) return 'escape';
  return groups.entity ? 'entity' : undefined;
}

/** A bare rare conversion glued to a word ("50%off", "%cat") is prose, not "%o" / "%c". */
function isPrintf(token: string, text: string, end: number): boolean {
  if (token.length > 2 || LOOSE_CONVERSIONS.has(token[1])) return true;
  return !/[A-Za-z]/.test(text[end] ?? '');
}

/** `<missing>` and `<Player Name>` are words in angle brackets; `<b>` and `<link="x">` are tags. */
function isMarkup(groups: Groups): boolean {
  if (!groups.tag) return true; // <#rrggbb>
  return MARKUP_TAGS.has(groups.tag.toLowerCase()) || (groups.attrs ?? '').includes('=');
}

function bracketKind(groups: Groups): PlaceholderKind | undefined {
  const tag = groups.bbTag ?? '';
  if (BBCODE_TAGS.has(tag.toLowerCase())) return 'bbcode';
  const isIdentifier = !groups.bbClose && !groups.bbAttrs && tag.length >= 2 && BRACKET_TAG.test(tag);
  return isIdentifier ? 'bracket-tag' : undefined;
}

/** Every token in `text`, in order, non-overlapping. */
export function findPlaceholders(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  if (!/[{%#<[\\&$]/.test(text)) return found; // most cells: skip the scan
  PATTERN.lastIndex = 0; // shared and stateful; safe because the scan is synchronous
  for (let match = PATTERN.exec(text); match; match = PATTERN.exec(text)) {
    const end = match.index + match[0].length;
    const kind = kindOf(match.groups as Groups, text, end);
    if (kind) found.push({ start: match.index, end, token: match[0], kind });
    else PATTERN.lastIndex = match.index + 1; // rejected: rescan from the next character
  }
  return found;
}

/** How many times each token occurs in `text`. */
export function placeholderMultiset(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { token } of findPlaceholders(text)) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/**
 * Whether `translation` carries exactly the tokens of `source`, in any order. `missing` lists
 * tokens of the source absent from the translation, `extra` the reverse, each repeated once per
 * missing/extra occurrence.
 */
export function samePlaceholders(source: string, translation: string): { ok: boolean; missing: string[]; extra: string[] } {
  const [expected, actual] = [placeholderMultiset(source), placeholderMultiset(translation)];
  const missing = surplus(expected, actual);
  const extra = surplus(actual, expected);
  return { ok: missing.length === 0 && extra.length === 0, missing, extra };
}

function surplus(from: Map<string, number>, minus: Map<string, number>): string[] {
  const tokens: string[] = [];
  for (const [token, count] of from) {
    for (let i = count - (minus.get(token) ?? 0); i > 0; i--) tokens.push(token);
  }
  return tokens;
}
