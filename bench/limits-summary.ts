/** The short human summary bench/limits.ts writes to stderr, each figure beside its target. */

const pct = (value: number | undefined, digits = 1): string => (value === undefined ? '—' : `${(value * 100).toFixed(digits)}%`);
const mark = (ok: boolean): string => (ok ? 'met' : 'NOT met');

export function printSummary(report: Record<string, any>): void {
  const lines: string[] = [];
  const { fanyi, baseline, fanyi_faults: faults } = report;
  const row = (name: string, run: Record<string, any> | undefined): void => {
    if (!run) return;
    if (name === 'fanyi' && run.client.exit_code !== 0) {
      lines.push(`${name.padEnd(14)} FAILED (exit ${run.client.exit_code}): no figures`);
      return;
    }
    lines.push(
      `${name.padEnd(14)} ${run.binding_limit.toUpperCase()} ${pct(run.share_of_binding_limit).padStart(6)} (refill ${pct(run.share_of_binding_refill)})` +
        `  429s ${pct(run.share_429, 2).padStart(6)}  ${String(run.calls_per_1000_cells).padStart(5)} calls/1k cells` +
        `  ${String(run.cells_per_min_active).padStart(6)} cells/min  in flight ${run.mean_in_flight} (need ${run.in_flight_needed_at_limit})` +
        `  steady ${run.steady_seconds}s`,
    );
  };
  lines.push(report.command);
  lines.push(`bench:limits — ${report.code?.commit ?? 'src changed during the run'}, ${report.cells} cells (${report.targets_languages.join(', ')}), RPM ${report.limits.rpm}, TPM ${report.limits.tpm}, burst ${report.limits.burstWindowMs} ms, latency ${report.limits.latencyMs} ms ±25%, tokens ${report.limits.token_counting}, usage ${report.limits.usage ? 'sent' : 'not sent'}`);
  if (fanyi.client.tokens) lines.push(`fanyi's account: ${JSON.stringify(fanyi.client.tokens)}`);
  row('fanyi', fanyi);
  row('baseline', baseline);
  row('fanyi+faults', faults);
  const ran = fanyi.client.exit_code === 0;
  const target = Number(String(report.targets.share_of_binding_limit).replace('>=', ''));
  lines.push(`targets: binding limit ≥ ${pct(target, 0)}: ${mark(ran && fanyi.share_of_binding_limit >= target)} · 429s ≤ 1%: ${mark(ran && fanyi.share_429 <= 0.01)}`);
  if (ran && report.throughput_vs_baseline !== undefined) lines.push(`         throughput vs baseline ${report.throughput_vs_baseline}× (≥ 1.10×): ${mark(report.throughput_vs_baseline >= 1.1)}`);
  if (faults) {
    const finished = faults.client.exit_code === 0 && faults.client.counts?.completed === report.cells && faults.client.wrong_cells === 0;
    lines.push(`         with 10% faults ≥ 85%: ${mark(faults.share_of_binding_limit >= 0.85)} · every task finished: ${mark(finished)}`);
  }
  if (report.code?.before) lines.push('WARNING: src/ changed while the benchmark ran (see "code"): the runs may have measured different engines');
  for (const [name, run] of [['fanyi', fanyi], ['fanyi+faults', faults]] as const) {
    if (run && run.client.wrong_cells !== 0) lines.push(`WARNING: ${name}: exit ${run.client.exit_code}, ${run.client.wrong_cells ?? 'unchecked'} output cells wrong or missing`);
  }
  for (const [name, run] of Object.entries({ fanyi, baseline, faults })) {
    if (run && run.steady_seconds < 60) lines.push(`note: ${name}: steady state only ${run.steady_seconds}s (< 60 s); use the default --cells 20000 for the figures of record`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}
