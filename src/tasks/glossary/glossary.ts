import { createHash } from 'node:crypto';

/** One glossary line: a source term and how each language must render it. */
export interface GlossaryEntry {
  source: string;
  /** Required translation per language code (as the glossary's header names it). */
  targets: Record<string, string>;
  note?: string;
  /** Brand, product or character name: stays exactly as written in every language. */
  doNotTranslate: boolean;
}

export interface Glossary {
  /**
   * Hash of the content (not of the file): the same terms give the same version whatever the
   * file's format or row order, so translation memory made under it stays valid.
   */
  version: string;
  entries: GlossaryEntry[];
}

/** A glossary from its entries, versioned by content. */
export function makeGlossary(entries: GlossaryEntry[]): Glossary {
  const canonical = entries
    .map((e) => JSON.stringify([e.source, Object.entries(e.targets).sort(([a], [b]) => a.localeCompare(b)), e.note ?? '', e.doNotTranslate]))
    .sort();
  const version = createHash('sha1').update(canonical.join('\n')).digest('hex').slice(0, 16);
  return { version, entries };
}

/** Store rows (`glossary` table): one per (term, language); a do-not-translate term without translations gets language `*`. */
export interface GlossaryRow {
  source_term: string;
  target_lang: string;
  target_term: string | null;
  do_not_translate: number;
  note: string | null;
}

export function toGlossaryRows(glossary: Glossary): GlossaryRow[] {
  return glossary.entries.flatMap((e): GlossaryRow[] => {
    const langs = Object.entries(e.targets);
    const base = { source_term: e.source, do_not_translate: e.doNotTranslate ? 1 : 0, note: e.note ?? null };
    return langs.length ? langs.map(([lang, term]) => ({ ...base, target_lang: lang, target_term: term })) : [{ ...base, target_lang: '*', target_term: null }];
  });
}

export function fromGlossaryRows(version: string, rows: readonly GlossaryRow[]): Glossary {
  const bySource = new Map<string, GlossaryEntry>();
  for (const row of rows) {
    let entry = bySource.get(row.source_term);
    if (!entry) bySource.set(row.source_term, (entry = { source: row.source_term, targets: {}, doNotTranslate: !!Number(row.do_not_translate) }));
    if (row.note) entry.note = row.note;
    if (row.target_term && row.target_lang !== '*') entry.targets[row.target_lang] = row.target_term;
  }
  return { version, entries: [...bySource.values()] };
}
