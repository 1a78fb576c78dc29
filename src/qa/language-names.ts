/**
 * Language pickers and "language name" rows are written differently from other text: the
 * target column may name its own language in English ("Russian" in the ru column of a
 * LANGUAGE row) or name each language in that language ("Deutsch" for German in an Arabic UI).
 * Both are deliberate, in a script other than the column's, and must not read as defects.
 */
const ENGLISH = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

let codeByEnglishName: Map<string, string> | undefined;

/** English language name (lower case) → ISO 639-1 code, for every code Intl names; built once. */
function englishNames(): Map<string, string> {
  if (codeByEnglishName) return codeByEnglishName;
  codeByEnglishName = new Map();
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  for (const a of letters) {
    for (const b of letters) {
      const name = ENGLISH.of(a + b);
      if (name && name !== a + b) codeByEnglishName.set(fold(name), a + b);
    }
  }
  return codeByEnglishName;
}

/** Lower case without diacritics: "Māori" and "Maori", "Èdè Yorùbá" and "èdèe yoruba" meet. */
const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();

const base = (lang: string): string => lang.split(/[-_]/)[0].toLowerCase();

/**
 * True when `target` names its own language in English ("Simplified Chinese" in zh-CN), or
 * `source` is an English language name and `target` that language's own name ("German" →
 * "Deutsch", "Ukrainian" → "українська").
 */
export function isLanguageName(source: string, target: string, targetLang: string): boolean {
  const text = fold(target);
  const own = safeName(ENGLISH, base(targetLang));
  if (own && text.includes(fold(own))) return true;
  const named = englishNames().get(fold(source));
  const autonym = named && safeName(new Intl.DisplayNames([named], { type: 'language', fallback: 'none' }), named);
  // The autonym's main word is enough: "Èdè Yorùbá" names Yoruba as "èdèe Yorùbá" does.
  const words = autonym ? fold(autonym).split(/\s+/).filter((w) => w.length >= 4) : [];
  return words.some((word) => text.includes(word));
}

function safeName(names: Intl.DisplayNames, code: string): string | undefined {
  try {
    return names.of(code);
  } catch {
    return undefined;
  }
}
