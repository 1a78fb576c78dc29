import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { FanyiConfig } from '../../config/config-schema.ts';
import { loadConfig } from '../../config/load-config.ts';
import { analyseFile, type AnalysedFile } from '../../engine.ts';
import { formatSeconds } from '../../monitor/progress.ts';
import { createStore } from '../../store/create-store.ts';
import { storeTarget } from '../../store/store-url.ts';
import type { TaskSink } from '../../tasks/plan-tasks.ts';
import { parseLanguageList } from '../../tasks/plan-targets.ts';
import { describeFields, fieldSummary, type PreparedJob } from '../../tasks/prepare-job.ts';
import { addProviderOptions, columnNameFlag, overridesFrom, printJson, splitList, type CommonFlags } from '../common.ts';
import { EXIT } from '../exit-codes.ts';
import { jobInputs } from './translate.ts';
import { estimateMap } from './estimate-map.ts';
import { callFigures, costLine, translationCalls } from '../../tasks/job-estimate.ts';
import { addMapOptions, type MapFlags } from './map.ts';

interface EstimateFlags extends CommonFlags, MapFlags {
  to?: string;
  from?: string;
  columnName?: string;
  overwrite?: boolean;
  context?: string;
  contextFile?: string;
  glossary?: string;
  memory?: boolean;
}

export function registerEstimate(program: Command, exit: (code: number) => void): void {
  const command = addProviderOptions(
    program
      .command('estimate')
      .description('what a translation (or, with --prompt and --schema, a map job) would take: tasks, unique texts, batches, tokens, calls, time and cost; makes no calls')
      .argument('<file>', 'the workbook')
      .option('--to <langs>', 'target languages, BCP-47, comma-separated')
      .option('--from <lang>', 'source language')
      .option('--column-name <template>', "header of a new column in a named field, with {field} and {code}: '{field}_{code}' (default: the field's style, name_PT)")
      .option('--overwrite', 'count target cells that already hold text too')
      .option('--config <file>', 'config file')
      .option('--db <path>', 'SQLite database whose translation memory would answer texts (default fanyi.db; read only when it exists)')
      .option('--store <url>', 'the same, as a store URL: sqlite:PATH, postgres://… or mysql://… (env FANYI_STORE_URL)')
      .option('--context <text>', 'job-level context, as translate takes it (part of the memory key)')
      .option('--context-file <path>', 'the same, read from a text file')
      .option('--glossary <file>', 'glossary, as translate takes it (its version is part of the memory key)')
      .option('--no-memory', 'count as if nothing were remembered')
      .option('--json', 'print JSON'),
  );
  addMapOptions(command, true).action(async (file: string, flags: EstimateFlags) => {
    const loaded = loadConfig(overridesFrom(flags));
    const { config, provider } = loaded;
    // Estimating needs no key: price the model the run would use even while offline.
    const model = provider.provider === 'pseudo' ? (flags.model ?? process.env.FANYI_MODEL ?? config.llm.model) : provider.model;
    if (flags.prompt || flags.schema || flags.recipe) {
      await estimateMap(file, flags, config, model);
      return exit(EXIT.OK);
    }
    const to = flags.to ? parseLanguageList(splitList(flags.to) ?? [], '--to') : undefined;
    const from = flags.from ? parseLanguageList([flags.from], '--from')[0] : undefined;
    const inputs = await jobInputs(flags);
    const input = { file, to, from, columnName: columnNameFlag(flags.columnName), overwrite: flags.overwrite, ...inputs };
    const prepared = (inputs.memory ?? config.translation.memory) ? await withMemory((sink) => analyseFile(input, config, sink), config) : (await analyseFile(input, config)).prepared;
    const uniqueBefore = prepared.tally.uniqueKeys;
    const { calls, inputTokens, outputTokens } = translationCalls(prepared, config);
    const perf = config.llm.performance;
    const { minutes, cost } = callFigures(config, model, calls, inputTokens, outputTokens);
    const summary = {
      file,
      model,
      tasks: prepared.tally.tasks,
      unique_texts: uniqueBefore,
      duplicates_saved: prepared.tally.tasks - uniqueBefore,
      memory_cells: prepared.memoryCells,
      memory_texts: prepared.memoryTexts,
      texts_to_send: prepared.uniqueTexts,
      human_translations_kept: prepared.split.keptHuman,
      list_cells_skipped: prepared.split.listCellsSkipped,
      batches: prepared.batches.length,
      estimated_calls: calls,
      estimated_input_tokens: inputTokens,
      estimated_output_tokens: outputTokens,
      estimated_minutes: Number(minutes.toFixed(2)),
      limits: { rpm: perf.rpm_throttle, tpm: perf.tpm_throttle },
      cost,
      languages: [...new Set(prepared.plans.flatMap((p) => p.targets.map((t) => t.language)))],
      fields: fieldSummary(prepared),
    };
    if (flags.json) printJson(summary);
    else {
      process.stdout.write(
        [
          `${summary.tasks} cells to translate into ${summary.languages.join(', ') || 'none'}`,
          `${summary.unique_texts} unique texts after de-duplication (${summary.duplicates_saved} duplicates reuse a result)`,
          `${summary.memory_cells} cells (${summary.memory_texts} texts) from translation memory; ${summary.texts_to_send} texts to send`,
          ...(summary.list_cells_skipped ? [`${summary.list_cells_skipped} cells of string[] columns hold several items and are left untranslated (see README "Game-data sheets")`] : []),
          ...(summary.fields.length ? [describeFields(summary.fields)] : []),
          `${summary.batches} batches → ${summary.estimated_calls} calls${calls > summary.batches ? ` (${calls - summary.batches} more: a language's first batches go out cut smaller, inside the TPM burst with a margin, until replies confirm the token estimates)` : ''}`,
          `~${summary.estimated_input_tokens} input + ~${summary.estimated_output_tokens} output tokens`,
          `~${formatSeconds(minutes * 60)} at ${perf.rpm_throttle} RPM / ${perf.tpm_throttle} TPM`,
          costLine(model, summary.cost),
        ].join('\n') + '\n',
      );
    }
    exit(EXIT.OK);
  });
}

/** The job as `translate` would store it: texts earlier jobs in the store translated are not sent. */
async function withMemory(analyse: (sink?: TaskSink) => Promise<AnalysedFile>, config: FanyiConfig): Promise<PreparedJob> {
  const target = storeTarget(config.store);
  // An estimate never creates a SQLite file; a server store is opened (and migrated) as translate would.
  if (target.location.kind === 'sqlite' && !existsSync(target.location.filename)) return (await analyse()).prepared;
  const store = await createStore(target.url);
  try {
    return (await analyse({ lookupMemory: (keys) => store.lookupMemory(keys) })).prepared;
  } finally {
    await store.close();
  }
}

