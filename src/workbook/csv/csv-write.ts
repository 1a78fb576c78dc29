import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { CellValue } from '../sheet-model.ts';
import { quoteField, splitRawFields, type CsvDelimiter } from './csv-parse.ts';

/**
 * Re-serializes a row in which some fields changed. Unchanged fields keep their raw text (quotes,
 * spacing and all); changed ones are quoted minimally, or kept quoted if the old field was.
 * Columns past the old end are padded with empty fields.
 */
export function serializeChangedRow(
  raw: string,
  cells: readonly CellValue[],
  changedCols: ReadonlySet<number>,
  delimiter: CsvDelimiter,
): string {
  const rawFields = splitRawFields(raw, delimiter);
  const width = Math.max(rawFields.length, cells.length);
  const out = new Array<string>(width);
  for (let col = 0; col < width; col++) {
    const old = rawFields[col];
    out[col] = changedCols.has(col) ? quoteField(textOf(cells[col]), delimiter, old?.startsWith('"')) : (old ?? '');
  }
  return out.join(delimiter);
}

function textOf(cell: CellValue | undefined): string {
  return typeof cell === 'string' ? cell : '';
}

/**
 * Writes chunks to `path` atomically: into `path.tmp-<pid>` first, flushed to disk, then renamed
 * over the target, so a crash leaves either the old file or the whole new one, never half.
 */
export async function writeFileAtomic(path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const handle = await open(tmp, 'w');
    try {
      for await (const chunk of chunks) await writeAll(handle, chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** write() may write less than asked; loop until the whole chunk is on disk. */
async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    offset += (await handle.write(chunk, offset)).bytesWritten;
  }
}
