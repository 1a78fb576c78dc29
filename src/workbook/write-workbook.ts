import type { DocumentFormat } from './sheet-model.ts';
import { patchCsv } from './csv/csv-patch.ts';
import type { EncodingLoss, OutputEncoding } from './csv/output-encoding.ts';
import { patchXlsx, type CellEdit, type PatchExtras, type PatchResult } from './xlsx/patch-xlsx.ts';
import type { SheetEdits } from './sheet-edits.ts';

export type { CellAddress, CellEdit, PatchExtras, PatchResult, TableSheet } from './xlsx/patch-xlsx.ts';
export type { EncodingLoss, OutputEncoding } from './csv/output-encoding.ts';

export interface WriteExtras extends PatchExtras {
  /** CSV only (an xlsx stores its text as UTF-8 XML): `keep` the source's encoding (default) or `utf-8-bom`. */
  encoding?: OutputEncoding;
}

export interface WriteResult extends PatchResult {
  /** CSV only: written text the source's readers cannot read in its encoding; null when none. */
  encodingLoss?: EncodingLoss | null;
}

/**
 * Writes a copy of `sourcePath` to `outPath` with only the edited cells changed: xlsx by patching
 * the sheet XML inside the original zip, csv by streaming its rows through, rewriting only the changed ones. `extras` (an
 * appended sheet, highlighted cells) apply to xlsx only: a CSV holds one table and no styles;
 * its encoding applies to csv only.
 */
export async function writeTranslatedCopy(sourcePath: string, format: DocumentFormat, outPath: string, edits: SheetEdits | Iterable<CellEdit> | AsyncIterable<CellEdit>, extras: WriteExtras = {}): Promise<WriteResult> {
  if (format === 'xlsx') return patchXlsx(sourcePath, outPath, edits, extras);
  return { encodingLoss: await patchCsv(sourcePath, outPath, edits, extras.encoding) };
}
