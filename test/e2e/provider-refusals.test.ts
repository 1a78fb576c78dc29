/**
 * Refusals real providers send, end to end through the CLI (README "Providers" and "Rate limits,
 * endpoints and failover"): `429 insufficient_quota` stops the job (exit 2) and `resume` finishes
 * it; a content filter's 400 fails only the cell it objects to; a 429 with no hint when to retry
 * is backed off, not stormed; an outage stops the job after `give_up_seconds` and `resume`
 * finishes it once the provider is back.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { startSimulatedProvider, type SimulatedProvider, type SimulatedProviderOptions } from '../helpers/simulated-provider.ts';
import { uniqueTexts, wrongCells, writeStringTable, type StringTable } from '../helpers/string-table.ts';

/** Batches of four, no adaptive workers (the request counts below depend on the worker count). */
const BASE = 'llm:\n  batch_control:\n    max_batch_size: 4\n  adaptive:\n    enabled: false\n  performance:\n    retry_delay: 0.02\n    max_retries: 3\n';
/** Outage: quick cool-downs, retries that outlast the give-up, which is the rule under test. */
const OUTAGE = 'llm:\n  batch_control:\n    max_batch_size: 4\n  adaptive:\n    enabled: false\n  performance:\n    retry_delay: 0.2\n    max_retries: 10\n  failover:\n    consecutive_failures: 3\n    cooldown_seconds: 0.5\n    give_up_seconds: 3\n';
const TEXTS = uniqueTexts(12);
/** First of the second batch of four: each split on the way down to it is refused again. */
const FILTERED = TEXTS[4];

interface Run {
  provider: SimulatedProvider;
  result: CliResult;
  db: string;
  out: string;
  config: string;
}

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let table: StringTable;
const providers: SimulatedProvider[] = [];
const runs = {} as Record<'quota' | 'filter' | 'bare429' | 'outage', Promise<Run>>;

before(async () => {
  temp = await makeTempDir();
  table = await writeStringTable(path.join(temp.dir, 'strings.xlsx'), TEXTS);
  runs.quota = translate('quota', BASE, { faultPlan: ({ requestIndex }) => (requestIndex === 2 ? 'quota429' : undefined) }, ['--concurrency', '1']);
  runs.filter = translate('filter', BASE, { faultPlan: ({ texts }) => (texts.includes(FILTERED) ? 'contentFilter400' : undefined) }, ['--concurrency', '2']);
  runs.bare429 = translate('bare429', BASE, { faultPlan: refusingFor(2_000) }, ['--concurrency', '2']);
  runs.outage = translate('outage', OUTAGE, { faultPlan: () => 'rate503' }, ['--concurrency', '2']);
  for (const run of Object.values(runs)) run.catch(() => undefined);
});

after(async () => {
  await Promise.allSettled(Object.values(runs));
  await Promise.all(providers.map((p) => p.close()));
  await temp?.cleanup();
});

/** Every request gets a bare 429 (no retry-after, no x-ratelimit-*) until `ms` after the first. */
function refusingFor(ms: number): SimulatedProviderOptions['faultPlan'] {
  let first: number | undefined;
  return () => {
    first ??= Date.now();
    return Date.now() - first < ms ? 'rate429Bare' : undefined;
  };
}

async function translate(name: string, yaml: string, options: SimulatedProviderOptions, flags: string[]): Promise<Run> {
  const provider = await startSimulatedProvider({ apiKey: 'test-key', ...options });
  providers.push(provider);
  const [db, out, config] = ['db', 'xlsx', 'yaml'].map((ext) => path.join(temp.dir, `${name}.${ext}`));
  await writeFile(config, yaml);
  const result = await runCli(['translate', table.file, '--to', 'pt-BR,th', '--out', out, '--db', db, '--config', config, '--json', ...flags, ...providerFlags(provider.baseUrl)], { cwd: temp.dir });
  return { provider, result, db, out, config };
}

/** The provider answers normally again; `fanyi resume` continues the stopped job. */
async function resume(run: Run): Promise<CliResult> {
  run.provider.setOptions({ faultPlan: undefined });
  run.provider.reset();
  return runCli(['resume', '--db', run.db, '--config', run.config, ...providerFlags(run.provider.baseUrl)], { cwd: temp.dir });
}

const taskRows = (db: string) => withReadonlyDb(db, (d) => d.prepare('select source_text, target_lang, status, error_type, error_msg from tasks').all() as Array<Record<string, any>>);

