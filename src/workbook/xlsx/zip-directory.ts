/**
 * Reads a zip's central directory without inflating anything. Shared by inspect-xlsx.ts, which
 * sniffs a file before any parser touches it, and xlsx-zip.ts, which rewrites the zip around the
 * same records.
 */

const EOCD_SIZE = 22;
const MAX_ZIP_COMMENT = 0xffff;

/** One central-directory record: what inspection and the surgical rewrite need. */
export interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /** The raw central-directory record (fixed part, name, extra field, comment). */
  record: Buffer;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** Where the central directory starts; the last entry's data ends there. */
  offset: number;
  comment: Buffer;
}

/** Reads `length` bytes at `position` (fewer at end of file). */
export type ByteReader = (position: number, length: number) => Promise<Buffer>;

/**
 * Reads a zip's central directory without inflating anything.
 *
 * @returns undefined when the directory cannot be read: truncated, damaged or not a zip.
 */
export async function readZipDirectory(read: ByteReader, size: number): Promise<ZipDirectory | undefined> {
  const tailStart = Math.max(0, size - EOCD_SIZE - MAX_ZIP_COMMENT);
  const tail = await read(tailStart, size - tailStart);
  const eocd = findEocd(tail);
  if (eocd < 0) return undefined;
  const location = await directoryLocation(read, tail, eocd, tailStart);
  if (!location || location.offset + location.size > size) return undefined;
  const entries = parseDirectory(await read(location.offset, location.size), location.count);
  const comment = tail.subarray(eocd + EOCD_SIZE, eocd + EOCD_SIZE + tail.readUInt16LE(eocd + 20));
  return entries && { entries, offset: location.offset, comment };
}

/** The end-of-central-directory record is the last signature whose comment length fits the file. */
function findEocd(tail: Buffer): number {
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50 && i + EOCD_SIZE + tail.readUInt16LE(i + 20) <= tail.length) return i;
  }
  return -1;
}

interface DirectoryLocation {
  offset: number;
  size: number;
  count: number;
}

async function directoryLocation(read: ByteReader, tail: Buffer, eocd: number, tailStart: number): Promise<DirectoryLocation | undefined> {
  const count = tail.readUInt16LE(eocd + 10);
  const size = tail.readUInt32LE(eocd + 12);
  const offset = tail.readUInt32LE(eocd + 16);
  if (count !== 0xffff && size !== 0xffffffff && offset !== 0xffffffff) return { offset, size, count };
  // Zip64: the real values live in a record found through the locator just before the EOCD.
  const locator = eocd - 20;
  if (locator < 0 || tail.readUInt32LE(locator) !== 0x07064b50) return undefined;
  const recordOffset = Number(tail.readBigUInt64LE(locator + 8));
  if (recordOffset + 56 > tailStart + locator) return undefined;
  const record = await read(recordOffset, 56);
  if (record.length < 56 || record.readUInt32LE(0) !== 0x06064b50) return undefined;
  return {
    count: Number(record.readBigUInt64LE(32)),
    size: Number(record.readBigUInt64LE(40)),
    offset: Number(record.readBigUInt64LE(48)),
  };
}

function parseDirectory(directory: Buffer, count: number): ZipEntry[] | undefined {
  const entries: ZipEntry[] = [];
  let pos = 0;
  for (let i = 0; i < count; i++) {
    if (pos + 46 > directory.length || directory.readUInt32LE(pos) !== 0x02014b50) return undefined;
    const end = pos + 46 + directory.readUInt16LE(pos + 28) + directory.readUInt16LE(pos + 30) + directory.readUInt16LE(pos + 32);
    if (end > directory.length) return undefined;
    entries.push(parseRecord(directory.subarray(pos, end)));
    pos = end;
  }
  return entries;
}

/**
 * Fields saturated at 0xFFFFFFFF live in the zip64 extra field (id 1), in the order
 * uncompressed size, compressed size, local header offset, each only when saturated.
 */
function parseRecord(record: Buffer): ZipEntry {
  const nameLength = record.readUInt16LE(28);
  const zip64 = findExtraField(record.subarray(46 + nameLength, 46 + nameLength + record.readUInt16LE(30)), 0x0001);
  let at = 0;
  const field = (offset: number): number => {
    const value = record.readUInt32LE(offset);
    if (value !== 0xffffffff || !zip64 || at + 8 > zip64.length) return value;
    at += 8;
    return Number(zip64.readBigUInt64LE(at - 8));
  };
  const uncompressedSize = field(24);
  const compressedSize = field(20);
  return {
    name: record.toString('utf8', 46, 46 + nameLength),
    flags: record.readUInt16LE(8),
    method: record.readUInt16LE(10),
    compressedSize,
    uncompressedSize,
    localHeaderOffset: field(42),
    record,
  };
}

/** The data of extra field `id`, if present. */
export function findExtraField(extra: Buffer, id: number): Buffer | undefined {
  for (let pos = 0; pos + 4 <= extra.length; ) {
    const length = extra.readUInt16LE(pos + 2);
    if (extra.readUInt16LE(pos) === id) return extra.subarray(pos + 4, pos + 4 + length);
    pos += 4 + length;
  }
  return undefined;
}
