/**
 * `fanyi report`: a map job's results counted (report-fields.ts, summarise-rows.ts) and written as
 * a workbook (report-workbook.ts) into the store's files, where any machine of the store reads it;
 * the job's event log records it (report-state.ts). Reads the store and the job's source; calls no
 * model, so it runs on the `reports` lane (seed 003) or in the asking process.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FanyiConfig } from '../config/config-schema.ts';
import { FanyiError } from '../errors.ts';
import type { JobOptions } from '../job-types.ts';
import { parseResult, rowId } from '../map/map-output.ts';
import { columnOf, tableRows, type MapRow } from '../map/map-rows.ts';
import { specTable, type MapSpec } from '../map/map-spec.ts';
import { laneOf } from '../queue/queue-lanes.ts';
import type { FileStore } from '../store/files/file-store.ts';
import type { JobRow, JobStore } from '../store/job-store.ts';
import { readLimits } from '../tasks/analyse-file.ts';
import { readWorkbook } from '../workbook/read-workbook.ts';
import type { SpreadsheetDocument } from '../workbook/sheet-model.ts';
import { reportFields } from './report-fields.ts';
import { recordReport, type ReportDone } from './report-state.ts';
import { writeReportWorkbook } from './report-workbook.ts';
import { summariseRows, type ReportRow } from './summarise-rows.ts';

/** What a report asks for. */
export interface ReportOptions {
  /** The column whose values group the counts (a product id); default: the job's group column, else a `ProductId` column when the sheet has one. */
  by?: string;
  /** Names the request in the event log (a queued report is looked for by it). Default: a new one. */
  requestId?: string;
}

/** What making a report reads and writes. */
export interface ReportParts {
  store: JobStore;
  files: FileStore;
  config: FanyiConfig;
  /** This machine's files dir: the workbook is written under `reports/` before it is stored. */
  filesDir: string;
  /** A local path holding the job's source (Engine.sourcePath). */
  sourcePath(job: JobRow): Promise<string>;
}

/** Group column used when none is named and the job has no group column: a product id, as review files name it. */
const NATURAL_KEY = /^product[ _-]?id$/i;

/** The map spec of a job a report can count, or a usage error saying why not. */
export function reportableSpec(job: JobRow): MapSpec {
  if (job.kind !== 'map') throw new FanyiError('USAGE', `job ${job.job_id} is a ${job.kind} job; a report counts the results of a map job (fanyi map)`);
  const spec = (JSON.parse(job.options) as Partial<JobOptions>).map;
  if (!spec) throw new FanyiError('USAGE', `job ${job.job_id} is still being prepared (${job.status}); ask for its report once its rows are planned`);
  const { fields } = reportFields(spec.schema);
  if (!fields.length) throw new FanyiError('USAGE', `job ${job.job_id}'s schema has no field a report counts: give a property an enum, or make it a boolean, a string or an array of strings`);
  return spec;
}

/** Makes the report of the job as it is now, stores it and records it in the job's event log. */
export async function makeReport(parts: ReportParts, job: JobRow, options: ReportOptions = {}): Promise<ReportDone> {
  const spec = reportableSpec(job);
  const document = await readWorkbook(await parts.sourcePath(job), readLimits(parts.config));
  const by = groupColumn(document, spec, options.by);
  const rows = await reportRows(parts.store, job.job_id, document, spec, by);
  const { fields, skipped } = reportFields(spec.schema);
  const summary = summariseRows(fields, rows);
  const meta = { jobId: job.job_id, sourceName: job.source_name, sheetName: spec.sheetName, lane: laneOf(job), by: by?.name, counts: await parts.store.countByStatus(job.job_id), keyColumns: spec.columns, resultColumns: spec.resultColumns, generatedAt: new Date() };
  const dir = path.join(parts.filesDir, 'reports');
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `${job.job_id}-${randomBytes(4).toString('hex')}.xlsx`);
  try {
    const sheets = await writeReportWorkbook(temp, meta, rows, summary);
    const stored = await parts.files.put(temp, { ext: '.xlsx' });
    const done: ReportDone = {
      requestId: options.requestId ?? newRequestId(),
      fileId: stored.id,
      by: by?.name ?? null,
      rows: rows.length,
      fields: summary.fields.map((f) => ({ name: f.field.name, kind: f.field.kind, values: f.values.length })),
      skipped: [...skipped, ...summary.skipped],
      sheets,
    };
    await recordReport(parts.store, job.job_id, done);
    return done;
  } finally {
    await rm(temp, { force: true });
  }
}

export function newRequestId(): string {
  return `rep_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** The group column: named (a usage error listing the headers when the sheet has none such), else the job's, else a product id column. */
function groupColumn(document: SpreadsheetDocument, spec: MapSpec, named: string | undefined): { name: string; col: number } | undefined {
  const sheet = document.sheets[specTable(document, spec).sheetIndex];
  const headers = (sheet.rows[spec.headerRow] ?? []).map((v) => (typeof v === 'string' ? v.trim() : ''));
  const wanted = named?.trim() || (spec as MapSpec & { groupBy?: string }).groupBy;
  if (wanted) {
    const col = columnOf(headers, wanted);
    if (col < 0) throw new FanyiError('NO_SOURCE_COLUMN', `--by ${wanted}: no such column in sheet "${spec.sheetName}" (its columns: ${headers.filter(Boolean).join(', ')})`);
    return { name: headers[col], col };
  }
  const col = headers.findIndex((h) => NATURAL_KEY.test(h));
  return col < 0 ? undefined : { name: headers[col], col };
}

/** The job's written results (as its output has them), in row order, with each row's key columns and group. */
async function reportRows(store: JobStore, jobId: string, document: SpreadsheetDocument, spec: MapSpec, by: { name: string; col: number } | undefined): Promise<ReportRow[]> {
  const table = specTable(document, spec);
  const byRow = new Map<number, MapRow>();
  for (const row of tableRows(document, by ? { ...table, columns: { ...table.columns, [by.name]: by.col } } : table, { sent: by ? [...spec.columns, by.name] : spec.columns })) byRow.set(row.rowIdx, row);
  const rows: ReportRow[] = [];
  for await (const r of store.writableResults(jobId, { withContext: true })) {
    const fields = byRow.get(r.rowIdx)?.fields ?? {};
    const group = by ? fields[by.name] : null;
    const keys = Object.fromEntries(spec.columns.map((c) => [c, fields[c] ?? null]));
    rows.push({ row: r.rowIdx + 1, id: rowId(r), group: by ? (group === null || group === undefined || group === '' ? '(none)' : String(group)) : 'All', keys, result: parseResult(r.result) ?? {} });
  }
  return rows.sort((a, b) => a.row - b.row);
}

