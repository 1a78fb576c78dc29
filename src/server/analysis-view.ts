import type { FanyiConfig } from '../config/config-schema.ts';
import type { MapPlan } from '../map/plan-map.ts';
import { translationCalls } from '../tasks/job-estimate.ts';
import type { TargetColumn } from '../tasks/plan-targets.ts';
import type { PreparedJob } from '../tasks/prepare-job.ts';
import type { LanguageColumn } from '../workbook/language-columns.ts';
import { rowCount, type WorkbookScan } from '../workbook/sheet-model.ts';

export interface Estimate {
  tasks: number;
  unique_texts: number;
  batches: number;
  estimated_calls: number;
  estimated_input_tokens: number;
  estimated_output_tokens: number;
  /** At the configured RPM/TPM throttles; the provider's limits are the only speed limit. */
  estimated_seconds: number;
}

/** Calls, tokens and time a prepared job needs, like `fanyi estimate` (no calls made). */
export function estimateOf(prepared: PreparedJob, config: FanyiConfig): Estimate {
  const { batches, calls, inputTokens: input, outputTokens: output } = translationCalls(prepared, config);
  const perf = config.llm.performance;
  const minutes = Math.max(calls / perf.rpm_throttle, (input + output) / perf.tpm_throttle);
  return {
    tasks: prepared.tally.tasks,
    unique_texts: prepared.uniqueTexts,
    batches,
    estimated_calls: calls,
    estimated_input_tokens: input,
    estimated_output_tokens: output,
    estimated_seconds: Math.round(minutes * 60 * 10) / 10,
  };
}

/** Target languages of a plan, in first-seen order. */
export function languagesOf(prepared: PreparedJob): string[] {
  return [...new Set(prepared.plans.flatMap((p) => p.targets.map((t) => t.language)))];
}

/** The counts `POST /api/v3/translate` answers with once a job is planned and stored. */
export function startedView(prepared: PreparedJob, config: FanyiConfig) {
  return {
    task_count: prepared.tally.tasks,
    unique_texts: prepared.uniqueTexts,
    batches: prepared.batches.length,
    languages: languagesOf(prepared),
    estimated_time: estimateOf(prepared, config).estimated_seconds,
  };
}

/** The counts `POST /api/v3/map` answers with once a map job's rows are planned and stored. */
export function mapStartedView(plan: MapPlan) {
  return {
    task_count: plan.taskCount,
    unique_rows: plan.classes.reduce((sum, c) => sum + c.uniqueRows, 0),
    batches: plan.batches.length,
    classes: plan.classes.map((c) => ({ class: c.className, rows: c.rows, calls: c.batches })),
  };
}

const columnView = (c: LanguageColumn) => ({ column: c.col + 1, header: c.header, language: c.language });
const targetView = (t: TargetColumn) => ({ column: t.col + 1, language: t.language, is_new: t.isNew, ...(t.header ? { header: t.header } : {}) });

/** What an upload found: sheets, language columns, the source, tasks per language and an estimate. */
export function analysisView(document: Pick<WorkbookScan, 'format' | 'sheets'>, prepared: PreparedJob, config: FanyiConfig) {
  const perLanguage = prepared.tally.perLanguage;
  const plansOf = (sheetIndex: number) => prepared.plans.filter((p) => p.layout.sheetIndex === sheetIndex);
  return {
    format: document.format,
    sheets: document.sheets.map((sheet) => {
      const sheetPlans = plansOf(sheet.index);
      const plan = sheetPlans[0];
      return {
        name: sheet.name,
        hidden: sheet.hidden,
        rows: rowCount(sheet),
        header_row: plan ? plan.layout.headerRow + 1 : null,
        language_columns: (plan?.layout.languageColumns ?? []).map((c) => ({ column: c.col + 1, header: c.header, language: c.language, by: c.by, filled: c.filled })),
        // The first field's source: a string table has one field; `fields` lists every field's.
        source: plan ? columnView(plan.source) : null,
        targets: sheetPlans.flatMap((p) => p.targets.map(targetView)),
        fields: sheetPlans.map((p) => ({ name: p.field?.name ?? '', source: columnView(p.source), targets: p.targets.map(targetView) })),
      };
    }),
    skipped_sheets: prepared.skippedSheets,
    languages: languagesOf(prepared),
    tasks_per_language: perLanguage,
    human_translations_kept: prepared.split.keptHuman,
    estimate: estimateOf(prepared, config),
  };
}
