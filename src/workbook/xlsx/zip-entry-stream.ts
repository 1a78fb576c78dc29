/**
 * One zip entry inflated as a stream of text chunks, never as a whole buffer: a 1,000,000-row
 * sheet part is ~100 MB of XML, and the streaming reader holds one chunk of it at a time. The
 * CRC is checked as the chunks pass, so a damaged part fails like readEntry's does.
 */
import { StringDecoder } from 'node:string_decoder';
import { createInflateRaw, crc32 } from 'node:zlib';
import { corruptZip, entryData, type SourceZip } from './xlsx-zip.ts';

/** Inflated chunks of this size: big enough that zlib's thread-pool round trips stay cheap. */
const CHUNK = 1024 * 1024;

/** The entry's text, chunk by chunk (UTF-8 decoded across chunk edges); `CORRUPT_FILE` when it fails to unpack. */
export async function* entryText(zip: SourceZip, name: string): AsyncGenerator<string> {
  const { data, entry } = entryData(zip, name);
  const decoder = new StringDecoder('utf8');
  let crc = 0;
  if (entry.method === 0) {
    crc = crc32(data);
    yield decoder.write(data);
  } else {
    const inflate = createInflateRaw({ chunkSize: CHUNK });
    inflate.end(data);
    try {
      for await (const chunk of inflate as AsyncIterable<Buffer>) {
        crc = crc32(chunk, crc);
        yield decoder.write(chunk);
      }
    } catch {
      throw corruptZip(zip.fileName, `${name} fails to unpack`);
    }
  }
  if (crc !== entry.record.readUInt32LE(16) >>> 0) throw corruptZip(zip.fileName, `${name} fails to unpack`);
  const rest = decoder.end();
  if (rest) yield rest;
}
