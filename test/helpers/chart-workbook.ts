/**
 * A string table with a real chart: exceljs cannot write charts, so the workbook it makes gets a
 * clustered bar chart added at the zip level, the way Excel stores one — `xl/charts/chart1.xml`
 * (the series over a numeric column of the sheet), `xl/drawings/drawing1.xml` anchoring it beside
 * the table, the relationships sheet → drawing → chart, a `<drawing>` element in the sheet, and
 * content-type overrides for both parts.
 */
import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';

const SHEET_PART = 'xl/worksheets/sheet1.xml';

/** The parts the chart adds, path → exact bytes written: the write-back must keep them as they are. */
export const CHART_PARTS = {
  'xl/charts/chart1.xml': chartXml(),
  'xl/drawings/drawing1.xml': drawingXml(),
  'xl/drawings/_rels/drawing1.xml.rels': rels('rId1', 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart', '../charts/chart1.xml'),
  'xl/worksheets/_rels/sheet1.xml.rels': rels('rId1', 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing', '../drawings/drawing1.xml'),
} as const;

const OVERRIDES =
  '<Override PartName="/xl/charts/chart1.xml" ContentType="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"/>' +
  '<Override PartName="/xl/drawings/drawing1.xml" ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>';

export interface ChartWorkbook {
  file: string;
  /** The worksheet part that holds the table and the `<drawing>` reference. */
  sheetPart: string;
}

/** `Items` sheet: `Key | CH | PT | Count` over `texts`, PT empty, a bar chart of Count by Key. */
export async function writeChartWorkbook(file: string, texts: readonly string[]): Promise<ChartWorkbook> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Items');
  sheet.addRow(['Key', 'CH', 'PT', 'Count']);
  texts.forEach((text, i) => sheet.addRow([`item_${i + 1}`, text, null, (i + 1) * 10]));
  const zip = await JSZip.loadAsync(await book.xlsx.writeBuffer());
  for (const [name, xml] of Object.entries(CHART_PARTS)) zip.file(name, xml);
  const sheetXml = await zip.file(SHEET_PART)!.async('string');
  // CT_Worksheet order: <drawing> comes after pageMargins/pageSetup (the last things exceljs writes here).
  zip.file(SHEET_PART, sheetXml.replace('</worksheet>', '<drawing r:id="rId1"/></worksheet>'));
  const types = await zip.file('[Content_Types].xml')!.async('string');
  zip.file('[Content_Types].xml', types.replace('</Types>', `${OVERRIDES}</Types>`));
  await writeFile(file, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }));
  return { file, sheetPart: SHEET_PART };
}

function rels(id: string, type: string, target: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="${id}" Type="${type}" Target="${target}"/></Relationships>`
  );
}

function chartXml(): string {
  const axis = (tag: string, id: number, cross: number, pos: string) =>
    `<c:${tag}><c:axId val="${id}"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="${pos}"/><c:crossAx val="${cross}"/></c:${tag}>`;
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ' +
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><c:chart><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>' +
    '<c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>' +
    '<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:strRef><c:f>Items!$D$1</c:f></c:strRef></c:tx>' +
    '<c:cat><c:strRef><c:f>Items!$A$2:$A$5</c:f></c:strRef></c:cat><c:val><c:numRef><c:f>Items!$D$2:$D$5</c:f></c:numRef></c:val></c:ser>' +
    '<c:axId val="500000001"/><c:axId val="500000002"/></c:barChart>' +
    axis('catAx', 500000001, 500000002, 'b') +
    axis('valAx', 500000002, 500000001, 'l') +
    '</c:plotArea><c:plotVisOnly val="1"/></c:chart></c:chartSpace>'
  );
}

function drawingXml(): string {
  const corner = (tag: string, col: number, row: number) =>
    `<xdr:${tag}><xdr:col>${col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:${tag}>`;
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">' +
    `<xdr:twoCellAnchor>${corner('from', 6, 1)}${corner('to', 13, 16)}` +
    '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>' +
    '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">' +
    '<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/>' +
    '</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>'
  );
}
