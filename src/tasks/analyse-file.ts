import type { FanyiConfig } from '../config/config-schema.ts';
import { scanWorkbook } from '../workbook/read-workbook.ts';
import type { ReadLimits, WorkbookScan } from '../workbook/sheet-model.ts';
import { readGlossary } from './glossary/read-glossary.ts';
import type { TaskSink } from './plan-tasks.ts';
import { planJob, type PreparedJob, type PrepareOptions } from './prepare-job.ts';

/** What planning a file needs; the engine's TranslateInput adds how the job is stored and written. */
export interface AnalyseInput {
  file: string;
  to?: string[];
  from?: string;
  /** `--column-name`: header template for new columns of named fields (`{field}_{code}`). */
  columnName?: string;
  overwrite?: boolean;
  /** Job-level context sent with every call (`--context`); default config `translation.game_context`. */
  gameContext?: string;
  /** Glossary file, csv/tsv/xlsx (`--glossary`); default config `translation.glossary`. */
  glossary?: string;
}

/** A file scanned and planned: its scan, the job it would make, and how it was planned (to plan it again as it is stored). */
export interface AnalysedFile {
  document: WorkbookScan;
  prepared: PreparedJob;
  options: PrepareOptions;
}

/** The config's `data_processing.cell_processing` caps and `system.max_memory_usage`, as the workbook readers take them. */
export function readLimits(config: FanyiConfig): ReadLimits {
  const cells = config.data_processing.cell_processing;
  const memoryMb = config.system.max_memory_usage;
  return { maxFileBytes: cells.max_file_mb * 1024 * 1024, maxUncompressedBytes: cells.max_uncompressed_mb * 1024 * 1024, maxCells: cells.max_cells, maxMemoryBytes: memoryMb * 1024 * 1024 };
}

/** The scanned workbook and the planning options (glossary read, game context resolved) of an input. */
export async function readJobInput(input: AnalyseInput, config: FanyiConfig): Promise<{ document: WorkbookScan; options: PrepareOptions }> {
  const document = await scanWorkbook(input.file, readLimits(config));
  const glossaryFile = input.glossary ?? (config.translation.glossary || undefined);
  const glossary = glossaryFile ? await readGlossary(glossaryFile) : undefined;
  const gameContext = input.gameContext ?? config.translation.game_context;
  return { document, options: { to: input.to, from: input.from, columnName: input.columnName, overwrite: input.overwrite ?? false, gameContext, glossary } };
}

/**
 * Reads and plans a file without storing anything or calling anyone (estimate, upload analysis);
 * with `sink.lookupMemory`, counted as a run with translation memory would send it.
 */
export async function analyseFile(input: AnalyseInput, config: FanyiConfig, sink?: TaskSink): Promise<AnalysedFile> {
  const { document, options } = await readJobInput(input, config);
  return { document, options, prepared: await planJob(document, config, options, sink) };
}
