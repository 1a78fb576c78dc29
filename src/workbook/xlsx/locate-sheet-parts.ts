/**
 * Finds which zip entry holds each worksheet by following the package and workbook
 * relationships, as Excel does, instead of assuming `xl/worksheets/sheetN.xml`.
 */
import { posix } from 'node:path';
import { attribute, unescapeXml } from './sheet-xml-helpers.ts';
import { readEntry, type SourceZip } from './xlsx-zip.ts';

/** Maps sheet names to zip entry names via the package and workbook relationships. */
export async function locateSheetParts(zip: SourceZip): Promise<Map<string, string>> {
  const rootRels = relationships(await readXml(zip, '_rels/.rels'), '');
  const workbookPart = rootRels.find((rel) => rel.type.endsWith('/officeDocument'))?.target ?? 'xl/workbook.xml';
  const dir = posix.dirname(workbookPart);
  const workbookRels = relationships(await readXml(zip, `${dir}/_rels/${posix.basename(workbookPart)}.rels`), dir);
  const targets = new Map(workbookRels.map((rel) => [rel.id, rel.target]));
  const parts = new Map<string, string>();
  for (const tag of (await readXml(zip, workbookPart)).match(/<(?:\w+:)?sheet\s[^>]*>/g) ?? []) {
    const name = attribute(tag, 'name');
    const target = targets.get(/\s\w+:id\s*=\s*["']([^"']*)/.exec(tag)?.[1] ?? '');
    if (name !== undefined && target !== undefined) parts.set(unescapeXml(name), target);
  }
  return parts;
}

async function readXml(zip: SourceZip, name: string): Promise<string> {
  return (await readEntry(zip, name)).toString('utf8');
}

/** Targets are relative to the source part's folder unless absolute (leading "/"). */
function relationships(xml: string, dir: string): Array<{ id: string; type: string; target: string }> {
  return (xml.match(/<(?:\w+:)?Relationship\s[^>]*>/g) ?? []).map((tag) => {
    const target = unescapeXml(attribute(tag, 'Target') ?? '');
    const resolved = target.startsWith('/') ? target.slice(1) : posix.normalize(posix.join(dir, target));
    return { id: attribute(tag, 'Id') ?? '', type: attribute(tag, 'Type') ?? '', target: resolved };
  });
}
