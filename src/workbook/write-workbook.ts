import { DEFAULT_READ_LIMITS, type DocumentFormat } from './sheet-model.ts';
import { readCsvDocument } from './csv/csv-document.ts';
import { patchXlsx, type CellEdit } from './xlsx/patch-xlsx.ts';

export type { CellEdit } from './xlsx/patch-xlsx.ts';

/**
 * Writes a copy of `sourcePath` to `outPath` with only the edited cells changed: xlsx by patching
 * the sheet XML inside the original zip, csv by rewriting only the changed rows.
 */
export async function writeTranslatedCopy(sourcePath: string, format: DocumentFormat, outPath: string, edits: CellEdit[]): Promise<void> {
  if (format === 'xlsx') {
    await patchXlsx(sourcePath, outPath, edits);
    return;
  }
  const document = await readCsvDocument(sourcePath, { ...DEFAULT_READ_LIMITS, maxFileBytes: Number.MAX_SAFE_INTEGER, maxCells: Number.MAX_SAFE_INTEGER });
  for (const edit of edits) document.setText(0, edit.row, edit.col, edit.text);
  await document.save(outPath);
}
