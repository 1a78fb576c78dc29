/**
 * The package-level parts the surgical write-back touches when it adds rather than patches: the
 * workbook part (its `<sheets>` list), the workbook's relationships and `[Content_Types].xml`.
 * Each is edited as a string, one element inserted, so everything else in them stays as written.
 * Only parts that really changed are handed back for the rebuilt zip.
 */
import { posix } from 'node:path';
import { attribute, escapeText, unescapeXml } from './sheet-xml-helpers.ts';
import { relationships, sheetTags, workbookPartOf, type Relationship } from './locate-sheet-parts.ts';
import { corruptZip, readEntry, type SourceZip } from './xlsx-zip.ts';

const CONTENT_TYPES = '[Content_Types].xml';
const WORKSHEET_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml';
const STYLES_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml';
const TRANSITIONAL_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export class WorkbookPackage {
  readonly #zip: SourceZip;
  readonly #workbookPart: string;
  readonly #relsPart: string;
  readonly #xml = new Map<string, string>();
  readonly #changed = new Set<string>();
  readonly #added = new Map<string, Buffer>();

  private constructor(zip: SourceZip, workbookPart: string) {
    this.#zip = zip;
    this.#workbookPart = workbookPart;
    this.#relsPart = `${posix.dirname(workbookPart)}/_rels/${posix.basename(workbookPart)}.rels`;
  }

  /** Follows the package relationships to the workbook part, as Excel does. */
  static async open(zip: SourceZip): Promise<WorkbookPackage> {
    const pkg = new WorkbookPackage(zip, workbookPartOf((await readEntry(zip, '_rels/.rels')).toString('utf8')));
    for (const part of [pkg.#workbookPart, pkg.#relsPart, CONTENT_TYPES]) pkg.#xml.set(part, (await readEntry(zip, part)).toString('utf8'));
    return pkg;
  }

  /** The workbook's main namespace (transitional or strict), for a new part to use the same. */
  get namespace(): string {
    const workbook = this.#xml.get(this.#workbookPart)!;
    const prefix = /<(\w+:)?workbook[\s>]/.exec(workbook)?.[1]?.slice(0, -1);
    return new RegExp(`\\sxmlns${prefix ? `:${prefix}` : ''}="([^"]*)"`).exec(workbook)?.[1] ?? 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
  }

  /** Sheet names, in workbook order. */
  sheetNames(): string[] {
    return sheetTags(this.#xml.get(this.#workbookPart)!).map((tag) => unescapeXml(attribute(tag, 'name') ?? ''));
  }

  /**
   * Appends a worksheet after the last sheet, named `wanted`, or `wanted (2)`… when a sheet has
   * that name already (Excel compares names without case). Returns the name it got.
   */
  addWorksheet(wanted: string, xml: string): string {
    const name = uniqueSheetName(this.sheetNames(), wanted);
    const part = this.#freePart(`${posix.dirname(this.#workbookPart)}/worksheets/sheet`, '.xml');
    const id = this.#addRelationship(this.#siblingType('worksheet'), part);
    const workbook = this.#xml.get(this.#workbookPart)!;
    const tags = sheetTags(workbook);
    const sheetId = Math.max(0, ...tags.map((tag) => Number(attribute(tag, 'sheetId')) || 0)) + 1;
    const idAttribute = /\s(\w+):id\s*=/.exec(tags[0] ?? '')?.[1];
    const relation = idAttribute ? `${idAttribute}:id="${id}"` : `xmlns:r="${TRANSITIONAL_RELS}" r:id="${id}"`;
    const p = /<(\w+:)?workbook[\s>]/.exec(workbook)?.[1] ?? '';
    this.#insertBefore(this.#workbookPart, `</${p}sheets>`, `<${p}sheet name="${escapeText(name)}" sheetId="${sheetId}" ${relation}/>`);
    this.#addOverride(part, WORKSHEET_CONTENT_TYPE);
    this.#added.set(part, Buffer.from(xml, 'utf8'));
    return name;
  }

  /** The styles part and its XML; `template` is added as the styles part when the workbook has none. */
  async styles(template: string): Promise<{ part: string; xml: string }> {
    const rel = this.#relationships().find((r) => r.type.endsWith('/styles'));
    if (rel) return { part: rel.target, xml: this.#xml.get(rel.target) ?? (await readEntry(this.#zip, rel.target)).toString('utf8') };
    // `styles.xml` where free: some readers (exceljs) look for that name rather than follow the relationship.
    const plain = posix.normalize(`${posix.dirname(this.#workbookPart)}/styles.xml`);
    const part = this.#zip.byName.has(plain) ? this.#freePart(`${posix.dirname(this.#workbookPart)}/styles`, '.xml') : plain;
    this.#addRelationship(this.#siblingType('styles'), part);
    this.#addOverride(part, STYLES_CONTENT_TYPE);
    this.#added.set(part, Buffer.from(template, 'utf8'));
    return { part, xml: template };
  }

  /** Replaces a part's content: an original part is rewritten, a new one stays new. */
  setPart(part: string, xml: string): void {
    if (this.#added.has(part)) this.#added.set(part, Buffer.from(xml, 'utf8'));
    else {
      this.#xml.set(part, xml);
      this.#changed.add(part);
    }
  }

  /** What to write: originals that changed, and new parts. */
  parts(): { replaced: Map<string, Buffer>; added: Map<string, Buffer> } {
    const replaced = new Map([...this.#changed].map((part) => [part, Buffer.from(this.#xml.get(part)!, 'utf8')]));
    return { replaced, added: this.#added };
  }

  #relationships(): Relationship[] {
    return relationships(this.#xml.get(this.#relsPart)!, posix.dirname(this.#workbookPart));
  }

  /** A relationship type of the same family (transitional or strict) as the workbook's own. */
  #siblingType(kind: 'worksheet' | 'styles'): string {
    const any = this.#relationships().find((r) => /\/(worksheet|styles|theme|sharedStrings)$/.test(r.type))?.type;
    return any ? any.replace(/[^/]+$/, kind) : `${TRANSITIONAL_RELS}/${kind}`;
  }

  #addRelationship(type: string, part: string): string {
    const taken = new Set(this.#relationships().map((r) => r.id));
    let n = taken.size + 1;
    while (taken.has(`rId${n}`)) n++;
    const target = posix.relative(posix.dirname(this.#workbookPart), part);
    const xml = this.#xml.get(this.#relsPart)!;
    const p = /<(\w+:)?Relationships[\s>]/.exec(xml)?.[1] ?? '';
    this.#insertBefore(this.#relsPart, `</${p}Relationships>`, `<${p}Relationship Id="rId${n}" Type="${type}" Target="${target}"/>`);
    return `rId${n}`;
  }

  #addOverride(part: string, contentType: string): void {
    const xml = this.#xml.get(CONTENT_TYPES)!;
    const p = /<(\w+:)?Types[\s>]/.exec(xml)?.[1] ?? '';
    this.#insertBefore(CONTENT_TYPES, `</${p}Types>`, `<${p}Override PartName="/${part}" ContentType="${contentType}"/>`);
  }

  /** `${stem}N${ext}` with the lowest N no entry uses. */
  #freePart(stem: string, ext: string): string {
    const normalized = posix.normalize(stem);
    let n = 1;
    while (this.#zip.byName.has(`${normalized}${n}${ext}`) || this.#added.has(`${normalized}${n}${ext}`)) n++;
    return `${normalized}${n}${ext}`;
  }

  #insertBefore(part: string, closeTag: string, element: string): void {
    const xml = this.#xml.get(part)!;
    const at = xml.lastIndexOf(closeTag);
    if (at < 0) throw corruptZip(this.#zip.fileName, `${part} has no ${closeTag}`);
    this.#xml.set(part, xml.slice(0, at) + element + xml.slice(at));
    this.#changed.add(part);
  }
}

/** `Review`, else `Review (2)`, `Review (3)`…: Excel sheet names are unique without regard to case. */
export function uniqueSheetName(existing: readonly string[], wanted: string): string {
  const taken = new Set(existing.map((name) => name.toLowerCase()));
  if (!taken.has(wanted.toLowerCase())) return wanted;
  let n = 2;
  while (taken.has(`${wanted} (${n})`.toLowerCase())) n++;
  return `${wanted} (${n})`;
}
