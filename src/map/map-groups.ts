/**
 * A map job over groups (`--group-by COL`, seed 003's "learning": a model per product from its
 * reviews): the rows that share a value of COL make one item, sent alone in its call, with one
 * result. A group too large for one call is sampled to fit (sample-to-budget.ts), and the ids of
 * the rows sent are stored in its task's context, so `status`, `export` and the API can show
 * what the result was drawn from.
 *
 * On the wire a group is `{"<COL>": value, "rows_in_group": n, "rows": [{fields}, …]}` under its
 * call id (map-group.system.md says so); it is the task's `source_text`, as a row's fields are.
 * Its task's cell is in the group output table (one row per group, groupColumns then the result
 * columns: map-group-output.ts), not in the source.
 */
import type { NewTaskRow } from '../store/job-store.ts';
import { ITEM_OVERHEAD_TOKENS, estimateTokens } from '../tasks/batching/estimate-tokens.ts';
import type { PackOptions } from '../tasks/batching/pack-batches.ts';
import { sampleToBudget, type SampleBudget } from '../tasks/batching/sample-to-budget.ts';
import type { WorkbookScan } from '../workbook/sheet-model.ts';
import { MapPacker, dedupeScope, groupOf, mapDedupeKey, mapTaskRow, resultTokens, type RowClass } from './map-packer.ts';
import { streamedTableRows, type MapRow } from './map-rows.ts';
import { groupColumns, specTable, type MapSpec } from './map-spec.ts';
import type { MapPlanRun } from './plan-map.ts';

/** Every group is one class, one group per call. */
export const GROUP_CLASS: RowClass = { className: 'groups', maxItemsPerCall: 1 };

/** A group's task context (`source_context`): the group's value, its size, and the ids of the rows sent. */
export interface GroupContext {
  id: string | number;
  class: string;
  rows: number;
  sent: Array<string | number>;
}

/** What `estimate`, the job's summary and `status` say of a group job. */
export interface GroupSummary {
  groupBy: string;
  groups: number;
  /** Rows in some group, and rows left out because their COL cell is empty. */
  rows: number;
  rowsWithoutKey: number;
  /** Groups too large for one call, sampled; rows sent over all groups. */
  sampledGroups: number;
  rowsSent: number;
}

interface Group {
  value: string | number;
  rows: MapRow[];
}

/**
 * One task and one single-group batch per group, in order of first appearance in the sheet. The
 * rows are gathered before the first task is made (a group is whole only at the sheet's end), so
 * a group job holds its rows' sent fields; the tasks are handed on one by one.
 */
export function startGroupPlan(scan: WorkbookScan, spec: MapSpec & { groupBy: string }, options: PackOptions, ids: { jobId: string; excelId: string }): MapPlanRun {
  const outTokens = resultTokens(spec);
  const budget = groupBudget(options, outTokens);
  const packer = new MapPacker(options, outTokens, ids.jobId);
  const scope = dedupeScope(spec);
  const summary: GroupSummary = { groupBy: spec.groupBy, groups: 0, rows: 0, rowsWithoutKey: 0, sampledGroups: 0, rowsSent: 0 };
  let count = 0;
  async function* tasks(): AsyncGenerator<NewTaskRow> {
    const { groups, rowsWithoutKey } = await groupRows(streamedTableRows(scan, specTable(scan, spec), { sent: spec.columns, idColumn: spec.idColumn, groupColumn: spec.groupBy }));
    Object.assign(summary, { groups: groups.length, rowsWithoutKey });
    for (const group of groups) {
      const { sourceText, sent } = renderGroup(spec.groupBy, group, budget);
      summary.rows += group.rows.length;
      summary.rowsSent += sent.length;
      if (sent.length < group.rows.length) summary.sampledGroups++;
      const dedupeKey = mapDedupeKey(scope, sourceText);
      const batch = packer.add(dedupeKey, sourceText, GROUP_CLASS, groupOf(spec.sheetName, GROUP_CLASS.className));
      const context: GroupContext = { id: group.value, class: GROUP_CLASS.className, rows: group.rows.length, sent: sent.map((row) => row.id) };
      const g = count++;
      // Row g + 1 of the output table (its header is row 0), the first result column after groupColumns.
      yield mapTaskRow(ids, spec, g, batch, { sourceText, dedupeKey, context, rowIdx: g + 1, colIdx: groupColumns(spec.groupBy).length });
    }
  }
  return { tasks: tasks(), finish: () => ({ taskCount: count, batches: packer.batches, classes: packer.summary(), groups: summary }) };
}

