/**
 * Small, deterministic files that are not (good) spreadsheets, for the bad-input tests:
 * OLE/CFB containers that look like an encrypted workbook or a legacy .xls, zips whose
 * directory declares a huge part, and string tables built with exceljs.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';

const OLE_SIGNATURE = Buffer.from('d0cf11e0a1b11ae1', 'hex');
const SECTOR = 512;

/**
 * A minimal OLE/CFB file: the 512-byte header (signature, byte order, sector shift) and one
 * directory sector holding 128-byte entries named `streams` in UTF-16LE, as Office writes them.
 * Encrypted OOXML has `EncryptionInfo` + `EncryptedPackage`; a BIFF8 .xls has `Workbook`.
 */
export function oleFile(streams: readonly string[]): Buffer {
  const header = Buffer.alloc(SECTOR);
  OLE_SIGNATURE.copy(header, 0);
  header.writeUInt16LE(0x003e, 24); // minor version
  header.writeUInt16LE(0x0003, 26); // major version 3
  header.writeUInt16LE(0xfffe, 28); // little-endian byte order mark
  header.writeUInt16LE(9, 30); // 512-byte sectors
  header.writeUInt16LE(6, 32); // 64-byte mini sectors
  header.writeUInt32LE(0, 48); // first directory sector
  const directory = Buffer.alloc(SECTOR);
  ['Root Entry', ...streams].slice(0, SECTOR / 128).forEach((name, i) => {
    const entry = directory.subarray(i * 128, (i + 1) * 128);
    entry.write(name, 0, 'utf16le');
    entry.writeUInt16LE((name.length + 1) * 2, 64);
    entry.writeUInt8(i === 0 ? 5 : 2, 66); // root storage, else stream
  });
  return Buffer.concat([header, directory]);
}

/** `length` bytes that look random (NULs at both parities, no known signature), the same every run. */
export function pseudoRandomBytes(length: number, seed = 'fanyi'): Buffer {
  const chunks: Buffer[] = [];
  for (let i = 0, size = 0; size < length; i++, size += 32) chunks.push(createHash('sha256').update(`${seed}:${i}`).digest());
  const bytes = Buffer.concat(chunks).subarray(0, length);
  bytes[0] = 0x01; // never a zip/OLE/PNG signature by chance
  return bytes;
}

/** The smallest PNG header: signature plus an IHDR chunk start. */
export function pngBytes(): Buffer {
  return Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'), Buffer.alloc(64)]);
}

/** An xlsx with one sheet per entry; `rows` are cell values, the first row the header. */
export async function xlsxBuffer(sheets: Record<string, ExcelJS.CellValue[][]>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const sheet = workbook.addWorksheet(name);
    for (const row of rows) sheet.addRow(row);
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="xml" ContentType="application/xml"/></Types>';
const WORKBOOK =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>';

/**
 * An xlsx-shaped zip (content types, workbook, one sheet) whose sheet part is `sheetBytes` of
 * XML padded with spaces: it deflates to almost nothing, so the zip is tiny.
 */
export async function paddedXlsxZip(sheetBytes: number): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('[Content_Types].xml', CONTENT_TYPES);
  zip.file('xl/workbook.xml', WORKBOOK);
  const open = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
  const close = '</sheetData></worksheet>';
  zip.file('xl/worksheets/sheet1.xml', open + ' '.repeat(Math.max(0, sheetBytes - open.length - close.length)) + close);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/**
 * Rewrites the central-directory "uncompressed size" of the entry `name` to `declared` bytes:
 * a zip bomb as the directory describes it, without building hundreds of megabytes.
 */
export function declareUncompressedSize(zip: Buffer, name: string, declared: number): Buffer {
  const out = Buffer.from(zip);
  for (let pos = out.indexOf(Buffer.from('PK\x01\x02', 'latin1')); pos >= 0; pos = out.indexOf(Buffer.from('PK\x01\x02', 'latin1'), pos + 4)) {
    const nameLength = out.readUInt16LE(pos + 28);
    if (out.toString('utf8', pos + 46, pos + 46 + nameLength) === name) {
      out.writeUInt32LE(declared, pos + 24);
      return out;
    }
  }
  throw new Error(`no central-directory entry ${name}`);
}

export async function writeBytes(file: string, bytes: Buffer | string): Promise<string> {
  await writeFile(file, bytes);
  return file;
}
