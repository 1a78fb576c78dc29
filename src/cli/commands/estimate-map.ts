import type { FanyiConfig } from '../../config/config-schema.ts';
import { formatSeconds } from '../../monitor/progress.ts';
import { callOverheadTokens, exampleTokensByClass } from '../../map/map-messages.ts';
import { analyseMap } from '../../map/map-job.ts';
import { describeGroups, groupFigures } from '../../map/map-groups.ts';
import { measureMap } from '../../map/plan-map.ts';
import { printJson } from '../common.ts';
import type { BatchRow } from '../../store/job-store.ts';
import { callFigures, costLine, runCalls } from '../../tasks/job-estimate.ts';
import { mapInputsFrom, type MapFlags } from './map.ts';

/**
 * `fanyi estimate FILE --prompt P --schema S`: what `fanyi map` would take: rows, unique rows,
 * calls per class, tokens, time at the configured limits and cost. Reads the file, calls no one.
 * `classify`: the classes rows are packed in, as `map` would pack them (default: one class).
 */
export async function estimateMap(file: string, flags: MapFlags & { json?: boolean }, config: FanyiConfig, model: string): Promise<void> {
  const { map, classify } = await mapInputsFrom(flags, config);
  const { document, spec } = await analyseMap({ file, map }, config);
  const plan = await measureMap(document, spec, config, { jobId: 'estimate', excelId: '' }, classify);
  // Each call's prompt and schema, and the examples in exactly the calls of a few-shot class: what the run's calls carry.
  const exampleTokens = exampleTokensByClass(spec);
  const overheadOf = (b: BatchRow) => callOverheadTokens(spec) + exampleTokens(b.lane);
  const perBatch = runCalls(config, plan.batches.map((b) => ({ kind: b.target_lang, items: b.unique_count, tokens: b.est_input_tokens + b.est_output_tokens, overhead: overheadOf(b), priority: b.priority, seq: b.seq })));
  const calls = perBatch.reduce((sum, n) => sum + n, 0);
  const callsOf = (className: string) => plan.batches.reduce((sum, b, i) => sum + (b.lane === className ? perBatch[i] : 0), 0);
  // A group job's tasks are its groups; its rows are those grouped.
  const rows = plan.groups ? plan.groups.rows : plan.taskCount;
  const inputTokens = plan.batches.reduce((sum, b, i) => sum + b.est_input_tokens + perBatch[i] * overheadOf(b), 0);
  const outputTokens = plan.classes.reduce((sum, c) => sum + c.estOutputTokens, 0);
  const perf = config.llm.performance;
  const { minutes, cost } = callFigures(config, model, calls, inputTokens, outputTokens);
  const summary = {
    file,
    kind: 'map',
    model,
    sheet: spec.sheetName,
    columns_sent: spec.columns,
    result_columns: spec.resultColumns,
    rows,
    unique_rows: plan.classes.reduce((sum, c) => sum + c.uniqueRows, 0),
    classes: plan.classes.map((c) => ({ class: c.className, rows: c.rows, unique_rows: c.uniqueRows, batches: c.batches, calls: callsOf(c.className), example_tokens: c.exampleTokens })),
    ...(plan.groups ? { groups: groupFigures(plan.groups) } : {}),
    batches: plan.batches.length,
    estimated_calls: calls,
    calls_per_100_rows: rows ? Number(((100 * calls) / rows).toFixed(2)) : 0,
    estimated_input_tokens: inputTokens,
    estimated_output_tokens: outputTokens,
    estimated_minutes: Number(minutes.toFixed(2)),
    limits: { rpm: perf.rpm_throttle, tpm: perf.tpm_throttle },
    cost,
  };
  if (flags.json) return printJson(summary);
  process.stdout.write(
    [
      plan.groups
        ? `${describeGroups(plan.groups)} of sheet "${spec.sheetName}"; sends ${spec.columns.join(', ')} of each row; results per group: ${spec.resultColumns.join(', ')}`
        : `${summary.rows} rows of sheet "${spec.sheetName}" (${summary.unique_rows} unique); sends ${spec.columns.join(', ')}; results: ${spec.resultColumns.join(', ')}`,
      ...(plan.groups ? [] : summary.classes.map((c) => `  ${c.class}: ${c.rows} rows → ${c.calls} calls${c.calls > c.batches ? ` (${c.batches} batches, the first cut inside the TPM burst until replies confirm the estimates)` : ''}${c.example_tokens ? ` (few-shot: ~${c.example_tokens} example tokens)` : ''}`)),
      plan.groups ? `${calls} calls (one per group)` : `${calls} calls (${summary.calls_per_100_rows} per 100 rows)`,
      `~${inputTokens} input + ~${outputTokens} output tokens`,
      `~${formatSeconds(minutes * 60)} at ${perf.rpm_throttle} RPM / ${perf.tpm_throttle} TPM`,
      costLine(model, cost),
    ].join('\n') + '\n',
  );
}

