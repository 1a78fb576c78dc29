/**
 * Languages as spreadsheets spell them, re-exported from the files that handle each side: codes
 * and matching, column headers, scripts, and guessing a column's language from its cells.
 */
export { bestLanguageMatch, isValidLanguageCode, languageDisplayName, languagesMatch, normalizeLanguageCode } from './language-codes.ts';
export { languageFromHeader } from './language-headers.ts';
export { detectScript, expectedScript, type ScriptName } from './scripts.ts';
export { guessLanguageFromTexts } from './guess-language.ts';