/** Rows by their group value (text trimmed), groups in order of first appearance; rows with an empty value are counted, not grouped. */
export async function groupRows(rows: AsyncIterable<MapRow> | Iterable<MapRow>): Promise<{ groups: Group[]; rowsWithoutKey: number }> {
  const byKey = new Map<string, Group>();
  let rowsWithoutKey = 0;
  for await (const row of rows) {
    const value = typeof row.group === 'string' ? row.group.trim() : row.group;
    if (value === null || value === undefined || value === '') {
      rowsWithoutKey++;
      continue;
    }
    const key = String(value);
    const group = byKey.get(key);
    if (group) group.rows.push(row);
    else byKey.set(key, { value, rows: [row] });
  }
  return { groups: [...byKey.values()], rowsWithoutKey };
}

/**
 * The input budget of one group: the packer's (input tokens, characters), and within the tokens
 * one call may take (maxCallTokens, a share of the TPM burst, less the call's own prompt and
 * schema: packOptions with the map's overhead) what is left after the reply.
 */
export function groupBudget(options: PackOptions, outTokens: number): SampleBudget {
  const call = (options.maxCallTokens ?? Number.POSITIVE_INFINITY) - outTokens;
  return { tokens: Math.min(options.maxInputTokens, call) - ITEM_OVERHEAD_TOKENS, chars: options.maxChars };
}

/** The group as sent, and the rows in it: all of them when they fit `budget`, else a deterministic sample (by row id and fields). */
export function renderGroup(groupBy: string, group: Group, budget: SampleBudget): { sourceText: string; sent: MapRow[] } {
  const head = `{${JSON.stringify(groupBy)}:${JSON.stringify(group.value)},"rows_in_group":${group.rows.length},"rows":[`;
  const tail = ']}';
  const rows = group.rows.map((row) => JSON.stringify(row.fields));
  const items = rows.map((json, i) => ({ key: `${String(group.rows[i].id)}\u0000${json}`, tokens: estimateTokens(`${json},`), chars: json.length + 1 }));
  const frame = { tokens: estimateTokens(head + tail), chars: head.length + tail.length };
  const taken = sampleToBudget(items, { tokens: budget.tokens - frame.tokens, chars: budget.chars - frame.chars });
  return { sourceText: `${head}${taken.map((i) => rows[i]).join(',')}${tail}`, sent: taken.map((i) => group.rows[i]) };
}

/** `207 groups by ProductId (1000 rows; 1 group sampled to fit a call: 934 rows sent)`, for the CLI. */
export function describeGroups(g: GroupSummary): string {
  const sampled = g.sampledGroups ? `${g.sampledGroups} group${g.sampledGroups > 1 ? 's' : ''} sampled to fit a call: ${g.rowsSent} rows sent` : 'every row sent';
  const without = g.rowsWithoutKey ? `; ${g.rowsWithoutKey} rows without a ${g.groupBy} left out` : '';
  return `${g.groups} groups by ${g.groupBy} (${g.rows} rows; ${sampled}${without})`;
}

/** A group job's figures as `--json` prints them (`estimate`'s `groups`, `status`'s `map_groups`). */
export function groupFigures(g: GroupSummary) {
  return { group_by: g.groupBy, groups: g.groups, rows: g.rows, rows_without_key: g.rowsWithoutKey, sampled_groups: g.sampledGroups, rows_sent: g.rowsSent };
}
