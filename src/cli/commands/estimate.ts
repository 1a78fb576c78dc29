import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { analyseFile } from '../../engine.ts';
import { formatSeconds } from '../../monitor/progress.ts';
import { parseLanguageList } from '../../tasks/plan-targets.ts';
import { addProviderOptions, overridesFrom, printJson, splitList, type CommonFlags } from '../common.ts';
import { EXIT } from '../exit-codes.ts';

/** Per-call prompt overhead (system prompt and framing) in tokens, as sent by the executor. */
const PROMPT_OVERHEAD = 250;

export function registerEstimate(program: Command, exit: (code: number) => void): void {
  addProviderOptions(
    program
      .command('estimate')
      .description('what a translation would take: tasks, unique texts, batches, tokens, calls, time and cost; makes no calls')
      .argument('<file>', 'the workbook')
      .option('--to <langs>', 'target languages, BCP-47, comma-separated')
      .option('--from <lang>', 'source language')
      .option('--overwrite', 'count target cells that already hold text too')
      .option('--config <file>', 'config file')
      .option('--json', 'print JSON'),
  ).action(async (file: string, flags: CommonFlags & { to?: string; from?: string; overwrite?: boolean }) => {
    const loaded = loadConfig(overridesFrom(flags));
    const { config, provider } = loaded;
    const to = flags.to ? parseLanguageList(splitList(flags.to) ?? [], '--to') : undefined;
    const from = flags.from ? parseLanguageList([flags.from], '--from')[0] : undefined;
    const { prepared } = await analyseFile({ file, to, from, overwrite: flags.overwrite }, config);
    const calls = prepared.batches.length;
    const inputTokens = prepared.batches.reduce((s, b) => s + b.estInputTokens, 0) + calls * PROMPT_OVERHEAD;
    const outputTokens = prepared.batches.reduce((s, b) => s + b.estOutputTokens, 0);
    const perf = config.llm.performance;
    const minutes = Math.max(calls / perf.rpm_throttle, (inputTokens + outputTokens) / perf.tpm_throttle);
    // Estimating needs no key: price the model the run would use even while offline.
    const model = provider.provider === 'pseudo' ? (flags.model ?? process.env.FANYI_MODEL ?? config.llm.model) : provider.model;
    const price = config.llm.pricing[model];
    const cost = price ? (inputTokens * price.input_per_1m + outputTokens * price.output_per_1m) / 1e6 : undefined;
    const summary = {
      file,
      model,
      tasks: prepared.split.tasks.length,
      unique_texts: prepared.uniqueTexts,
      duplicates_saved: prepared.split.tasks.length - prepared.uniqueTexts,
      human_translations_kept: prepared.split.keptHuman,
      batches: calls,
      estimated_calls: calls,
      estimated_input_tokens: inputTokens,
      estimated_output_tokens: outputTokens,
      estimated_minutes: Number(minutes.toFixed(2)),
      limits: { rpm: perf.rpm_throttle, tpm: perf.tpm_throttle },
      cost: cost === undefined ? null : { amount: Number(cost.toFixed(4)), currency: price!.currency },
      languages: [...new Set(prepared.plans.flatMap((p) => p.targets.map((t) => t.language)))],
    };
    if (flags.json) printJson(summary);
    else {
      process.stdout.write(
        [
          `${summary.tasks} cells to translate into ${summary.languages.join(', ') || 'none'}`,
          `${summary.unique_texts} unique texts after de-duplication (${summary.duplicates_saved} duplicates reuse a result)`,
          `${summary.batches} batches → ${summary.estimated_calls} calls`,
          `~${summary.estimated_input_tokens} input + ~${summary.estimated_output_tokens} output tokens`,
          `~${formatSeconds(minutes * 60)} at ${perf.rpm_throttle} RPM / ${perf.tpm_throttle} TPM`,
          costLine(model, summary.cost),
        ].join('\n') + '\n',
      );
    }
    exit(EXIT.OK);
  });
}

function costLine(model: string, cost: { amount: number; currency: string } | null): string {
  return cost ? `cost: ~${cost.amount} ${cost.currency} (${model})` : `cost: set llm.pricing.${model} in the config to see it`;
}
