/**
 * How `fanyi translate` survives a misbehaving provider: malformed replies, server errors and
 * rate limits are recovered from; a text that can never be answered fails alone (exit 3); a bad
 * key or an unknown model stops the run with a one-line message (exit 2).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { startSimulatedProvider, type FaultName, type SimulatedProvider, type SimulatedProviderOptions } from '../helpers/simulated-provider.ts';
import { simulatedTranslation } from '../helpers/simulated-translation.ts';
import { uniqueTexts, wrongCells, writeStringTable, type StringTable } from '../helpers/string-table.ts';

/**
 * Short backoff so a retried 5xx costs milliseconds, not the default seconds; no adaptive
 * workers, so `--concurrency 2` is two workers throughout (the 429 test counts on it).
 */
const CONFIG_YAML = 'llm:\n  adaptive:\n    enabled: false\n  performance:\n    retry_delay: 0.02\n    max_retries: 3\n';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let table: StringTable;
let configFile: string;
const providers: SimulatedProvider[] = [];
const TEXTS = uniqueTexts(12);
const POISON = TEXTS[4];
const TRANSIENT_PLAN: FaultName[] = ['badJson', 'dropId', 'extraId', 'truncate', 'rate500', 'rate429'];
const WRONG_KEY = 'sk-wrong-0123456789abcdef';

/** Every scenario's provider and CLI run; all start at once because CLI start-up dominates. */
const runs = {} as Record<'transient' | 'poison' | 'badKey' | 'badKeyJson' | 'noModel', Promise<{ provider: SimulatedProvider; result: CliResult }>>;

before(async () => {
  temp = await makeTempDir();
  configFile = path.join(temp.dir, 'fanyi.yaml');
  await writeFile(configFile, CONFIG_YAML);
  table = await writeStringTable(path.join(temp.dir, 'strings.xlsx'), TEXTS);
  runs.transient = scenario('transient', { faultPlan: ({ requestIndex }) => TRANSIENT_PLAN[requestIndex], injectedRetryAfterMs: 300 }, (url) => [...providerFlags(url), '--concurrency', '2', '--json']);
  runs.poison = scenario('poison', poisonOptions(), (url) => providerFlags(url));
  runs.badKey = scenario('badkey', { apiKey: 'the-right-key' }, (url) => providerFlags(url, WRONG_KEY));
  runs.badKeyJson = scenario('badkey-json', { apiKey: 'the-right-key' }, (url) => [...providerFlags(url, WRONG_KEY), '--json']);
  runs.noModel = scenario('nomodel', { models: ['m1'] }, (url) => [...providerFlags(url, 'test-key', 'nope'), '--json']);
  // A rejection must not go unhandled while earlier tests run; each test awaits its own.
  for (const run of Object.values(runs)) run.catch(() => undefined);
});

after(async () => {
  await Promise.allSettled(Object.values(runs));
  await Promise.all(providers.map((provider) => provider.close()));
  await temp?.cleanup();
});

async function scenario(name: string, options: SimulatedProviderOptions, flags: (baseUrl: string) => string[]): Promise<{ provider: SimulatedProvider; result: CliResult }> {
  const provider = await startSimulatedProvider({ apiKey: 'test-key', ...options });
  providers.push(provider);
  const out = path.join(temp.dir, `${name}.xlsx`);
  const db = path.join(temp.dir, `${name}.db`);
  const result = await runCli(['translate', table.file, '--to', 'pt-BR,th', '--out', out, '--db', db, '--config', configFile, ...flags(provider.baseUrl)], { cwd: temp.dir });
  return { provider, result };
}

/**
 * `translate` runs synchronously over a request's texts just before `faultPlan` decides on the
 * same request, so the flag says whether the request being answered holds the poisoned text.
 */
function poisonOptions(): SimulatedProviderOptions {
  let hasPoison = false;
  return {
    translate: (text, lang) => {
      if (text === POISON) hasPoison = true;
      return simulatedTranslation(text, lang);
    },
    faultPlan: ({ lang }) => {
      const poisoned = hasPoison && lang === 'th';
      hasPoison = false;
      return poisoned ? 'badJson' : undefined;
    },
  };
}

