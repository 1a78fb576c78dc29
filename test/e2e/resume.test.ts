/**
 * Crash safety of `fanyi translate` + `fanyi resume`: a run killed at any point (SIGKILL, or
 * Ctrl-C) resumes to exactly the workbook an uninterrupted run writes, and no text whose result
 * was committed before the interruption is ever paid for again.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { compareWorkbooks, formatDifferences } from '../helpers/compare-workbooks.ts';
import { describeResult, makeTempDir, providerFlags, runCli, startCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb as withDb } from '../helpers/read-db.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, wrongCells, writeStringTable, type StringTable } from '../helpers/string-table.ts';

const TEXTS = uniqueTexts(600);
/**
 * Many small batches, two at a time, each answered after ~150 ms: a run of a few seconds. Adaptive
 * control is off (run.yaml): on a loaded machine a run outlasts its interval and it would add
 * workers, and with them batches in flight at the interruption, which the bounds below count.
 */
const WORKERS = 2;
const RUN_FLAGS = ['--to', 'pt-BR,th', '--concurrency', String(WORKERS), '--max-batch-tokens', '300', '--config', 'run.yaml'];
const RUN_CONFIG = 'llm:\n  adaptive: { enabled: false }\n';
const LATENCY_MS = 150;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let table: StringTable;
const providers: SimulatedProvider[] = [];

interface Interrupted {
  provider: SimulatedProvider;
  db: string;
  out: string;
  first: CliResult;
  /** `${lang}\u0000${text}` of every task the database held as completed once the first run had exited. */
  completedBeforeStop: Set<string>;
  /** Time from the signal to the exit of the first run. */
  stopMs: number;
  resumed: CliResult;
}

/** All scenarios start at once: each waits on its own progress, and CLI start-up dominates. */
const scenarios = {} as Record<'baseline' | 'early' | 'mid' | 'sigint', Promise<Interrupted>>;

before(async () => {
  temp = await makeTempDir();
  await writeFile(path.join(temp.dir, 'run.yaml'), RUN_CONFIG);
  table = await writeStringTable(path.join(temp.dir, 'strings.xlsx'), TEXTS);
  scenarios.baseline = uninterrupted();
  scenarios.early = interrupted('early', 'SIGKILL', async ({ provider }) => provider.stats.ok >= 3);
  scenarios.mid = interrupted('mid', 'SIGKILL', async ({ db }) => completedCount(db) >= TEXTS.length);
  scenarios.sigint = interrupted('sigint', 'SIGINT', async ({ provider }) => provider.stats.ok >= 5);
  for (const scenario of Object.values(scenarios)) scenario.catch(() => undefined);
});

after(async () => {
  await Promise.allSettled(Object.values(scenarios));
  await Promise.all(providers.map((provider) => provider.close()));
  await temp?.cleanup();
});

async function newProvider(): Promise<SimulatedProvider> {
  const provider = await startSimulatedProvider({ apiKey: 'test-key', latencyMs: LATENCY_MS });
  providers.push(provider);
  return provider;
}

async function uninterrupted(): Promise<Interrupted> {
  const provider = await newProvider();
  const [db, out] = [path.join(temp.dir, 'baseline.db'), path.join(temp.dir, 'baseline.xlsx')];
  const first = await runCli(['translate', table.file, ...RUN_FLAGS, '--out', out, '--db', db, ...providerFlags(provider.baseUrl)], { cwd: temp.dir });
  return { provider, db, out, first, completedBeforeStop: new Set(), stopMs: 0, resumed: first };
}

async function interrupted(name: string, signal: NodeJS.Signals, ready: (state: { provider: SimulatedProvider; db: string }) => Promise<boolean>): Promise<Interrupted> {
  const provider = await newProvider();
  const [db, out] = [path.join(temp.dir, `${name}.db`), path.join(temp.dir, `${name}.xlsx`)];
  const cli = startCli(['translate', table.file, ...RUN_FLAGS, '--out', out, '--db', db, ...providerFlags(provider.baseUrl)], { cwd: temp.dir });
  let finished = false;
  void cli.done.finally(() => (finished = true)).catch(() => undefined);
  while (!finished && !(await ready({ provider, db }))) await sleep(20);
  const signalledAt = Date.now();
  cli.child.kill(signal);
  const first = await cli.done;
  const stopMs = Date.now() - signalledAt;
  const completedBeforeStop = completedPairs(db);
  const resumed = await runCli(['resume', '--db', db, '--config', 'run.yaml', ...providerFlags(provider.baseUrl)], { cwd: temp.dir });
  return { provider, db, out, first, completedBeforeStop, stopMs, resumed };
}