describe('429 insufficient_quota', () => {
  let run: Run;
  let firstLog: SimulatedProvider['stats']['requestLog'];
  let resumed: CliResult;
  before(async () => {
    run = await runs.quota;
    firstLog = run.provider.stats.requestLog;
    resumed = await resume(run);
  });

  test('stops the job with exit 2 and a message saying to top up and resume', () => {
    assert.equal(run.result.code, 2, describeResult(run.result));
    assert.match(run.result.stderr, /out of quota or credit/);
    assert.match(run.result.stderr, /exceeded your current quota/, "the provider's own words");
    assert.match(run.result.stderr, /fanyi resume/);
  });

  test('nothing is sent after the quota refusal', () => {
    assert.deepEqual(firstLog.map((e) => e.status), [200, 200, 429], 'the refusal was the last request');
  });

  test('resume finishes the job, sending only what was not done', async () => {
    assert.equal(resumed.code, 0, describeResult(resumed));
    assert.deepEqual(await wrongCells(run.out, table.expected), []);
    assert.equal(run.provider.stats.requestLog.flatMap((e) => e.texts).length, 2 * TEXTS.length - 8, 'the two batches answered before the refusal are not sent again');
  });
});

describe('a content filter refusing one cell', () => {
  let run: Run;
  before(async () => {
    run = await runs.filter;
  });

  test('the job finishes (exit 3): only that cell, in each language, failed', () => {
    assert.equal(run.result.code, 3, describeResult(run.result));
    assert.deepEqual(parseSingleJson(run.result.stdout).counts, { pending: 0, processing: 0, completed: 22, needs_review: 0, failed: 2, total: 24 });
  });

  test('the failed cells say the provider rejected them and why', () => {
    const failed = taskRows(run.db).filter((r) => r.status === 'failed');
    assert.deepEqual(failed.map((r) => [r.source_text, r.target_lang]).sort(), [[FILTERED, 'pt-BR'], [FILTERED, 'th']]);
    for (const row of failed) {
      assert.equal(row.error_type, 'rejected');
      assert.match(row.error_msg, /rejected the request: HTTP 400: .*content management policy/);
    }
  });

  test('every other cell is translated, and the filtered text was split out rather than retried alone', async () => {
    const expected = new Map([...table.expected].filter(([cell]) => !/^Strings![A-Z]6$/.test(cell)));
    assert.deepEqual(await wrongCells(run.out, expected), []);
    const alone = run.provider.stats.requestLog.filter((e) => e.texts.length === 1 && e.texts[0] === FILTERED);
    assert.equal(alone.length, 2, 'once per language: a refusal is not retried');
  });
});

describe('429 without retry-after or rate-limit headers', () => {
  let run: Run;
  before(async () => {
    run = await runs.bare429;
  });

  test('is backed off and the job completes', async () => {
    assert.equal(run.result.code, 0, describeResult(run.result));
    assert.deepEqual(await wrongCells(run.out, table.expected), []);
  });

  test('without a storm: a few 429s over the two seconds of refusals, not one per retry', () => {
    // Two workers, each pausing at least a second on a bare 429: about 2 × 2 s / 1 s. A client
    // retrying at its 20 ms retry_delay would have been refused about a hundred times.
    const refused = run.provider.stats.status429;
    assert.ok(refused >= 1, 'the refusals happened');
    assert.ok(refused <= 8, `${refused} 429s`);
  });
});

describe('an outage longer than give_up_seconds', () => {
  let run: Run;
  let pendingAtStop: number;
  let failures: number;
  let resumed: CliResult;
  before(async () => {
    run = await runs.outage;
    failures = run.provider.stats.status5xx;
    pendingAtStop = taskRows(run.db).filter((r) => r.status === 'pending').length;
    resumed = await resume(run);
  });

  test('stops the job with exit 2, saying to resume, and fails no task', () => {
    assert.equal(run.result.code, 2, describeResult(run.result));
    const stopped = /not answering \(no answer for (\d+) s, \d+ calls in a row failed/.exec(run.result.stderr);
    assert.ok(stopped && Number(stopped[1]) >= 3, `names the rule that stopped it: ${run.result.stderr}`);
    assert.match(run.result.stderr, /fanyi resume/);
    assert.equal(pendingAtStop, 24, 'every task is left to resume');
  });

  test('it is the give-up time that stopped it, not the count of failures in a row', () => {
    // 30 failures in a row stop a job whatever give_up_seconds says; the probes every 0.5 s
    // after the endpoint cooled down stay well under that in 3 s.
    assert.ok(failures >= 3 && failures < 30, `${failures} failed calls`);
  });

  test('resume once the provider is back completes the job', async () => {
    assert.equal(resumed.code, 0, describeResult(resumed));
    assert.deepEqual(await wrongCells(run.out, table.expected), []);
  });
});
