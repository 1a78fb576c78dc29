/**
 * Parses a streamed XML part with saxes (the parser exceljs itself uses) and hands its events to
 * a handler by local name, so `x:row` and `row` read alike (strict and prefixed workbooks). A
 * malformed part becomes `CORRUPT_FILE`, as an unreadable workbook always has.
 */
import { SaxesParser } from 'saxes';
import { corruptZip } from './xlsx-zip.ts';

export interface XmlHandler {
  open(name: string, attributes: Readonly<Record<string, string>>): void;
  close(name: string): void;
  /** Character data (entities decoded); only called while `wantsText` is true. */
  text(text: string): void;
  /** Read before each text event: parts are mostly tags and whitespace that nobody needs. */
  readonly wantsText: boolean;
}

const localName = (name: string): string => {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
};

/** Feeds every chunk to saxes; `fileName` and `part` name the failure. */
export async function parseXmlStream(chunks: AsyncIterable<string>, handler: XmlHandler, fileName: string, part: string): Promise<void> {
  const parser = xmlParser(handler, fileName, part);
  for await (const chunk of chunks) parser.write(chunk);
  parser.close();
}

/** A parser fed chunk by chunk, for a caller that takes what each chunk produced before the next (a row stream). */
export function xmlParser(handler: XmlHandler, fileName: string, part: string): { write(chunk: string): void; close(): void } {
  const parser = new SaxesParser({ position: false });
  parser.on('opentag', (tag) => handler.open(localName(tag.name), tag.attributes as Record<string, string>));
  parser.on('closetag', (tag) => handler.close(localName(tag.name)));
  parser.on('text', (text) => {
    if (handler.wantsText) handler.text(text);
  });
  parser.on('cdata', (text) => {
    if (handler.wantsText) handler.text(text);
  });
  const guarded = (step: () => void): void => {
    try {
      step();
    } catch (error) {
      if (error instanceof Error && error.name === 'FanyiError') throw error;
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw corruptZip(fileName, `${part} is not well-formed XML: ${reason}`);
    }
  };
  return { write: (chunk) => guarded(() => parser.write(chunk)), close: () => guarded(() => parser.close()) };
}

export { detached } from '../sheet-model.ts';
