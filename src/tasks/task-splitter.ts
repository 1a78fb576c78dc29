import { heldRows, type SheetRow, type SheetTable, type WorkbookScan } from '../workbook/sheet-model.ts';
import type { SheetPlan } from './plan-targets.ts';
import { SourceRows, splitBlock, SPLIT_BLOCK_ROWS, SPLIT_BLOCK_TASKS, type SplitOptions, type SplitResult, type TaskDraft } from './split-tasks.ts';

/**
 * One task per (source cell, target language) whose target cell is empty, or all with `overwrite`,
 * made from rows as they stream in (`push`), handed on a block at a time; `out` counts what was
 * made and kept. A sheet's rows are taken `blockRows` at a time, each range split for every plan
 * of the sheet in turn; within a range task ids run by plan, language, then row (rows are stored
 * batch by batch: see toTaskRows). Rows must come in ascending order within a sheet.
 */
export class TaskSplitter {
  readonly #sheets: readonly SheetTable[];
  readonly #options: SplitOptions;
  readonly #out: SplitResult;
  readonly #blockRows: number;
  readonly #blockTasks: number;
  /** Each planned sheet's plans with what their rows share, by sheet index. */
  readonly #sources = new Map<number, SourceRows[]>();
  #range: { sheetIndex: number; end: number; rows: SheetRow[] } | undefined;
  #block: TaskDraft[] = [];

  constructor(sheets: readonly SheetTable[], plans: SheetPlan[], options: SplitOptions, out: SplitResult, blockRows = SPLIT_BLOCK_ROWS) {
    this.#sheets = sheets;
    this.#options = options;
    this.#out = out;
    this.#blockRows = blockRows;
    // The task cap scales with the rows, so a smaller block under a memory budget is smaller in tasks too.
    this.#blockTasks = Math.round((SPLIT_BLOCK_TASKS * blockRows) / SPLIT_BLOCK_ROWS);
    for (const plan of plans) {
      const sheet = sheets[plan.layout.sheetIndex];
      for (const target of plan.targets) {
        if (target.isNew) out.newHeaders.push({ sheetIndex: sheet.index, row: plan.layout.headerRow, col: target.col, text: target.header ?? target.language });
      }
      const sources = this.#sources.get(sheet.index) ?? [];
      this.#sources.set(sheet.index, [...sources, new SourceRows(sheet, plan, options, out)]);
    }
  }

  /** Indexes of the sheets with something to split, in plan order: the rows to push. */
  get sheetIndexes(): number[] {
    return [...this.#sources.keys()];
  }

  /** A row of a planned sheet; answers a block of drafts once one is full. */
  push(sheetIndex: number, row: SheetRow): TaskDraft[] | undefined {
    const sources = this.#sources.get(sheetIndex);
    const firstDataRow = sources?.[0].plan.layout.firstDataRow ?? Infinity;
    if (row.row < firstDataRow) return undefined;
    let full: TaskDraft[] | undefined;
    if (this.#range && (this.#range.sheetIndex !== sheetIndex || row.row >= this.#range.end)) full = this.#splitRange();
    if (!this.#range) {
      // Ranges start at the data's first row, blockRows apart, whichever of them hold rows.
      const start = firstDataRow + Math.floor((row.row - firstDataRow) / this.#blockRows) * this.#blockRows;
      this.#range = { sheetIndex, end: start + this.#blockRows, rows: [] };
    }
    this.#range.rows.push(row);
    return full;
  }

  /** What is left once every row is in. */
  end(): TaskDraft[] | undefined {
    const full = this.#range ? this.#splitRange() : undefined;
    if (full) return full;
    const rest = this.#block;
    this.#block = [];
    return rest.length ? rest : undefined;
  }

  /** Splits the range held for every plan of its sheet; answers the block when that made it full. */
  #splitRange(): TaskDraft[] | undefined {
    const { sheetIndex, rows } = this.#range!;
    this.#range = undefined;
    for (const source of this.#sources.get(sheetIndex) ?? []) {
      const tasks = splitBlock(this.#sheets[sheetIndex], source.plan, source.rows(rows), this.#options, this.#out);
      if (tasks.length) this.#block = this.#block.length ? this.#block.concat(tasks) : tasks;
    }
    if (this.#block.length < this.#blockTasks) return undefined;
    const full = this.#block;
    this.#block = [];
    return full;
  }
}

/** The blocks of a workbook held whole (prepareJob): its rows pushed from memory. */
export function* heldBlocks(sheets: readonly SheetTable[], splitter: TaskSplitter): Generator<TaskDraft[]> {
  for (const sheetIndex of splitter.sheetIndexes) {
    for (const row of heldRows(sheets[sheetIndex])) {
      const block = splitter.push(sheetIndex, row);
      if (block) yield block;
    }
  }
  const rest = splitter.end();
  if (rest) yield rest;
}

/** The blocks of a scanned workbook: its rows streamed from the file again, a sheet at a time. */
export async function* streamedBlocks(scan: WorkbookScan, splitter: TaskSplitter): AsyncGenerator<TaskDraft[]> {
  for (const sheetIndex of splitter.sheetIndexes) {
    for await (const row of scan.rows(sheetIndex)) {
      const block = splitter.push(sheetIndex, row);
      if (block) yield block;
    }
  }
  const rest = splitter.end();
  if (rest) yield rest;
}
