/**
 * npm run bench:big — a million rows in bounded memory and linear time (issue 16).
 *
 * Generates string tables of --rows sizes (default 100000,1000000: Key, CH source, EN filled as a
 * reference, PT/TH/VN empty; ~40% duplicate texts) with exceljs's streaming WorkbookWriter into a
 * temp dir, then runs, each in its own process under /usr/bin/time (peak RSS is that process's):
 *   - baseline: exceljs's streaming WorkbookReader reading every cell of the file;
 *   - `fanyi estimate --to pt-BR,th,vi --json`;
 *   - `fanyi translate --provider pseudo --to pt-BR,th,vi` end to end (read, store, run, write),
 *     with limits raised out of the way (--rpm 1e9 --tpm 1e12) so the pipeline, not the limiter, is timed;
 *   - optional steps `estimate-csv` and `translate-csv`: the same on the same table saved as a UTF-8 CSV;
 *   - optional steps `map-estimate` and `map`: `fanyi estimate FILE --prompt P --schema S` and
 *     `fanyi map … --provider pseudo` end to end (limits out of the way, as translate's), a map
 *     that sends the CH column and asks one string back per row, its results written as a column.
 * Reports peak RSS, wall and CPU time per step, target cells/s, and the ratios the issue asks
 * for: estimate time (wall and CPU) / WorkbookReader time, and the big run's cells/s against the
 * small run's (both measured in this run).
 * `--inline` writes every text as an inline string instead of into the shared-strings table: the
 * issue's hostile sheet, whose XML carries each text where it is used (1,200,000 rows: ~420 MB).
 * Options: --fanyi <path to bin/fanyi.js> (another checkout, for before/after) · --rows 100000,1000000 · --inline · --steps reader,estimate,translate[,estimate-csv,translate-csv] · --timeout S (per step,
 * default 1800; a step that times out is reported with the RSS it reached) · --keep · --out FILE.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000,1000000' },
    steps: { type: 'string', default: 'reader,estimate,translate' },
    timeout: { type: 'string', default: '1800' },
    keep: { type: 'boolean', default: false },
    inline: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-big.json' },
    fanyi: { type: 'string' },
  },
});
const here = import.meta.dirname;
const root = path.join(here, '..');
const TARGETS = 'pt-BR,th,vi';
const steps = new Set(values.steps!.split(','));

/** Row i of the table: key, CH source, EN reference; 40% of rows repeat one of 500 common strings, the rest are unique. */
function tableRow(i: number): [string, string, string] {
  const common = i % 5 < 2;
  const ch = common ? `常用文本 ${i % 500} {0}` : `物品 ${i} 的描述：造成 %d 点伤害`;
  const en = common ? `Common text ${i % 500} {0}` : `Item ${i} description: deals %d damage`;
  return [`key_${i}`, ch, en];
}

/** Key, CH source, EN (filled reference), PT, TH, VN (empty): 3 target cells per row. */
async function generate(file: string, rows: number): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: !values.inline, useStyles: false });
  const ws = wb.addWorksheet('Strings');
  ws.addRow(['Key', 'CH', 'EN', 'PT', 'TH', 'VN']).commit();
  for (let i = 0; i < rows; i++) ws.addRow([...tableRow(i), null, null, null]).commit();
  ws.commit();
  await wb.commit();
}

/** The same table as a UTF-8 CSV (no cell needs quoting). */
async function generateCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) => (out.write(text) ? undefined : once(out, 'drain'));
  await write('Key,CH,EN,PT,TH,VN\n');
  for (let i = 0; i < rows; i++) await write(`${tableRow(i).join(',')},,,\n`);
  out.end();
  await once(out, 'finish');
}

interface Measured {
  command: string;
  exit_code: number | null;
  timed_out: boolean;
  wall_s: number;
  cpu_s: number;
  peak_rss_mb: number;
  stdout_tail?: string;
}