describe('transient faults', () => {
  const plan = TRANSIENT_PLAN;
  let provider: SimulatedProvider;
  let result: CliResult;

  before(async () => ({ provider, result } = await runs.transient));

  test('every fault was injected once and the run still completes every task (exit 0)', () => {
    assert.equal(result.code, 0, describeResult(result));
    for (const fault of plan) assert.equal(provider.stats.faultsInjected[fault], 1, `${fault} injected`);
    assert.equal(provider.stats.status429, 1);
    assert.equal(provider.stats.status5xx, 1);
    const summary = parseSingleJson(result.stdout);
    const counts = summary.counts as Record<string, number>;
    assert.equal(counts.completed, table.expected.size);
    assert.equal(counts.total, table.expected.size);
  });

  test('every cell holds its translation', async () => {
    assert.deepEqual(await wrongCells(path.join(temp.dir, 'transient.xlsx'), table.expected), []);
  });

  test('the texts of each failed request were asked again later and answered', () => {
    const log = provider.stats.requestLog;
    for (const [i, entry] of log.entries()) {
      if (!entry.fault) continue;
      const answeredLater = new Set(log.slice(i + 1).filter((e) => e.status === 200 && !e.fault && e.lang === entry.lang).flatMap((e) => e.texts));
      assert.deepEqual(entry.texts.filter((text) => !answeredLater.has(text)), [], `texts of the ${entry.fault} request`);
    }
  });

  test('the 429 was waited out by every worker for its retry-after before the next calls', () => {
    const log = provider.stats.requestLog;
    const at = log.findIndex((entry) => entry.fault === 'rate429');
    const refusedAt = log[at].at;
    const retryAfterMs = 300;
    // Causal, not a window: the worker that got the 429 read it after the server sent it, so its
    // texts cannot be asked again before retry-after has passed since then.
    const again = log.slice(at + 1).find((entry) => entry.lang === log[at].lang && entry.texts.some((text) => log[at].texts.includes(text)));
    assert.ok(again, 'the refused texts were asked again');
    // Less 5 ms: the client's pause runs on whole-millisecond Date.now(), the server's on performance.now().
    assert.ok(again.receivedAt >= refusedAt + retryAfterMs - 5, `asked again ${Math.round(again.receivedAt - refusedAt)} ms after the 429`);
    // The other worker (two, adaptive control off) may have sent one call before it learned of
    // the pause; after that it waits too. Anything more inside the pause is a worker that did not.
    const inPause = log.filter((entry) => entry.receivedAt > refusedAt && entry.receivedAt < refusedAt + retryAfterMs);
    assert.ok(inPause.length <= 1, `${inPause.length} requests arrived during the pause`);
  });
});

describe('a text the provider never answers properly', () => {
  const poison = POISON;
  let result: CliResult;
  let status: CliResult;
  let out: string;

  before(async () => {
    ({ result } = await runs.poison);
    out = path.join(temp.dir, 'poison.xlsx');
    status = await runCli(['status', '--json', '--db', path.join(temp.dir, 'poison.db')], { cwd: temp.dir });
  });

  test('exits 3 and still writes the output', () => {
    assert.equal(result.code, 3, describeResult(result));
    assert.ok(existsSync(out));
    assert.match(result.stderr, /fanyi status job_\w+/);
  });

  test('the poisoned cell stays empty and every other cell is filled', async () => {
    const row = TEXTS.indexOf(poison) + 2;
    const expected = new Map(table.expected);
    expected.set(`Strings!D${row}`, null as unknown as string);
    assert.deepEqual(await wrongCells(out, expected), []);
  });

  test('status --json counts one failed task', () => {
    assert.equal(status.code, 0, describeResult(status));
    const counts = parseSingleJson(status.stdout).counts as Record<string, number>;
    assert.equal(counts.failed, 1);
    assert.equal(counts.completed, table.expected.size - 1);
  });

  test('the database records the failure as a format error on that task only', () => {
    const db = new Database(path.join(temp.dir, 'poison.db'), { readonly: true });
    try {
      const rows = db.prepare('select status, error_type, source_text, target_lang from tasks').all() as Array<Record<string, string | null>>;
      const failed = rows.filter((row) => row.status !== 'completed');
      assert.deepEqual(failed, [{ status: 'failed', error_type: 'format', source_text: poison, target_lang: 'th' }]);
      assert.equal(rows.length, table.expected.size);
    } finally {
      db.close();
    }
  });
});

describe('fatal provider errors', () => {
  test('a rejected API key: exit 2, one line naming the key problem, no stack, no key', async () => {
    const { provider, result } = await runs.badKey;
    assert.equal(result.code, 2, describeResult(result));
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('fanyi:'));
    assert.equal(errors.length, 1, result.stderr);
    assert.match(errors[0], /API key/);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
    assert.ok(!`${result.stdout}${result.stderr}`.includes(WRONG_KEY), 'the key is never printed');
    assert.ok(!`${result.stdout}${result.stderr}`.includes('the-right-key'));
    assert.ok(provider.stats.requests >= 1 && provider.stats.ok === 0);
  });

  test('with --json, the rejected key is still a single stderr line', async () => {
    const { result } = await runs.badKeyJson;
    assert.equal(result.code, 2, describeResult(result));
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^fanyi: .*API key/);
    assert.ok(!result.stderr.includes(WRONG_KEY));
  });

  test('an unknown model: exit 2 with a one-line message, no stack', async () => {
    const { provider, result } = await runs.noModel;
    assert.equal(result.code, 2, describeResult(result));
    assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /^fanyi: .*model/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    assert.equal(provider.stats.ok, 0);
  });
});
