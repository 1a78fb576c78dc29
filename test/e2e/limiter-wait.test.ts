/**
 * A call's latency apart from its wait at the rate limiter. The simulated provider answers in
 * ~100 ms; fanyi's own limit (2 requests a second) makes 16 one-text calls queue for seconds.
 * Everywhere latency is shown (the call log behind `fanyi status` text and --json, the API's
 * statistics and activity view, /metrics) it must stay the provider's order, with the wait shown
 * beside it, labelled. Bounds are ratios between the two (the wait is forced by the limit's
 * arithmetic), never a timing window.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/fanyi-cli.ts';
import { startServeHarness, translateThroughApi, type ServeHarness } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable } from '../helpers/string-table.ts';

/** One text per call, at most 2 calls a second (a one-second burst of 2): 16 calls take ≥ 7 s of pacing. */
const CONFIG = 'llm:\n  performance: { rpm_throttle: 120 }\n  batch_control: { max_batch_size: 1 }\n';
const TEXTS = 8;
/** The provider's answer time, and how far below the wait the call's latency must stay. */
const LATENCY_MS = 100;
const RATIO = 4;
/** The limit alone forces this much queueing on the slowest calls (the last waits ~7 s). */
const MIN_WAIT_P95_MS = 2_000;

describe('call latency and limiter wait are measured and shown apart', () => {
  let provider: SimulatedProvider;
  let server: ServeHarness;
  let id: string;
  let finished: Record<string, any>;

  before(async () => {
    provider = await startSimulatedProvider({ apiKey: 'test-key', latencyMs: LATENCY_MS });
    server = await startServeHarness({ provider, configYaml: CONFIG });
    const table = await writeStringTable(path.join(server.dir, 'strings.xlsx'), uniqueTexts(TEXTS));
    ({ id, finished } = await translateThroughApi(server, table.file, { to: ['pt-BR', 'th'], timeoutMs: 120_000 }));
  });

  after(async () => {
    await server?.close();
    await provider?.close();
  });

  test('the job ran every text as its own call, without a 429', () => {
    assert.equal(finished.status, 'completed');
    assert.equal(finished.statistics.api_calls_count, TEXTS * 2);
    assert.equal(provider.stats.status429, 0);
  });

  test('fanyi status --json: endpoint call p95 far below the limiter wait p95', async () => {
    const result = await runCli(['status', id, '--db', server.db, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const [endpoint] = JSON.parse(result.stdout).endpoints;
    assertApart(endpoint.p95Ms, endpoint.waitP95Ms, JSON.stringify(endpoint));
    assert.ok(endpoint.waitP50Ms !== null && endpoint.p50Ms <= endpoint.waitP50Ms, JSON.stringify(endpoint));
  });

  test('fanyi status: the text labels the call latency and the limiter wait', async (t) => {
    const result = await runCli(['status', id, '--db', server.db]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /call latency p50\/p95, limiter wait p50\/p95/);
    const match = /call (\d+)\/(\d+) ms, limiter wait (\d+)\/(\d+) ms/.exec(result.stdout);
    assert.ok(match, result.stdout);
    t.diagnostic(match[0]);
    assertApart(Number(match[2]), Number(match[4]), match[0]);
  });

  test('API: statistics avg/p95 duration are the call; the activity view shows the wait beside it', async () => {
    const activity = (await (await server.request(`/api/monitor/activity/${id}`)).json()) as Record<string, any>;
    const [endpoint] = activity.endpoints;
    assertApart(endpoint.p95_ms, endpoint.wait_p95_ms, JSON.stringify(endpoint));
    const { avg_duration_ms: avg, p95_duration_ms: p95 } = finished.statistics;
    assertApart(p95, endpoint.wait_p95_ms, `p95_duration_ms ${p95}`);
    assert.ok(avg <= p95, `avg_duration_ms ${avg}`);
  });

  test('/metrics: fanyi_llm_call_duration_seconds is the call, fanyi_llm_limiter_wait_seconds the wait', async () => {
    const text = await (await server.request('/metrics')).text();
    const call = histogram(text, 'fanyi_llm_call_duration_seconds');
    const wait = histogram(text, 'fanyi_llm_limiter_wait_seconds');
    assert.equal(call.count, TEXTS * 2);
    assert.equal(wait.count, TEXTS * 2, 'one wait per attempt');
    assert.ok(call.sum * RATIO <= wait.sum, `mean call ${call.sum / call.count} s, mean wait ${wait.sum / wait.count} s`);
  });
});

/** The call's latency stays well below a wait the limit made large. */
function assertApart(callMs: number | null, waitMs: number | null | undefined, what: string): void {
  assert.ok(typeof waitMs === 'number' && waitMs >= MIN_WAIT_P95_MS, `limiter wait p95 ${waitMs} ms: ${what}`);
  assert.ok(typeof callMs === 'number' && callMs * RATIO <= waitMs, `call p95 ${callMs} ms vs wait ${waitMs} ms: ${what}`);
}

function histogram(text: string, name: string): { sum: number; count: number } {
  const value = (suffix: string) => Number(new RegExp(`^${name}_${suffix} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { sum: value('sum'), count: value('count') };
}
