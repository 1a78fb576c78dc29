/**
 * A map job's tasks and batches: one task per row (`source_text` the JSON of the fields sent),
 * identical rows sent once, rows packed many to a call by the same token budgets translation
 * batches use (tasks/prepare-job.ts packOptions), per class of row (see RowClassifier). A job
 * with `groupBy` plans one task per group instead (map-groups.ts).
 *
 * The rows stream from the file (a scan's rows) and each task is handed on as it is made, so a
 * job of any size is planned holding one entry per unique row and the batches, as translate's is.
 */
import type { FanyiConfig } from '../config/config-schema.ts';
import type { BatchRow, NewTaskRow } from '../store/job-store.ts';
import { packOptions } from '../tasks/prepare-job.ts';
import type { WorkbookScan } from '../workbook/sheet-model.ts';
import { startGroupPlan, type GroupSummary } from './map-groups.ts';
import { callOverheadTokens, exampleTokensByClass } from './map-messages.ts';
import { MapPacker, dedupeScope, groupOf, mapDedupeKey, mapTaskRow, resultTokens, type ClassSummary, type RowClass } from './map-packer.ts';
import { streamedTableRows, type MapRow } from './map-rows.ts';
import { specTable, type MapSpec } from './map-spec.ts';

export { MAP_KIND, resultTokens, type ClassSummary, type RowClass } from './map-packer.ts';

export type RowClassifier = (row: MapRow) => RowClass;

/** The default: every row one class, packed by the token budgets alone. */
export const byTokenBudget: RowClassifier = () => ({ className: 'rows' });

/** A planned job: how many tasks (rows, or groups), its batches and its classes. */
export interface MapPlan {
  taskCount: number;
  batches: BatchRow[];
  classes: ClassSummary[];
  /** A group job's groups: how many, and how many rows were sent of how many. */
  groups?: GroupSummary;
}

/** A map job being planned: its task rows, made as the rows stream in (read them once), and the plan once they are all through. */
export interface MapPlanRun {
  tasks: AsyncIterable<NewTaskRow>;
  finish(): MapPlan;
}

/** Plans the job's rows (or groups) of `scan`; `jobId` and `excelId` as translate's tasks carry them. */
export function startMapPlan(scan: WorkbookScan, spec: MapSpec, config: FanyiConfig, ids: { jobId: string; excelId: string }, classify: RowClassifier = byTokenBudget): MapPlanRun {
  // The map prompt and schema ride on every call, as the translation prompt does on translation calls.
  const options = packOptions(config, callOverheadTokens(spec));
  if (spec.groupBy) return startGroupPlan(scan, { ...spec, groupBy: spec.groupBy }, options, ids);
  const packer = new MapPacker(options, resultTokens(spec), ids.jobId, exampleTokensByClass(spec));
  const scope = dedupeScope(spec);
  let count = 0;
  async function* tasks(): AsyncGenerator<NewTaskRow> {
    for await (const row of streamedTableRows(scan, specTable(scan, spec), { sent: spec.columns, idColumn: spec.idColumn })) {
      const sourceText = JSON.stringify(row.fields);
      const dedupeKey = mapDedupeKey(scope, sourceText);
      const rowClass = classify(row);
      const batch = packer.add(dedupeKey, sourceText, rowClass, groupOf(spec.sheetName, rowClass.className));
      const context = { id: row.id, class: rowClass.className };
      yield mapTaskRow(ids, spec, count++, batch, { sourceText, dedupeKey, context, rowIdx: row.rowIdx, colIdx: spec.firstResultCol });
    }
  }
  return { tasks: tasks(), finish: () => ({ taskCount: count, batches: packer.batches, classes: packer.summary() }) };
}

/** The whole plan with every task in hand: for tests and tables small enough to look at whole. */
export async function planMap(scan: WorkbookScan, spec: MapSpec, config: FanyiConfig, ids: { jobId: string; excelId: string }, classify?: RowClassifier): Promise<MapPlan & { tasks: NewTaskRow[] }> {
  const run = startMapPlan(scan, spec, config, ids, classify);
  const tasks: NewTaskRow[] = [];
  for await (const task of run.tasks) tasks.push(task);
  return { ...run.finish(), tasks };
}

/** The plan, its tasks made and let go (none held): what `estimate` reads, at any size. */
export async function measureMap(scan: WorkbookScan, spec: MapSpec, config: FanyiConfig, ids: { jobId: string; excelId: string }, classify?: RowClassifier): Promise<MapPlan> {
  const run = startMapPlan(scan, spec, config, ids, classify);
  for await (const _task of run.tasks);
  return run.finish();
}
