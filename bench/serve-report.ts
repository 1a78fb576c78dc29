/** The verdicts and the table of bench/serve.ts. */

export interface Window {
  name: string;
  seconds: number;
  /** The long job's cells settled in the window, and per second. */
  cells: number;
  cells_per_s: number;
  /** CPU the server process used over the window, in % of one core. */
  server_cpu_percent: number | null;
  /** autocannon's summary, in a load window. */
  load?: Record<string, any>;
}

const TARGETS = { status_p99_ms: 20, status_req_per_s: 2000, throughput_change_percent: 10 };

/** A load window's job throughput against the mean of the idle windows either side of it. */
function change(windows: Window[], index: number): number {
  const idle = (windows[index - 1].cells_per_s + windows[index + 1].cells_per_s) / 2;
  return +(((windows[index].cells_per_s - idle) / idle) * 100).toFixed(1);
}

export function verdicts(windows: Window[]) {
  const status = windows[1].load!;
  const submit = windows[3].load!;
  const statusChange = change(windows, 1);
  return {
    targets: { status_p99_ms: `<= ${TARGETS.status_p99_ms}`, status_req_per_s: `>= ${TARGETS.status_req_per_s}`, job_throughput_change_percent: `within ±${TARGETS.throughput_change_percent}` },
    status: {
      p99_ms: status.latency_ms.p99,
      req_per_s: status.req_per_s,
      job_throughput_change_percent: statusChange,
      meets_targets: status.latency_ms.p99 <= TARGETS.status_p99_ms && status.req_per_s >= TARGETS.status_req_per_s && Math.abs(statusChange) <= TARGETS.throughput_change_percent && !status.non_2xx && !status.errors,
    },
    submit: {
      p99_ms: submit.latency_ms.p99,
      req_per_s: submit.req_per_s,
      jobs_started_per_s: +(submit.req_per_s / 2).toFixed(1),
      job_throughput_change_percent: change(windows, 3),
      non_2xx: submit.non_2xx,
    },
  };
}

export function printTable(report: { windows: Window[]; verdicts: ReturnType<typeof verdicts>; machine: Record<string, unknown> }): void {
  const rows = [['window', 's', 'job cells/s', 'server CPU %', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx']];
  for (const w of report.windows) {
    const l = w.load;
    rows.push([w.name, String(w.seconds), String(w.cells_per_s), String(w.server_cpu_percent ?? '–'), l ? String(l.req_per_s) : '–', l ? String(l.latency_ms.p50) : '–', l ? String(l.latency_ms.p99) : '–', l ? String(l.non_2xx) : '–']);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  const out = [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)];
  const v = report.verdicts;
  out.push('', `status: p99 ${v.status.p99_ms} ms, ${v.status.req_per_s} req/s, job throughput ${v.status.job_throughput_change_percent}% vs idle → ${v.status.meets_targets ? 'meets' : 'MISSES'} the targets`);
  out.push(`submit: p99 ${v.submit.p99_ms} ms, ${v.submit.req_per_s} req/s (${v.submit.jobs_started_per_s} jobs started/s), job throughput ${v.submit.job_throughput_change_percent}% vs idle`);
  out.push(`machine: ${JSON.stringify(report.machine)}`);
  process.stderr.write(`${out.join('\n')}\n`);
}
