/**
 * A map job's tasks and batches: one task per row (`source_text` the JSON of the fields sent),
 * identical rows sent once, rows packed many to a call by the same token budgets translation
 * batches use (tasks/prepare-job.ts packOptions), per class of row (see RowClassifier). A job
 * with `groupBy` plans one task per group instead (map-groups.ts).
 */
import type { FanyiConfig } from '../config/config-schema.ts';
import type { BatchRow, NewTaskRow } from '../store/job-store.ts';
import { packOptions } from '../tasks/prepare-job.ts';
import type { SpreadsheetDocument } from '../workbook/sheet-model.ts';
import { planGroups, type GroupSummary } from './map-groups.ts';
import { callOverheadTokens, exampleTokensByClass } from './map-messages.ts';
import { MapPacker, dedupeScope, groupOf, mapDedupeKey, mapTaskRow, resultTokens, type ClassSummary, type RowClass } from './map-packer.ts';
import { tableRows, type MapRow } from './map-rows.ts';
import { specTable, type MapSpec } from './map-spec.ts';

export { MAP_KIND, resultTokens, type ClassSummary, type RowClass } from './map-packer.ts';

export type RowClassifier = (row: MapRow) => RowClass;

/** The default: every row one class, packed by the token budgets alone. */
export const byTokenBudget: RowClassifier = () => ({ className: 'rows' });

export interface MapPlan {
  tasks: NewTaskRow[];
  batches: BatchRow[];
  classes: ClassSummary[];
  /** A group job's groups: how many, and how many rows were sent of how many. */
  groups?: GroupSummary;
}

/** Plans the job's rows (or groups); `jobId` and `excelId` as translate's tasks carry them. */
export function planMap(document: SpreadsheetDocument, spec: MapSpec, config: FanyiConfig, ids: { jobId: string; excelId: string }, classify: RowClassifier = byTokenBudget): MapPlan {
  // The map prompt and schema ride on every call, as the translation prompt does on translation calls.
  const options = packOptions(config, callOverheadTokens(spec));
  if (spec.groupBy) return planGroups(document, { ...spec, groupBy: spec.groupBy }, options, ids);
  const packer = new MapPacker(options, resultTokens(spec), ids.jobId, exampleTokensByClass(spec));
  const scope = dedupeScope(spec);
  const tasks: NewTaskRow[] = [];
  for (const row of tableRows(document, specTable(document, spec), spec.columns, spec.idColumn)) {
    const sourceText = JSON.stringify(row.fields);
    const dedupeKey = mapDedupeKey(scope, sourceText);
    const rowClass = classify(row);
    const batch = packer.add(dedupeKey, sourceText, rowClass, groupOf(spec.sheetName, rowClass.className));
    const context = { id: row.id, class: rowClass.className };
    tasks.push(mapTaskRow(ids, spec, tasks.length, batch, { sourceText, dedupeKey, context, rowIdx: row.rowIdx, colIdx: spec.firstResultCol }));
  }
  return { tasks, batches: packer.batches, classes: packer.summary() };
}
