/**
 * npm run bench:pipeline — end-to-end throughput on a generated 100,000-row workbook (1 source +
 * 3 target columns, ~40% duplicate texts) against the simulated provider at zero latency and no
 * limits. The provider, the baseline (plain exceljs read + write of the same file) and fanyi each
 * run in their own process, so each peak RSS is that process's own.
 *
 * Reports: target cells/s end to end, the time split (read+analyse, split+store, execute, write),
 * peak RSS, calls and tokens per 1,000 cells, the ratio of fanyi's total to the baseline, the
 * ratio of fanyi's CPU seconds to the baseline's (issue 16: ≤ 3×; every thread of each process,
 * the prompt-overhead count excluded; the provider's CPU is its own process's), and the
 * prompt overhead: the share of input tokens that is not cell text (pipeline-prompt-overhead.ts).
 * Options: --rows N (default 100000), --keep (leave the temp dir), --repeat N (default 1): N
 * pairs of baseline and fanyi runs, alternating, each fanyi run on a fresh database. The ratio is
 * taken within each pair, so a host whose speed drifts during the bench (shared machines do, by
 * ±20% here) moves both sides of it; the report gives the median pair and every pair's figures.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import ExcelJS from 'exceljs';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, keep: { type: 'boolean', default: false }, repeat: { type: 'string', default: '1' } } });
const ROWS = Number(values.rows);
const REPEAT = Math.max(1, Number(values.repeat) || 1);
const here = import.meta.dirname;

async function generate(file: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Strings');
  ws.addRow(['Key', 'CH', 'PT', 'TH', 'VN']);
  for (let i = 0; i < ROWS; i++) {
    // 40% of rows repeat one of 500 common strings; the rest are unique.
    const text = i % 5 < 2 ? `常用文本 ${i % 500} {0}` : `物品 ${i} 的描述：造成 %d 点伤害`;
    ws.addRow([`key_${i}`, text, null, null, null]);
  }
  await wb.xlsx.writeFile(file);
}

function startProvider(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, '../test/helpers/simulated-provider.ts'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve({ child, baseUrl: chunk.toString().trim().split('\n')[0] }));
    child.once('exit', (code) => reject(new Error(`simulated provider exited with ${code}`)));
  });
}

async function measured(mode: 'fanyi' | 'baseline', input: string, dir: string, baseUrl = ''): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(here, 'pipeline-run.ts'), mode, input, dir, baseUrl], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** One baseline run and one fanyi run on a fresh database, and the figures derived from them. */
async function pair(input: string, dir: string, baseUrl: string): Promise<Record<string, any>> {
  for (const suffix of ['', '-wal', '-shm']) await unlink(path.join(dir, `fanyi.db${suffix}`)).catch(() => undefined);
  const baseline = await measured('baseline', input, dir);
  const run = await measured('fanyi', input, dir, baseUrl);
  const cells = run.target_cells;
  return {
    rows: ROWS,
    ...run,
    cells_per_s: Math.round(cells / run.total_s),
    calls_per_1000_cells: +((run.calls * 1000) / cells).toFixed(2),
    tokens_per_1000_cells: Math.round((run.tokens * 1000) / cells),
    baseline_exceljs: baseline,
    ratio_to_baseline: +(run.total_s / baseline.total_s).toFixed(2),
    // Issue 16: CPU, so the simulated provider's work on the shared cores does not count against fanyi.
    cpu_ratio_to_baseline: +(run.cpu_s / baseline.cpu_s).toFixed(2),
  };
}

const TARGETS = { cells_per_s: '>= 20000', peak_rss_mb: '<= 1024', ratio_to_baseline: '<= 2', cpu_ratio_to_baseline: '<= 3', prompt_overhead: '<= 0.15' };

/** The median pair by end-to-end time, with every pair's headline figures beside it. */
function summary(pairs: Array<Record<string, any>>): Record<string, any> {
  if (pairs.length === 1) return { ...pairs[0], targets: TARGETS };
  const median = [...pairs].sort((a, b) => a.total_s - b.total_s)[Math.floor(pairs.length / 2)];
  const range = (pick: (p: Record<string, any>) => number) => [Math.min(...pairs.map(pick)), Math.max(...pairs.map(pick))];
  return {
    ...median,
    repeat: pairs.length,
    ranges: {
      total_s: range((p) => p.total_s),
      cells_per_s: range((p) => p.cells_per_s),
      ratio_to_baseline: range((p) => p.ratio_to_baseline),
      cpu_ratio_to_baseline: range((p) => p.cpu_ratio_to_baseline),
      baseline_total_s: range((p) => p.baseline_exceljs.total_s),
      peak_rss_mb: range((p) => p.peak_rss_mb),
    },
    pairs: pairs.map((p) => ({ total_s: p.total_s, split_s: p.split_s, cells_per_s: p.cells_per_s, peak_rss_mb: p.peak_rss_mb, baseline_total_s: p.baseline_exceljs.total_s, ratio_to_baseline: p.ratio_to_baseline, cpu_s: p.cpu_s, baseline_cpu_s: p.baseline_exceljs.cpu_s, cpu_ratio_to_baseline: p.cpu_ratio_to_baseline })),
    targets: TARGETS,
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-bench-'));
const input = path.join(dir, 'bench.xlsx');
process.stderr.write(`generating ${ROWS} rows in ${dir}…\n`);
await generate(input);
const { child, baseUrl } = await startProvider();
try {
  const pairs: Array<Record<string, any>> = [];
  for (let i = 0; i < REPEAT; i++) {
    pairs.push(await pair(input, dir, baseUrl));
    if (REPEAT > 1) process.stderr.write(`pair ${i + 1}/${REPEAT}: ${pairs[i].total_s} s, ${pairs[i].cells_per_s} cells/s, ${pairs[i].ratio_to_baseline}× the baseline (CPU ${pairs[i].cpu_ratio_to_baseline}×)\n`);
  }
  const overhead = pairs[0].prompt_overhead;
  process.stderr.write(`prompt overhead: ${(overhead.share * 100).toFixed(1)}% of input tokens (instructions ${(overhead.instructions_share * 100).toFixed(1)}%, JSON framing ${(overhead.payload_framing_share * 100).toFixed(1)}%; target <= 15%)\n`);
  process.stdout.write(`${JSON.stringify(summary(pairs), null, 2)}\n`);
} finally {
  child.kill();
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
