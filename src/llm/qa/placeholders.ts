/**
 * Moved to `src/qa/placeholders.ts` with the other QA checks; this re-export keeps imports made
 * before the move working. New code imports from `../../qa/placeholders.ts`.
 */
export * from '../../qa/placeholders.ts';
