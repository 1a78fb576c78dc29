/**
 * One measured run for bench/pipeline.ts, in a process of its own so that its peak RSS is
 * fanyi's alone. Usage: pipeline-run.ts <mode> <input> <dir> [baseUrl]; prints one JSON line.
 * Modes: `fanyi` (the whole pipeline) and `baseline` (plain exceljs read + write).
 */
import path from 'node:path';
import ExcelJS from 'exceljs';
import { loadConfig } from '../src/config/load-config.ts';
import { readJobInput } from '../src/engine.ts';
import { prepareJob } from '../src/tasks/prepare-job.ts';
import { createEmbeddedEngine } from '../src/presets.ts';
import { promptOverhead } from './pipeline-prompt-overhead.ts';

const [mode, input, dir, baseUrl] = process.argv.slice(2);
const TARGETS = ['pt-BR', 'th', 'vi'];
const seconds = (ms: number) => +(ms / 1000).toFixed(2);
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** CPU seconds of this process (every thread) since `from`. */
const cpuSince = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};

async function baseline(): Promise<object> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(input);
  const t1 = performance.now();
  await wb.xlsx.writeFile(path.join(dir, 'baseline.xlsx'));
  const t2 = performance.now();
  return { total_s: seconds(t2 - t0), read_s: seconds(t1 - t0), write_s: seconds(t2 - t1), cpu_s: +cpuSince(c0).toFixed(2), peak_rss_mb: rssMb() };
}

/**
 * Read, analyse and store the job, as `fanyi translate` does, in a scope of its own: like the
 * CLI, the run that follows holds no reference to the parsed workbook or the task drafts. The
 * prompt overhead is computed here too, off the clock.
 */
async function createMeasured(engine: Awaited<ReturnType<typeof createEmbeddedEngine>>, config: ReturnType<typeof loadConfig>['config']) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const read = await readJobInput({ file: input, to: TARGETS }, config);
  const t1 = performance.now();
  // Analysed, split, packed and stored in one pass over the rows, as the CLI does.
  const { job, prepared } = await engine.createJob({ file: input, to: TARGETS }, read);
  const t2 = performance.now();
  const cpuS = cpuSince(c0);
  return { jobId: job.job_id, uniqueTexts: prepared.uniqueTexts, readMs: t1 - t0, storeMs: t2 - t1, cpuS, overhead: promptOverhead(prepareJob(read.document, config, read.options), engine.prompts) };
}

async function fanyi(): Promise<object> {
  const loaded = loadConfig({ provider: 'openai', baseUrl, apiKey: 'bench', model: 'sim', rpm: 1e9, tpm: 1e12 }, {}, dir);
  const engine = await createEmbeddedEngine({ dbPath: path.join(dir, 'fanyi.db'), loaded });
  const created = await createMeasured(engine, loaded.config);
  // The prompt overhead above is off the clock and off the CPU count.
  const c2 = process.cpuUsage();
  const t2 = performance.now();
  const outcome = await engine.runJob(created.jobId);
  const t3 = performance.now();
  await engine.exportJob(created.jobId, path.join(dir, 'bench.translated.xlsx'));
  const t4 = performance.now();
  const totals = await engine.store.jobTotals(created.jobId);
  await engine.store.close();
  return {
    target_cells: outcome.counts.total,
    completed: outcome.counts.completed,
    unique_texts: created.uniqueTexts,
    total_s: seconds(created.readMs + created.storeMs + (t4 - t2)),
    cpu_s: +(created.cpuS + cpuSince(c2)).toFixed(2),
    split_s: { read_analyse: seconds(created.readMs), split_store: seconds(created.storeMs), execute: seconds(t3 - t2), write: seconds(t4 - t3) },
    peak_rss_mb: rssMb(),
    calls: totals.apiCalls,
    tokens: totals.promptTokens + totals.completionTokens,
    prompt_overhead: created.overhead,
  };
}

process.stdout.write(`${JSON.stringify(mode === 'baseline' ? await baseline() : await fanyi())}\n`);
