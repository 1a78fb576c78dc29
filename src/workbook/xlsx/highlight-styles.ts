/**
 * `--highlight`: flagged cells get a visible fill and keep everything else of their look. Each
 * cellXfs entry a flagged cell uses is cloned once with one added solid fill, so its font,
 * border, number format, alignment and protection stay; clones are appended, so every existing
 * style index keeps its meaning and unflagged cells look exactly as before.
 */
import { elementEnd, findTag, setAttribute } from './sheet-xml-helpers.ts';

/** Light yellow, Excel's "Neutral" tint: visible, and text stays readable on it. */
export const HIGHLIGHT_RGB = 'FFFFF2CC';

/** What a workbook without a styles part gets: Excel's defaults (one font, the two reserved fills). */
export const MINIMAL_STYLES =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
  '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>';

/** Thrown when styles.xml has no `<fills>` or `<cellXfs>` list to extend (Excel always writes both). */
export class UnreadableStyles extends Error {}

export class HighlightStyles {
  readonly #xml: string;
  readonly #prefix: string;
  readonly #xfs: string[];
  /** Original index → index of its highlighted clone, in the order clones were asked for. */
  readonly #clones = new Map<number, number>();

  constructor(stylesXml: string) {
    this.#xml = stylesXml;
    this.#prefix = /<(\w+:)?styleSheet[\s>]/.exec(stylesXml)?.[1] ?? '';
    this.#xfs = children(stylesXml, this.#prefix, 'cellXfs', 'xf');
    if (!this.#xfs.length) throw new UnreadableStyles('has no cellXfs entries');
  }

  /** The highlighted twin of style index `style` (a cell without `s` uses 0); allocated on first use. */
  readonly restyle = (style: string | undefined): string => {
    let index = Number(style ?? 0);
    if (!Number.isInteger(index) || index < 0 || index >= this.#xfs.length) index = 0;
    let clone = this.#clones.get(index);
    if (clone === undefined) this.#clones.set(index, (clone = this.#xfs.length + this.#clones.size));
    return String(clone);
  };

  get isUsed(): boolean {
    return this.#clones.size > 0;
  }

  /** styles.xml with the fill and the clones appended (unchanged when nothing was restyled). */
  toXml(): string {
    if (!this.isUsed) return this.#xml;
    const p = this.#prefix;
    const fillId = children(this.#xml, p, 'fills', 'fill').length;
    const fill = `<${p}fill><${p}patternFill patternType="solid"><${p}fgColor rgb="${HIGHLIGHT_RGB}"/><${p}bgColor indexed="64"/></${p}patternFill></${p}fill>`;
    const clones = [...this.#clones.keys()].map((index) => withFill(this.#xfs[index], fillId));
    return append(append(this.#xml, p, 'cellXfs', clones, this.#xfs.length + clones.length), p, 'fills', [fill], fillId + 1);
  }
}

/** The xf element with its fill replaced: font, border, numFmt and child elements stay. */
function withFill(xf: string, fillId: number): string {
  const tagEnd = xf.indexOf('>');
  const tag = setAttribute(setAttribute(xf.slice(0, tagEnd + 1), 'fillId', String(fillId)), 'applyFill', '1');
  return tag + xf.slice(tagEnd + 1);
}

/** The `<child>` elements of the first `<list>` element, as written. */
function children(xml: string, p: string, list: string, child: string): string[] {
  const { open, close } = bounds(xml, p, list);
  const found: string[] = [];
  for (let pos = findTag(xml, `<${p}${child}`, open, close); pos >= 0; pos = findTag(xml, `<${p}${child}`, pos, close)) {
    const end = elementEnd(xml, pos, xml.indexOf('>', pos), `</${p}${child}>`);
    found.push(xml.slice(pos, end));
    pos = end;
  }
  return found;
}

/** Inserts `elements` at the end of the `<list>` element and sets its count. */
function append(xml: string, p: string, list: string, elements: string[], count: number): string {
  const { open, openEnd, close } = bounds(xml, p, list);
  const tag = setAttribute(xml.slice(open, openEnd + 1), 'count', String(count));
  return xml.slice(0, open) + tag + xml.slice(openEnd + 1, close) + elements.join('') + xml.slice(close);
}

function bounds(xml: string, p: string, list: string): { open: number; openEnd: number; close: number } {
  const open = findTag(xml, `<${p}${list}`, 0, xml.length);
  const openEnd = open < 0 ? -1 : xml.indexOf('>', open);
  const close = openEnd < 0 ? -1 : xml.indexOf(`</${p}${list}>`, openEnd);
  if (close < 0) throw new UnreadableStyles(`has no <${list}> list`);
  return { open, openEnd, close };
}

