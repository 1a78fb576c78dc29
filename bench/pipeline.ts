/**
 * npm run bench:pipeline — end-to-end throughput on a generated 100,000-row workbook (1 source +
 * 3 target columns, ~40% duplicate texts) against the simulated provider at zero latency and no
 * limits, run as a separate process. Reports cells/s, the time split, peak RSS, calls and tokens
 * per 1,000 cells, and the ratio to a plain exceljs read + write of the same file.
 *
 * Options: --rows N (default 100000), --keep (leave the temp dir).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ExcelJS from 'exceljs';
import { loadConfig } from '../src/config/load-config.ts';
import { analyseFile } from '../src/engine.ts';
import { createEmbeddedEngine } from '../src/presets.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' }, keep: { type: 'boolean', default: false } } });
const ROWS = Number(values.rows);
const TARGETS = ['pt-BR', 'th', 'vi'];

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

async function baseline(file: string, out: string): Promise<number> {
  const t0 = performance.now();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  await wb.xlsx.writeFile(out);
  return performance.now() - t0;
}

function startProvider(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../test/helpers/simulated-provider.ts'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve({ child, baseUrl: chunk.toString().trim().split('\n')[0] }));
    child.once('exit', (code) => reject(new Error(`simulated provider exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-bench-'));
  const input = path.join(dir, 'bench.xlsx');
  process.stderr.write(`generating ${ROWS} rows in ${dir}…\n`);
  await generate(input);
  const baseMs = await baseline(input, path.join(dir, 'baseline.xlsx'));
  const { child, baseUrl } = await startProvider();
  try {
    const loaded = loadConfig({ provider: 'openai', baseUrl, apiKey: 'bench', model: 'sim', rpm: 1e9, tpm: 1e12 }, {}, dir);
    const engine = await createEmbeddedEngine({ dbPath: path.join(dir, 'fanyi.db'), loaded });
    const out = path.join(dir, 'bench.translated.xlsx');
    const t0 = performance.now();
    const analysed = await analyseFile({ file: input, to: TARGETS }, loaded.config);
    const t1 = performance.now();
    const { job } = await engine.createJob({ file: input, to: TARGETS, outPath: null as unknown as string }, analysed);
    const t2 = performance.now();
    const outcome = await engine.runJob(job.job_id);
    const t3 = performance.now();
    await engine.exportJob(job.job_id, out);
    const t4 = performance.now();
    const totals = await engine.store.jobTotals(job.job_id);
    await engine.store.close();
    const cells = outcome.counts.total;
    const totalMs = t4 - t0;
    const report = {
      rows: ROWS,
      target_cells: cells,
      completed: outcome.counts.completed,
      unique_texts: analysed.prepared.uniqueTexts,
      cells_per_s: Math.round(cells / (totalMs / 1000)),
      total_s: +(totalMs / 1000).toFixed(2),
      split_s: { read_analyse: +((t1 - t0) / 1000).toFixed(2), split_store: +((t2 - t1) / 1000).toFixed(2), execute: +((t3 - t2) / 1000).toFixed(2), write: +((t4 - t3) / 1000).toFixed(2) },
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      calls_per_1000_cells: +((totals.apiCalls * 1000) / cells).toFixed(2),
      tokens_per_1000_cells: Math.round(((totals.promptTokens + totals.completionTokens) * 1000) / cells),
      baseline_exceljs_read_write_s: +(baseMs / 1000).toFixed(2),
      ratio_to_baseline: +(totalMs / baseMs).toFixed(2),
      targets: { cells_per_s: '>= 20000', peak_rss_mb: '<= 1024', ratio_to_baseline: '<= 2' },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    child.kill();
    if (!values.keep) await rm(dir, { recursive: true, force: true });
  }
}

await main();
