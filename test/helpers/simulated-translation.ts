/**
 * The pure, deterministic half of the simulated provider. Tests import these to compute the exact
 * cell they expect in an output workbook, so the server and the assertions can never disagree.
 */

/** Language reported when a system prompt names no BCP-47 tag in brackets. */
export const UNKNOWN_LANGUAGE = 'und';

/**
 * A bracketed BCP-47 tag: language (2–3 letters), optional script (`Hans`), optional region
 * (`BR`, `419`), optional variants. Deliberately rejects ids such as `[t1]` or `[0]`.
 */
const TAG = String.raw`\[([a-zA-Z]{2,3}(?:-[a-zA-Z]{4})?(?:-(?:[a-zA-Z]{2}|\d{3}))?(?:-[a-zA-Z0-9]{5,8})*)\]`;
const BRACKETED_TAG = new RegExp(TAG);
/** `into <name> [tag]` on one line, preferred so a prompt naming the source language first still works. */
const TARGET_TAG = new RegExp(String.raw`\binto\b[^\[\n]*` + TAG, 'i');

/**
 * "Translates" `text` into `lang` by inserting the marker `⟪lang⟫` after the leading whitespace and
 * writing each Han character (each Latin letter too, for a non-Latin target or Vietnamese) in the
 * target's script, one letter for one character:
 * `simulatedTranslation('  Hello {0}\n', 'pt-BR') === '  ⟪pt-BR⟫Hello {0}\n'`,
 * `simulatedTranslation('开始', 'th')` is `⟪th⟫` and two Thai letters.
 *
 * Everything else (placeholders, markup, digits, punctuation, inner and trailing whitespace,
 * newlines) is kept byte for byte, so QA checks pass — the script check included, as a real
 * translation would — and the length stays that of the source plus the marker. Tests compare cells
 * exactly with this function. An empty or whitespace-only string is returned unchanged, because
 * there is nothing to translate and adding a marker would alter the surrounding whitespace.
 */
export function simulatedTranslation(text: string, lang: string): string {
  const leading = /^\s*/.exec(text)![0];
  if (leading.length === text.length) return text;
  return `${leading}⟪${lang}⟫${inTargetScript(text.slice(leading.length), lang)}`;
}

/** One alphabet per target script; Vietnamese gets letters with its diacritics (a QA check wants them). */
const ALPHABETS: Record<string, string> = {
  Latn: 'abcdefghijklmnopqrstuvwxyz',
  vi: 'ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ',
  Thai: 'กขคงจฉชซญดตถทนบปผพฟมยรลวศสหอ',
  Cyrl: 'абвгдежзийклмнопрстуфхцчшщыэюя',
  Grek: 'αβγδεζηθικλμνξοπρστυφχψω',
  Arab: 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي',
  Hebr: 'אבגדהוזחטיכלמנסעפצקרשת',
  Deva: 'कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह',
  Hang: '가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허',
};

/**
 * What a translator copies as it is: placeholders (`{0}`, `{{x}}`, one level of ICU nesting,
 * `%s`, `%1$d`, `%PRICE%`, `${x}`, `$t(key)`), markup (`<b>`, `[b]`), escapes, entities and URLs.
 */
const KEPT = /\{\{[^{}]*\}\}|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|<[^<>]*>|\[[^[\]]*\]|%\w+%|%(?:\d+\$)?[-+ 0#]*\d*(?:\.\d+)?[a-zA-Z@%]|\$\{[^}]*\}|\$t\([^)]*\)|\\[a-z"\\]|&#?\w+;|https?:\/\/\S+/g;

/**
 * Han characters — and for a target not written in plain Latin (Thai, Vietnamese…), Latin letters
 * too — become letters of `lang`'s script, chosen by code point; Han targets keep them. Tokens
 * matched by KEPT are left alone, so placeholders survive byte for byte.
 */
function inTargetScript(text: string, lang: string): string {
  const alphabet = alphabetFor(lang);
  if (!alphabet) return text;
  const letters = alphabet === ALPHABETS.Latn ? /\p{Script=Han}/gu : /[\p{Script=Han}A-Za-z]/gu;
  const convert = (part: string) => part.replace(letters, (char) => alphabet[char.codePointAt(0)! % alphabet.length]);
  let out = '';
  let at = 0;
  for (const match of text.matchAll(KEPT)) {
    out += convert(text.slice(at, match.index)) + match[0];
    at = match.index + match[0].length;
  }
  return out + convert(text.slice(at));
}

/** Alphabets by language tag: Intl.Locale#maximize per text was a tenth of the simulator's time. */
const alphabets = new Map<string, string | undefined>();

function alphabetFor(lang: string): string | undefined {
  if (!alphabets.has(lang)) alphabets.set(lang, scriptAlphabet(lang));
  return alphabets.get(lang);
}

function scriptAlphabet(lang: string): string | undefined {
  if (/^vi\b/i.test(lang)) return ALPHABETS.vi;
  try {
    const script = new Intl.Locale(lang).maximize().script;
    return script === 'Kore' ? ALPHABETS.Hang : ALPHABETS[script ?? ''];
  } catch {
    return undefined;
  }
}

/**
 * The target language named by a system prompt, e.g. `... into Portuguese (Brazil) [pt-BR] ...`
 * gives `pt-BR`: the first bracketed BCP-47 tag following the word "into" on the same line, else
 * the first bracketed BCP-47 tag anywhere. Returns {@link UNKNOWN_LANGUAGE} when there is none,
 * so a malformed prompt still gets an answer.
 */
export function parseTargetLanguage(systemPrompt: string): string {
  return (TARGET_TAG.exec(systemPrompt) ?? BRACKETED_TAG.exec(systemPrompt))?.[1] ?? UNKNOWN_LANGUAGE;
}

/**
 * Deterministic token estimate used for `usage` and the tokens-per-minute limit by default: one
 * token per three UTF-16 code units, rounded up (see simulated-tokens.ts for the BPE-like count).
 */
export { countThirds as estimateTokens } from './simulated-tokens.ts';