/** Completed tasks, or 0 while the database does not exist yet. */
function completedCount(file: string): number {
  try {
    return withDb(file, (db) => (db.prepare("select count(*) as n from tasks where status = 'completed'").get() as { n: number }).n);
  } catch {
    return 0;
  }
}

function completedPairs(file: string): Set<string> {
  const rows = withDb(file, (db) => db.prepare("select target_lang as lang, source_text as text from tasks where status = 'completed'").all() as Array<{ lang: string; text: string }>);
  return new Set(rows.map((row) => `${row.lang}\u0000${row.text}`));
}

/** What each interrupted scenario must show; `name` picks the scenario. */
function describeInterruption(name: 'early' | 'mid' | 'sigint', title: string): void {
  describe(title, () => {
    let s: Interrupted;
    let baseline: Interrupted;
    before(async () => {
      [s, baseline] = await Promise.all([scenarios[name], scenarios.baseline]);
    });

    test('the first run was really cut short', (t) => {
      const twice = [...s.provider.stats.translatedIds.values()].filter((n) => n > 1).length;
      t.diagnostic(`${s.completedBeforeStop.size}/${2 * TEXTS.length} committed before the stop; stopped in ${s.stopMs} ms; ${twice} texts paid twice`);
      assert.notEqual(s.first.code, 0, `the run ended before the interruption: ${describeResult(s.first)}`);
      assert.ok(s.completedBeforeStop.size > 0, 'something was committed before the interruption');
      assert.ok(s.completedBeforeStop.size < 2 * TEXTS.length, 'something was left to resume');
    });

    test('resume (no job id) completes the job with exit 0', () => {
      assert.equal(s.resumed.code, 0, describeResult(s.resumed));
      assert.equal(s.resumed.stdout, `${s.out}\n`);
    });

    test('the output equals the uninterrupted run, cell by cell', async () => {
      assert.equal(baseline.first.code, 0, describeResult(baseline.first));
      assert.deepEqual(await wrongCells(s.out, table.expected), []);
      const diffs = await compareWorkbooks(baseline.out, s.out);
      assert.equal(diffs.length, 0, formatDifferences(diffs));
    });

    test('no text committed before the interruption was translated again', () => {
      const counts = s.provider.stats.translatedIds;
      const repaid = [...counts].filter(([key, n]) => n > 1 && s.completedBeforeStop.has(key)).map(([key]) => key.replace('\u0000', ': '));
      assert.deepEqual(repaid, []);
      const missing = [...table.expected.keys()].length - [...counts.keys()].length;
      assert.equal(missing, 0, 'every (language, text) was translated at least once');
      // Only what was in flight at the interruption may be paid twice: at most one batch per worker.
      assert.ok(s.provider.stats.maxConcurrent <= WORKERS, `${s.provider.stats.maxConcurrent} calls in flight at once, more than ${WORKERS} workers`);
      const maxBatch = withDb(s.db, (db) => (db.prepare('select max(unique_count) as n from batches').get() as { n: number }).n);
      const twice = [...counts.values()].filter((n) => n > 1).length;
      assert.ok(twice <= WORKERS * maxBatch, `${twice} texts paid twice, more than ${WORKERS} batches of ${maxBatch}`);
    });
  });
}

describeInterruption('early', 'SIGKILL early in the run');
describeInterruption('mid', 'SIGKILL half-way through');
describeInterruption('sigint', 'Ctrl-C (SIGINT)');

describe('Ctrl-C specifics', () => {
  test('the process stops by itself within a few seconds and says how to resume', async () => {
    const s = await scenarios.sigint;
    assert.equal(s.first.signal, null, `it exits rather than dying of the signal: ${describeResult(s.first)}`);
    assert.equal(s.first.code, 130, describeResult(s.first));
    assert.ok(s.stopMs < 5_000, `stopped after ${s.stopMs} ms`);
    assert.match(s.first.stderr, /fanyi resume/);
  });
});