/** Runs a command under /usr/bin/time -v; peak RSS is the child's maximum resident set. */
async function measure(args: string[], cwd: string, timeoutS: number): Promise<Measured> {
  const timeFile = path.join(cwd, `time-${Date.now()}.txt`);
  const command = args.join(' ');
  // Run from the repository, so `--import tsx` resolves; the group is killed on a timeout.
  const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, ...args], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out = (out + chunk.toString()).slice(-4000)));
  child.stderr.on('data', (chunk: Buffer) => (out = (out + chunk.toString()).slice(-4000)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // The whole group: /usr/bin/time still records the child's peak when it ends.
    process.kill(-child.pid!, 'SIGINT');
  }, timeoutS * 1000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearTimeout(timer);
  const report = await readFile(timeFile, 'utf8').catch(() => '');
  const field = (name: string) => report.match(new RegExp(`${name}: ([\\d.:]+)`))?.[1] ?? '0';
  const wall = field('Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)').split(':').map(Number).reduce((s, v) => s * 60 + v, 0);
  return {
    command,
    exit_code: exitCode,
    timed_out: timedOut,
    wall_s: +wall.toFixed(2),
    cpu_s: +(Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)'))).toFixed(2),
    peak_rss_mb: Math.round(Number(field('Maximum resident set size \\(kbytes\\)')) / 1024),
    ...(exitCode !== 0 ? { stdout_tail: out.slice(-1500) } : {}),
  };
}

/** `--fanyi <bin>` runs another checkout's CLI (the code before a change) on the same files. */
const fanyiBin = path.resolve(values.fanyi ?? path.join(root, 'bin/fanyi.js'));

async function runSize(rows: number, dir: string, timeoutS: number): Promise<Record<string, unknown>> {
  const file = path.join(dir, `big-${rows}${values.inline ? '-inline' : ''}.xlsx`);
  const g0 = performance.now();
  await generate(file, rows);
  const result: Record<string, unknown> = { rows, target_cells: rows * 3, generate_s: +((performance.now() - g0) / 1000).toFixed(1) };
  if (!existsSync(file)) throw new Error(`generating ${file} failed`);
  if (steps.has('reader')) result.reader = await measure([process.execPath, '--import', 'tsx', path.join(here, 'big-reader.ts'), file], dir, timeoutS);
  if (steps.has('estimate')) result.estimate = await measure([process.execPath, fanyiBin, 'estimate', file, '--to', TARGETS, '--json', '--no-memory'], dir, timeoutS);
  if (steps.has('translate')) result.translate = await translate(file, rows, dir, timeoutS);
  if (steps.has('map-estimate') || steps.has('map')) {
    const { prompt, schema } = await mapFiles(dir);
    if (steps.has('map-estimate')) result.map_estimate = await measure([process.execPath, fanyiBin, 'estimate', file, '--prompt', prompt, '--schema', schema, '--json'], dir, timeoutS);
    if (steps.has('map')) result.map = await map(file, rows, prompt, schema, dir, timeoutS);
  }
  if (steps.has('estimate-csv') || steps.has('translate-csv')) {
    const csv = path.join(dir, `big-${rows}.csv`);
    await generateCsv(csv, rows);
    if (steps.has('estimate-csv')) result.estimate_csv = await measure([process.execPath, fanyiBin, 'estimate', csv, '--to', TARGETS, '--json', '--no-memory'], dir, timeoutS);
    if (steps.has('translate-csv')) result.translate_csv = await translate(csv, rows, dir, timeoutS);
    if (!values.keep) await rm(csv, { force: true });
  }
  const reader = result.reader as Measured | undefined;
  const estimate = result.estimate as Measured | undefined;
  if (reader && estimate) {
    result.estimate_to_reader_time = +(estimate.wall_s / reader.wall_s).toFixed(2);
    result.estimate_to_reader_cpu = +(estimate.cpu_s / reader.cpu_s).toFixed(2);
  }
  if (!values.keep) await rm(file, { force: true });
  return result;
}

/** `translate --provider pseudo` end to end on `file`, its store removed after. */
async function translate(file: string, rows: number, dir: string, timeoutS: number): Promise<Measured & { cells_per_s: number | null; checkpoints: ReturnType<typeof checkpointCost> }> {
  const db = path.join(dir, `${path.basename(file)}.db`);
  const out = path.join(dir, `out-${path.basename(file)}`);
  const run = await measure([process.execPath, fanyiBin, 'translate', file, '--to', TARGETS, '--provider', 'pseudo', '--rpm', '1000000000', '--tpm', '1000000000000', '--db', db, '--out', out, '--json'], dir, timeoutS);
  const checkpoints = checkpointCost(db, run.wall_s);
  await rm(`${db}.files`, { recursive: true, force: true });
  for (const suffix of ['', '-wal', '-shm']) await rm(`${db}${suffix}`, { force: true });
  await rm(out, { force: true });
  await rm(`${out}.review.xlsx`, { force: true });
  return { ...run, cells_per_s: run.exit_code === 0 || run.exit_code === 3 ? Math.round((rows * 3) / run.wall_s) : null, checkpoints };
}

