/**
 * npm run bench:limits — how close fanyi runs to a provider's rate limit (issue 3, Benchmark).
 *
 * A generated workbook of short UI strings (default 20,000 target cells: 5,000 rows × pt-BR, th,
 * vi, de; ~2% duplicates) is translated three times, each against a fresh simulated provider
 * enforcing RPM 1,200 and TPM 200,000 with 300 ms ± 25% latency:
 *   1. fanyi, as a user runs it: `bin/fanyi.js translate … --rpm 1200 --tpm 200000 --json`;
 *   2. the naive baseline (bench/limits-baseline.ts): the same batches, 10 fixed workers, a 429
 *      retried after its `retry-after`, nothing else;
 *   3. fanyi again with 10% injected faults (2% each of 500, 503, hang, bad JSON, dropped id).
 * Each client runs in its own process and temp dir; the provider runs in this one and measures.
 *
 * Buckets: the provider refills continuously (as OpenAI does) with a burst of one second's worth
 * (`--burst-window 1000`: 3,333 tokens and 20 requests). OpenAI documents that limits "may be
 * quantized, enforced over shorter periods (60,000 requests/minute as 1,000 requests/second)"
 * for requests and for prompt+max_tokens alike; a whole-minute bucket would instead hand every
 * client a free 200,000-token burst at the start, ~40% of this workload.
 *
 * Reports (JSON on stdout, a summary on stderr): the binding limit and the share of it used over
 * the steady state (bench/limits-measure.ts), the 429 share, calls per 1,000 cells, cells/min,
 * and fanyi against the baseline. Every output workbook is checked cell by cell.
 * Options: --cells N (default 20000; e.g. 3000 for a quick check), --burst-window MS, --seed N,
 * --skip-baseline, --skip-faults, --timeline (per second: admitted tokens, admitted, 429s; and
 * when and in which language each 429 came), --fractional-retry-after (send `retry-after: 0.44`
 * rather than RFC 9110 whole seconds), --keep (temp dir), --report FILE (the JSON report to a
 * file as well).
 * Provider habits (issue 17): --targets pt-BR,th (the target columns), --tokens bpe (the provider
 * counts tokens as BPE tokenizers do: a Thai character a token, ~4 ASCII characters a token;
 * default `thirds`, a token per three characters in every script), --without-usage (replies lack
 * `usage`, the `x-ratelimit-*` headers are still sent). The runs:
 *   npm run bench:limits -- --cells 12000 --targets pt-BR,th --tokens bpe --skip-baseline --skip-faults [--without-usage]
 *
 * `retry-after`: whole seconds rounded up by default, as RFC 9110 and real servers (Azure
 * OpenAI: `retry-after` + `retry-after-ms`) send it; the exact wait is in `retry-after-ms`,
 * which fanyi (like the openai SDK) reads first and the naive baseline ignores.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCli } from '../test/helpers/fanyi-cli.ts';
import { startSimulatedProvider, type SimulatedProviderOptions } from '../test/helpers/simulated-provider.ts';
import type { TokenCounting } from '../test/helpers/simulated-tokens.ts';
import { measureRun, timeline, type LimitSettings, type RunMeasure } from './limits-measure.ts';
import { printSummary } from './limits-summary.ts';
import { SOURCE, sourceTexts, TARGETS, writeBenchWorkbook, wrongCells } from './limits-workbook.ts';

const { values } = parseArgs({
  options: {
    cells: { type: 'string', default: '20000' },
    'burst-window': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    'skip-baseline': { type: 'boolean', default: false },
    'skip-faults': { type: 'boolean', default: false },
    timeline: { type: 'boolean', default: false },
    'fractional-retry-after': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    report: { type: 'string' },
    targets: { type: 'string', default: TARGETS.join(',') },
    tokens: { type: 'string', default: 'thirds' },
    'without-usage': { type: 'boolean', default: false },
  },
});
const LIMITS: LimitSettings = { rpm: 1200, tpm: 200_000, burstWindowMs: Number(values['burst-window']), latencyMs: 300 };
const LANGS = values.targets.split(',').map((lang) => lang.trim()).filter(Boolean);
const ROWS = Math.ceil(Number(values.cells) / LANGS.length);
if (values.tokens !== 'thirds' && values.tokens !== 'bpe') throw new Error(`--tokens must be thirds or bpe, got ${values.tokens}`);
const TOKENS: TokenCounting = values.tokens;
const USAGE = !values['without-usage'];
const FAULTS = { rate500: 0.02, rate503: 0.02, hang: 0.02, badJson: 0.02, dropId: 0.02 };
const here = import.meta.dirname;

function providerOptions(faults?: SimulatedProviderOptions['faults']): SimulatedProviderOptions {
  const { rpm, tpm, burstWindowMs, latencyMs } = LIMITS;
  const retryAfterWholeSeconds = !values['fractional-retry-after'];
  return { rpm, tpm, burstWindowMs, latencyMs, latencyJitter: 0.25, seed: Number(values.seed), apiKey: 'bench', recordTexts: false, retryAfterWholeSeconds, faults, usage: USAGE, tokenCounting: TOKENS };
}

/** One client run against a fresh provider (full buckets); returns the client's and the provider's account. */
async function measured(name: string, input: string, dir: string, faults: SimulatedProviderOptions['faults'], client: (input: string, baseUrl: string, runDir: string) => Promise<Record<string, any>>) {
  const runDir = path.join(dir, name);
  await mkdir(runDir);
  const runInput = path.join(runDir, 'strings.xlsx');
  await copyFile(input, runInput);
  const provider = await startSimulatedProvider(providerOptions(faults));
  process.stderr.write(`${name}: running…\n`);
  try {
    const started = performance.now();
    const result = await client(runInput, provider.baseUrl, runDir);
    const wallS = (performance.now() - started) / 1000;
    const measure = measureRun(provider.stats, LIMITS);
    return { result, measure, wallS, timeline: timeline(provider.stats), faultsInjected: provider.stats.faultsInjected };
  } finally {
    await provider.close();
  }
}

