/**
 * Making a map job: scan the file, build its spec (map-spec.ts), plan its rows (plan-map.ts) as
 * they stream from the file again and store them as they come, in one transaction, `kind` 'map',
 * with everything a run, resume or export needs in its options.
 */
import path from 'node:path';
import type { FanyiConfig } from '../config/config-schema.ts';
import type { RunSettings } from '../config/run-settings.ts';
import { FanyiError } from '../errors.ts';
import type { JobOptions, TranslateInput } from '../job-types.ts';
import type { FileStore } from '../store/files/file-store.ts';
import type { BatchRow, JobStore, NewJob, NewTaskRows } from '../store/job-store.ts';
import { readLimits } from '../tasks/analyse-file.ts';
import { scanWorkbook } from '../workbook/read-workbook.ts';
import type { WorkbookScan } from '../workbook/sheet-model.ts';
import { resultHeaders } from './map-output.ts';
import { buildMapSpec, type MapInput, type MapSpec } from './map-spec.ts';
import { startMapPlan, type MapPlan, type RowClassifier } from './plan-map.ts';

/** A map job to create (`fanyi map`): the file, what to ask of each row, and how the job is stored and written. */
export interface MapJobInput extends Pick<TranslateInput, 'file' | 'outPath' | 'tenant' | 'jobId' | 'sourceName' | 'priority' | 'lane' | 'writeUnreviewed' | 'highlight' | 'reviewPath' | 'encoding'> {
  map: MapInput;
  /** How rows are packed, per class (plan-map.ts RowClassifier); default the token budgets alone. */
  classify?: RowClassifier;
}

/** The file scanned (its first rows and a summary: workbook/read-workbook.ts) and the spec built; nothing stored, nothing called (`estimate`). */
export async function analyseMap(input: Pick<MapJobInput, 'file' | 'map'>, config: FanyiConfig): Promise<{ document: WorkbookScan; spec: MapSpec }> {
  const document = await scanWorkbook(input.file, readLimits(config));
  return { document, spec: buildMapSpec(document, input.map) };
}

/** What creating a map job uses of the engine. */
export interface MapJobParts {
  store: JobStore;
  files: FileStore;
  config: FanyiConfig;
  /** The run settings stored with the job, and the model its pool calls. */
  run: RunSettings;
  model: string;
  /**
   * Stores the job as it is planned (its options and batches are asked for once its tasks are
   * in); default `store.createJob`. A job stored `analyzing` (the API) is filled with
   * `store.storeJobWork` instead.
   */
  storeJob?: (job: NewJob, tasks: NewTaskRows, batches: () => BatchRow[]) => Promise<void>;
}

/**
 * Stores the job (source, tasks, batches) in one transaction, planned while it is stored; throws
 * before storing anything when the file, prompt or schema is wrong, and rolls the job back when
 * no row has anything to send.
 */
export async function createMapJob(parts: MapJobParts, jobId: string, input: MapJobInput): Promise<MapPlan> {
  const { document, spec } = await analyseMap(input, parts.config);
  const source = await parts.files.put(input.file);
  // The tasks' source id (excel_id), as translate's: the first half of the hash.
  const excelId = source.sha256.slice(0, 32);
  const run = startMapPlan(document, spec, parts.config, { jobId, excelId }, input.classify);
  let plan: MapPlan | undefined;
  // Asked for once the last task is in, inside the transaction: an empty plan undoes it.
  const planned = (): MapPlan => {
    plan ??= run.finish();
    if (!plan.taskCount) {
      const where = plan.groups?.rowsWithoutKey ? `a value in ${spec.groupBy} (--group-by)` : `a value in ${spec.columns.join(', ')}`;
      throw new FanyiError('NOTHING_TO_TRANSLATE', `no row below the header of sheet "${spec.sheetName}" has ${where}`);
    }
    return plan;
  };
  const storeJob = parts.storeJob ?? ((job, tasks, batches) => parts.store.createJob(job, tasks, batches));
  await storeJob(
    {
      jobId,
      kind: 'map',
      lane: input.lane,
      tenant: input.tenant,
      sourceName: input.sourceName ?? path.basename(input.file),
      sourcePath: await parts.files.localPath(source.id),
      sourceFile: source.id,
      excelId,
      outPath: input.outPath ?? null,
      options: () => mapJobOptions(document, spec, parts, planned(), input),
    },
    run.tasks,
    () => planned().batches,
  );
  // Undefined when the store declined the job (an ingestion of a job no longer analyzing): its rows were never read.
  return plan ?? run.finish();
}

function mapJobOptions(document: WorkbookScan, spec: MapSpec, parts: MapJobParts, plan: MapPlan, input: MapJobInput): JobOptions {
  return {
    format: document.format,
    overwrite: false,
    provider: parts.run.provider,
    model: parts.model,
    run: parts.run,
    // A group job's output is a new table (map-group-output.ts), not result columns in a copy.
    newHeaders: spec.groupBy ? [] : resultHeaders(spec),
    keptHuman: 0,
    uniqueTexts: plan.classes.reduce((sum, c) => sum + c.uniqueRows, 0),
    batches: plan.batches.length,
    map: spec,
    ...(plan.groups ? { mapGroups: plan.groups } : {}),
    ...(input.writeUnreviewed ? { writeUnreviewed: true } : {}),
    ...(input.highlight ? { highlight: true } : {}),
    ...(input.reviewPath ? { reviewPath: input.reviewPath } : {}),
    ...(input.encoding ? { encoding: input.encoding } : {}),
    ...(input.priority ? { priority: input.priority } : {}),
  };
}