/** The map steps' prompt and schema: one column sent, one string back per row. */
async function mapFiles(dir: string): Promise<{ prompt: string; schema: string }> {
  const prompt = path.join(dir, 'kind.md');
  const schema = path.join(dir, 'kind.json');
  await writeFile(prompt, 'Say in two or three words what kind of game text this is: ${CH}\n');
  await writeFile(schema, JSON.stringify({ type: 'object', properties: { kind: { type: 'string' } }, required: ['kind'], additionalProperties: false }));
  return { prompt, schema };
}

/** `map --provider pseudo` end to end on `file` (results as a new column of a copy), its store removed after. */
async function map(file: string, rows: number, prompt: string, schema: string, dir: string, timeoutS: number): Promise<Measured & { rows_per_s: number | null }> {
  const db = path.join(dir, `${path.basename(file)}.map.db`);
  const out = path.join(dir, `mapped-${path.basename(file)}`);
  const run = await measure([process.execPath, fanyiBin, 'map', file, '--prompt', prompt, '--schema', schema, '--provider', 'pseudo', '--rpm', '1000000000', '--tpm', '1000000000000', '--db', db, '--out', out, '--json'], dir, timeoutS);
  await rm(`${db}.files`, { recursive: true, force: true });
  for (const suffix of ['', '-wal', '-shm']) await rm(`${db}${suffix}`, { force: true });
  await rm(out, { force: true });
  await rm(`${out}.review.xlsx`, { force: true });
  return { ...run, rows_per_s: run.exit_code === 0 || run.exit_code === 3 ? Math.round(rows / run.wall_s) : null };
}

/** The run's checkpoints (their events carry what each cost) and their share of its wall time; the target is under 5%. */
function checkpointCost(db: string, wallS: number): { count: number; total_s: number; share_of_run: number; largest_s: number } | null {
  if (!existsSync(db)) return null;
  const database = new Database(db, { readonly: true });
  try {
    const rows = database.prepare("SELECT data FROM job_events WHERE kind = 'checkpoint'").all() as Array<{ data: string | null }>;
    const ms = rows.map((r) => Number((JSON.parse(r.data ?? '{}') as { ms?: number }).ms ?? 0));
    const total = ms.reduce((a, b) => a + b, 0) / 1000;
    return { count: ms.length, total_s: +total.toFixed(2), share_of_run: wallS ? +(total / wallS).toFixed(4) : 0, largest_s: +(Math.max(0, ...ms) / 1000).toFixed(2) };
  } finally {
    database.close();
  }
}

const sizes = values.rows!.split(',').map(Number);
const dir = await mkdtemp(path.join(tmpdir(), 'fanyi-big-'));
const command = `npm run bench:big -- --rows ${values.rows}${values.inline ? " --inline" : ""} --steps ${values.steps} --timeout ${values.timeout}`;
process.stdout.write(`${command}\n(temp dir ${dir})\n`);
const runs: Array<Record<string, unknown>> = [];
try {
  for (const rows of sizes) {
    runs.push(await runSize(rows, dir, Number(values.timeout)));
    process.stdout.write(`${JSON.stringify(runs.at(-1))}\n`);
  }
} finally {
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
const rate = (r: Record<string, unknown>) => (r.translate as { cells_per_s?: number } | undefined)?.cells_per_s;
const [small, big] = [runs[0], runs.at(-1)!];
const report = {
  command,
  node: process.version,
  runs,
  ratios: {
    big_cells_per_s_to_small: rate(small) && rate(big) ? +(rate(big)! / rate(small)!).toFixed(2) : null,
  },
  targets: { translate_peak_rss_mb: '<= 1024 (1M rows)', big_cells_per_s_to_small: '>= 0.8', estimate_peak_rss_mb: '<= 500 (1M rows)', estimate_to_reader_time: '<= 1.5 (the issue says time; CPU is the steadier figure on a shared host)' },
};
await writeFile(values.out!, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report.ratios)}\nreport: ${values.out}\n`);