async function fanyi(input: string, baseUrl: string, runDir: string): Promise<Record<string, any>> {
  const out = path.join(runDir, 'strings.translated.xlsx');
  const args = ['translate', input, '--from', SOURCE, '--to', LANGS.join(','), '--out', out, '--db', path.join(runDir, 'fanyi.db'), '--json'];
  const provider = ['--provider', 'openai', '--base-url', baseUrl, '--api-key', 'bench', '--model', 'sim', '--rpm', String(LIMITS.rpm), '--tpm', String(LIMITS.tpm)];
  // A run that stalls (a protocol mismatch, a retry storm) must not hold the benchmark for an hour.
  const timeoutMs = 5 * 60_000 + ROWS * LANGS.length * 30;
  const run = await startCli([...args, ...provider], { cwd: runDir, timeoutMs }).done.catch((error: Error) => ({ code: null, stdout: '', stderr: error.message }));
  const { code, stdout, stderr } = run;
  let summary: Record<string, any> = {};
  try {
    summary = JSON.parse(stdout);
  } catch {
    process.stderr.write(`fanyi printed no JSON summary (exit ${code}): ${stderr.slice(-2000)}\n`);
  }
  return { exit_code: code, ...summary, wrong_cells: code === 0 || code === 3 ? await wrongCells(out, TEXTS, LANGS) : null };
}

async function baseline(input: string, baseUrl: string): Promise<Record<string, any>> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'limits-baseline.ts'), input, baseUrl, LANGS.join(','), '10'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`the baseline exited with ${code}`);
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/**
 * The share of the binding limit to reach: 95% on the default provider; issue 17's runs, where
 * the provider counts Thai as BPE tokenizers do, ask 90% with `usage` and 85% without.
 */
function shareTarget(): number {
  if (TOKENS === 'thirds' && USAGE) return 0.95;
  return USAGE ? 0.9 : 0.85;
}

/** Which engine was measured: src/ is edited while benchmarks run, so the report names it. */
function codeVersion(): { commit: string; src_changes: string[] } {
  const git = (...args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: path.join(here, '..'), encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return { commit: git('rev-parse', '--short', 'HEAD'), src_changes: git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean) };
}

/** The figures of one run, per 1,000 cells and per minute, beside the provider's measure. */
function figures(run: { result: Record<string, any>; measure: RunMeasure; wallS: number }, cells: number) {
  const { measure } = run;
  return {
    ...measure,
    calls_per_1000_cells: +((measure.admitted * 1000) / cells).toFixed(2),
    attempts_per_1000_cells: +((measure.requests * 1000) / cells).toFixed(2),
    cells_per_min_active: Math.round((cells * 60) / Math.max(1e-9, measure.active_s)),
    cells_per_min_end_to_end: Math.round((cells * 60) / run.wallS),
    wall_s: +run.wallS.toFixed(1),
  };
}

const TEXTS = sourceTexts(ROWS, Number(values.seed));
const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-bench-limits-'));
const input = path.join(dir, 'strings.xlsx');
process.stderr.write(`bench:limits: ${ROWS * LANGS.length} cells (${ROWS} rows × ${LANGS.join(', ')}), burst window ${LIMITS.burstWindowMs} ms, tokens counted ${TOKENS}, usage ${USAGE ? 'sent' : 'not sent'}, in ${dir}\n`);
process.stderr.write(`command: npm run bench:limits -- ${process.argv.slice(2).join(' ')}\n`);
await writeBenchWorkbook(input, TEXTS, LANGS);
const cells = ROWS * LANGS.length;
try {
  const code = { before: codeVersion(), after: codeVersion() };
  const runs: Record<string, Awaited<ReturnType<typeof measured>>> = {};
  runs.fanyi = await measured('fanyi', input, dir, undefined, fanyi);
  if (!values['skip-baseline']) runs.baseline = await measured('baseline', input, dir, undefined, baseline);
  if (!values['skip-faults']) runs.fanyi_faults = await measured('fanyi-faults', input, dir, FAULTS, fanyi);
  code.after = codeVersion();
  const report: Record<string, any> = {
    code: JSON.stringify(code.before) === JSON.stringify(code.after) ? code.before : code,
    cells,
    rows: ROWS,
    command: `npm run bench:limits -- ${process.argv.slice(2).join(' ')}`.trim(),
    targets_languages: LANGS,
    limits: { ...LIMITS, latency_jitter: 0.25, refill: 'continuous', retry_after: values['fractional-retry-after'] ? 'fractional seconds' : 'whole seconds (retry-after-ms exact)', token_counting: TOKENS, usage: USAGE },
    injected_faults: FAULTS,
  };
  for (const [name, run] of Object.entries(runs)) {
    report[name] = { ...figures(run, cells), client: run.result, faults_injected: name === 'fanyi_faults' ? run.faultsInjected : undefined, timeline: values.timeline ? run.timeline : undefined };
  }
  if (runs.baseline) report.throughput_vs_baseline = +(report.fanyi.cells_per_min_active / report.baseline.cells_per_min_active).toFixed(3);
  report.targets = {
    share_of_binding_limit: `>= ${shareTarget()}`,
    share_429: '<= 0.01',
    throughput_vs_baseline: '>= 1.10',
    fanyi_faults: 'share_of_binding_limit >= 0.85, every task completed',
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (values.report) await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
  printSummary(report);
} finally {
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
