/**
 * Length limits as people write them in comments and notes: "最多12字符", "不超过12个字",
 * "12字以内", "限12字", "最大12文字", "12文字まで", "최대 12자", "max 12 chars", "max. length: 12",
 * "12 characters max", "limit 12 chars", "no more than 12 characters", "≤12".
 */
const CJK_UNIT = String.raw`(?:个|個)?\s*(?:字符|字元|字|文字|汉字|漢字)`;
const EN_UNIT = String.raw`(?:chars?|characters?|letters?|symbols?)`;
const HINTS: readonly RegExp[] = [
  new RegExp(String.raw`(?:最多|不超过|不得超过|不能超过|不超過|限|上限|最大|最长|最長)\s*[:：]?\s*(\d+)\s*${CJK_UNIT}`, 'u'),
  /(?:字数|字數|文字数)(?:限制|上限)?\s*[:：]?\s*(?:最多|不超过)?\s*(\d+)/u,
  new RegExp(String.raw`(\d+)\s*${CJK_UNIT}\s*(?:以内|以下|まで|之内|之內)`, 'u'),
  /최대\s*(\d+)\s*(?:자|글자)|(\d+)\s*(?:자|글자)\s*이내/u,
  /\bmax(?:imum)?\.?\s*(?:length|len|chars?|characters?)\s*(?:of\s*)?[:=]?\s*(\d+)/i,
  new RegExp(String.raw`\b(?:max(?:imum)?\.?|limit(?:ed)?(?:\s+to)?|up\s+to|no\s+more\s+than|at\s+most)\s*[:=]?\s*(\d+)\s*${EN_UNIT}\b`, 'i'),
  new RegExp(String.raw`\b(\d+)\s*${EN_UNIT}\s*(?:max(?:imum)?|limit|or\s+less|or\s+fewer)\b`, 'i'),
  /\b(?:length|len)\s*(?:limit)?\s*(?:[:=]|<=|≤)\s*(\d+)\b/i,
  /(?:≤|<=)\s*(\d+)/u,
];

/** A plausible UI limit: at least one character, at most a long paragraph. */
const MAX_HINT = 10_000;

/**
 * The character limit a comment or note states, or undefined when it states none. The first
 * pattern that matches wins; the number must be 1–10,000.
 */
export function parseLengthHint(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const plain = text.normalize('NFKC');
  for (const pattern of HINTS) {
    const match = pattern.exec(plain);
    const value = Number(match?.slice(1).find(Boolean));
    if (Number.isInteger(value) && value >= 1 && value <= MAX_HINT) return value;
  }
  return undefined;
}

/** A limit from a max-length column cell ("12", 12, "12 chars"), else from hints in the texts given. */
export function lengthLimit(columnValue: unknown, ...hintTexts: Array<string | undefined>): number | undefined {
  const fromColumn = typeof columnValue === 'number' ? columnValue : Number.parseInt(String(columnValue ?? ''), 10);
  if (Number.isInteger(fromColumn) && fromColumn > 0 && fromColumn <= MAX_HINT) return fromColumn;
  for (const text of hintTexts) {
    const hint = parseLengthHint(text);
    if (hint) return hint;
  }
  return undefined;
}
