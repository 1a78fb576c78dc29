/**
 * Tokens a translation must carry over verbatim: format placeholders, markup tags, literal
 * escape sequences and entities. One pass over the text, stopping only at characters a token can
 * start with; it runs for every cell of large workbooks, so no per-style passes.
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

/** Tags and names the rules below accept; anything else in brackets is prose. */
const MARKUP_TAGS = new Set(
  ('a abbr align allcaps alpha b big blockquote br center code color cspace del div em font font-weight gradient ' +
    'h1 h2 h3 h4 h5 h6 hr i img indent ins li line-height line-indent link lowercase margin mark material ' +
    'mspace nobr noparse ol p page pos pre q quad rotate s size small smallcaps space span sprite strike ' +
    'strikethrough strong style sub sup table td th tr u ul uppercase voffset wbr width').split(' '),
);
const BBCODE_TAGS = new Set(
  ('b i u s url img color size font center left right fill justify quote code list ul ol table tr td th cell ' +
    'sup sub indent hint wave shake rainbow tornado fade pulse outline_size outline_color bgcolor fgcolor ' +
    'font_size opentype_features p lb rb br hr strike spoiler email youtube noparse dropcap char').split(' '),
);

/** `[ICON_Strength]`, `[NEWLINE]`: upper-case identifiers in brackets are engine tokens. */
const BRACKET_TAG = /^[A-Z][A-Z0-9]*(?:_[A-Za-z0-9]+)*$/;

/** printf conversions so common that "%d" or "%s" is a token even when a letter follows. */
const LOOSE_CONVERSIONS = new Set(['d', 's', '@', '%']);

/** One token style: a sticky pattern tried where its first character occurs, and an optional veto. */
interface Rule {
  kind: PlaceholderKind;
  pattern: RegExp;
  accept?: (match: RegExpExecArray, text: string) => PlaceholderKind | undefined;
}

const rule = (kind: PlaceholderKind, source: string, accept?: Rule['accept']): Rule => ({
  kind,
  pattern: new RegExp(source, 'uy'),
  accept,
});

/**
 * Rules by the character a token starts with, tried in order. Scanning only at these characters
 * and trying only their rules keeps the pass over 300k-cell workbooks cheap.
 */
const RULES: Readonly<Record<string, readonly Rule[]>> = {
  '{': [
    rule('double-brace', String.raw`\{\{[^{}\n]{1,120}\}\}`),
    // An identifier, optionally followed by C#/ICU format arguments; ICU plural bodies ({# items}) are text.
    rule('brace', String.raw`\{(?:\s*[\p{L}\p{N}_$][\p{L}\p{N}_.$-]*\s*(?:[,:][^{}\n]{0,60})?)?\}`),
  ],
  $: [rule('nesting', String.raw`\$t\([^()\n]{1,120}\)`)],
  '%': [
    // Before printf, which would otherwise take the "%a" of "%appdata%". No dots: "%d.%d".
    rule('percent-name', String.raw`%[A-Za-z_]\w+%`),
    // No space flag: "50% off" must not read as "% o".
    rule('printf', String.raw`%%|%(?:\d+\$)?[-+0#']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|z|j|t|q)?[diouxXeEfFgGaAcspn@]`, acceptPrintf),
    // One digit only: Turkish writes percentages as "%50".
    rule('positional', String.raw`%[1-9](?!\d)`),
  ],
  // Not before a Latin letter, so "#1st" stays prose even once pseudo-localized into "#1šţ".
  '#': [rule('hash', String.raw`#\d+(?![\p{Script=Latin}\d_])`)],
  '<': [rule('markup', String.raw`<\/?([A-Za-z][\w:-]*)([\s=][^<>]{0,200})?\/?>|<#[0-9A-Fa-f]{3,8}>`, acceptMarkup)],
  '[': [rule('bbcode', String.raw`\[(\/)?([A-Za-z]\w*)([= ][^[\]\n]{0,200})?\]`, acceptBracket)],
  '\\': [rule('escape', String.raw`\\(?:u[0-9A-Fa-f]{4}|[nrtbfv0"'\\])`)],
  '&': [rule('entity', String.raw`&(?:[A-Za-z][A-Za-z0-9]{1,31}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});`)],
};

const TRIGGER = /[{$%#<[\\&]/g;

/** A bare rare conversion glued to a word ("50%off", "%cat") is prose, not "%o" / "%c". */
function acceptPrintf(match: RegExpExecArray, text: string): PlaceholderKind | undefined {
  const token = match[0];
  const isGlued = token.length === 2 && !LOOSE_CONVERSIONS.has(token[1]) && /[A-Za-z]/.test(text[match.index + 2] ?? '');
  return isGlued ? undefined : 'printf';
}

/** `<missing>` and `<Player Name>` are words in angle brackets; `<b>` and `<link="x">` are tags. */
function acceptMarkup(match: RegExpExecArray): PlaceholderKind | undefined {
  const [, tag, attributes] = match;
  const isTag = !tag || MARKUP_TAGS.has(tag.toLowerCase()) || (attributes ?? '').includes('=');
  return isTag ? 'markup' : undefined;
}

function acceptBracket(match: RegExpExecArray): PlaceholderKind | undefined {
  const [, close, tag, attributes] = match;
  if (BBCODE_TAGS.has(tag.toLowerCase())) return 'bbcode';
  const isIdentifier = !close && !attributes && tag.length >= 2 && BRACKET_TAG.test(tag);
  return isIdentifier ? 'bracket-tag' : undefined;
}

function tokenAt(text: string, index: number): Placeholder | undefined {
  for (const { kind, pattern, accept } of RULES[text[index]]) {
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    const accepted = match && (accept ? accept(match, text) : kind);
    if (accepted) return { start: index, end: index + match[0].length, token: match[0], kind: accepted };
  }
  return undefined;
}

/** Every token in `text`, in order, non-overlapping. */
export function findPlaceholders(text: string): Placeholder[] {
  const found: Placeholder[] = [];
  // Shared stateful regexes are safe: the scan is synchronous and never re-enters.
  TRIGGER.lastIndex = 0;
  for (let hit = TRIGGER.exec(text); hit; hit = TRIGGER.exec(text)) {
    const token = tokenAt(text, hit.index);
    if (!token) continue;
    found.push(token);
    TRIGGER.lastIndex = token.end;
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
