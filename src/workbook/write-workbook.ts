import { DEFAULT_READ_LIMITS, type DocumentFormat } from './sheet-model.ts';
import { readCsvDocument } from './csv/csv-document.ts';
import { patchXlsx, type CellEdit, type PatchExtras, type PatchResult } from './xlsx/patch-xlsx.ts';

export type { CellAddress, CellEdit, PatchExtras, PatchResult, TableSheet } from './xlsx/patch-xlsx.ts';

/**
 * Writes a copy of `sourcePath` to `outPath` with only the edited cells changed: xlsx by patching
 * the sheet XML inside the original zip, csv by rewriting only the changed rows. `extras` (an
 * appended sheet, highlighted cells) apply to xlsx only: a CSV holds one table and no styles.
 */
export async function writeTranslatedCopy(sourcePath: string, format: DocumentFormat, outPath: string, edits: CellEdit[], extras: PatchExtras = {}): Promise<PatchResult> {
  if (format === 'xlsx') return patchXlsx(sourcePath, outPath, edits, extras);
  const document = await readCsvDocument(sourcePath, { ...DEFAULT_READ_LIMITS, maxFileBytes: Number.MAX_SAFE_INTEGER, maxCells: Number.MAX_SAFE_INTEGER });
  for (const edit of edits) document.setText(0, edit.row, edit.col, edit.text);
  await document.save(outPath);
  return {};
}
