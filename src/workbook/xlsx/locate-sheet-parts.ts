/**
 * Finds which zip entry holds each worksheet by following the package and workbook
 * relationships, as Excel does, instead of assuming `xl/worksheets/sheetN.xml`.
 */
import { posix } from 'node:path';
import { attribute, unescapeXml } from './sheet-xml-helpers.ts';
import { readEntry, type SourceZip } from './xlsx-zip.ts';

/** Maps sheet names to zip entry names via the package and workbook relationships. */
export async function locateSheetParts(zip: SourceZip): Promise<Map<string, string>> {
  const workbookPart = workbookPartOf(await readXml(zip, '_rels/.rels'));
  const dir = posix.dirname(workbookPart);
  const workbookRels = relationships(await readXml(zip, `${dir}/_rels/${posix.basename(workbookPart)}.rels`), dir);
  const targets = new Map(workbookRels.map((rel) => [rel.id, rel.target]));
  const parts = new Map<string, string>();
  for (const tag of sheetTags(await readXml(zip, workbookPart))) {
    const name = attribute(tag, 'name');
    const target = targets.get(/\s\w+:id\s*=\s*["']([^"']*)/.exec(tag)?.[1] ?? '');
    if (name !== undefined && target !== undefined) parts.set(unescapeXml(name), target);
  }
  return parts;
}

async function readXml(zip: SourceZip, name: string): Promise<string> {
  return (await readEntry(zip, name)).toString('utf8');
}

/** A part's relationship, its target resolved to a zip entry name. */
export interface Relationship {
  id: string;
  type: string;
  target: string;
}

/** The `<sheet …>` tags of the workbook part, in workbook order. */
export function sheetTags(workbookXml: string): string[] {
  return workbookXml.match(/<(?:\w+:)?sheet\s[^>]*>/g) ?? [];
}

/** The workbook part, from the package relationships (`_rels/.rels`), as Excel finds it. */
export function workbookPartOf(rootRelsXml: string): string {
  return relationships(rootRelsXml, '').find((rel) => rel.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
}

/** Targets are relative to the source part's folder unless absolute (leading "/"). */
export function relationships(xml: string, dir: string): Relationship[] {
  return (xml.match(/<(?:\w+:)?Relationship\s[^>]*>/g) ?? []).map((tag) => {
    const target = unescapeXml(attribute(tag, 'Target') ?? '');
    const resolved = target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(dir, target));
    return { id: attribute(tag, 'Id') ?? '', type: attribute(tag, 'Type') ?? '', target: resolved };
  });
}
