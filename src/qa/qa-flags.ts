/**
 * What a QA check reports: a flag with a stable code (scripts, the task table's `qa_flags` and
 * the review sheet depend on the codes), a severity and a human-readable message.
 */

/**
 * `hard`: the text would break at run time (a lost `{0}`, an unclosed tag, a broken ICU message);
 * never written unreviewed. A changed escape or entity (`\n`, `&amp;`) is soft: at worst a
 * wrong line break or a visible `&amp;`, not a crash. `soft`: written, but a person should look (length, script, numbers…).
 * `info`: not a defect of a translation (an empty cell in `fanyi check`); counted apart.
 */
export type QaSeverity = 'hard' | 'soft' | 'info';

/** Every code a check can report, with its severity and how much it costs the quality score. */
export const QA_CODES = {
  placeholder_mismatch: { severity: 'hard', penalty: 60 },
  markup_mismatch: { severity: 'hard', penalty: 60 },
  escape_mismatch: { severity: 'soft', penalty: 30 },
  icu_structure: { severity: 'hard', penalty: 60 },
  icu_plural_categories: { severity: 'soft', penalty: 15 },
  empty: { severity: 'soft', penalty: 100 },
  untranslated: { severity: 'soft', penalty: 50 },
  not_a_translation: { severity: 'soft', penalty: 60 },
  wrong_script: { severity: 'soft', penalty: 40 },
  corrupt_text: { severity: 'soft', penalty: 40 },
  too_long: { severity: 'soft', penalty: 20 },
  numbers_differ: { severity: 'soft', penalty: 20 },
  glossary_term_missing: { severity: 'soft', penalty: 15 },
  dnt_term_changed: { severity: 'soft', penalty: 25 },
  line_breaks_differ: { severity: 'soft', penalty: 5 },
  whitespace_differs: { severity: 'soft', penalty: 5 },
  missing: { severity: 'info', penalty: 0 },
  /** A map job's result that still fails its JSON Schema after the repair call: written as it is, listed for review. */
  schema_invalid: { severity: 'soft', penalty: 50 },
} as const satisfies Record<string, { severity: QaSeverity; penalty: number }>;

export type QaCode = keyof typeof QA_CODES;

export interface QaFlag {
  code: QaCode;
  severity: QaSeverity;
  /** One line for a reviewer (and for the repair prompt): what is wrong, with the tokens involved. */
  message: string;
  /** Tokens or values of the source the translation lacks. */
  missing?: string[];
  /** Tokens or values of the translation the source does not have. */
  extra?: string[];
}

export function flag(code: QaCode, message: string, detail: { missing?: string[]; extra?: string[] } = {}): QaFlag {
  const result: QaFlag = { code, severity: QA_CODES[code].severity, message };
  if (detail.missing?.length) result.missing = detail.missing;
  if (detail.extra?.length) result.extra = detail.extra;
  return result;
}

/**
 * 0–100: 100 minus each distinct code's penalty, floored at 0. A code counts once however many
 * tokens it lists, so one badly broken cell does not look worse than two different problems.
 */
export function qualityScore(flags: readonly QaFlag[]): number {
  const codes = new Set(flags.map((f) => f.code));
  let score = 100;
  for (const code of codes) score -= QA_CODES[code].penalty;
  return Math.max(0, score);
}

export const isHard = (flags: readonly QaFlag[]): boolean => flags.some((f) => f.severity === 'hard');

/**
 * A task's stored `qa_flags` (a JSON array of `code: message` strings: executor/qa-gate.ts
 * formatFlag) read back. Throws on anything else: those are written only by the gate.
 */
export function storedFlags(json: string | null): Array<{ code: string; message: string }> {
  const flags = json ? (JSON.parse(json) as unknown) : [];
  if (!Array.isArray(flags)) throw new TypeError(`qa_flags is not a JSON array: ${json?.slice(0, 80)}`);
  return flags.map((entry) => {
    const flag = String(entry);
    const at = flag.indexOf(':');
    return at < 0 ? { code: flag.trim(), message: '' } : { code: flag.slice(0, at).trim(), message: flag.slice(at + 1).trim() };
  });
}

/** Items of `from` not matched one-for-one in `minus`. */
export function difference(from: readonly string[], minus: readonly string[]): string[] {
  const left = [...minus];
  return from.filter((item) => {
    const at = left.indexOf(item);
    if (at < 0) return true;
    left.splice(at, 1);
    return false;
  });
}

/** "missing {0}; unexpected {1}" for a message. */
export function describe(missing: string[], extra: string[]): string {
  return [missing.length ? `missing ${missing.join(' ')}` : '', extra.length ? `unexpected ${extra.join(' ')}` : ''].filter(Boolean).join('; ');
}
