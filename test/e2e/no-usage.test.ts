/**
 * A provider whose replies carry no `usage` (a proxy or local server that drops it), counting
 * tokens as BPE tokenizers do (a Thai character a token) under RPM/TPM limits with a one-second
 * burst, its `x-ratelimit-*` headers still sent. The job must finish, count its tokens as fanyi's
 * estimate — and say so in `fanyi status`, the translate summary and /metrics — and stay under
 * the limit with few 429s.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseSingleJson, providerFlags, runCli } from '../helpers/fanyi-cli.ts';
import { startServeHarness, translateThroughApi, type ServeHarness } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable } from '../helpers/string-table.ts';

/** A limit the job runs into: a burst of 1,000 tokens, refilled each second, against ~9,000 tokens of work. */
const LIMITS = { rpm: 600, tpm: 60_000 };
const CONFIG = `llm:\n  performance: { rpm_throttle: ${LIMITS.rpm}, tpm_throttle: ${LIMITS.tpm} }\n`;
const TEXTS = 300;
const ESTIMATED = /\((\d+) estimated: replies without usage\)/;

describe('replies without usage', () => {
  let provider: SimulatedProvider;
  let server: ServeHarness;
  let id: string;
  let finished: Record<string, any>;

  before(async () => {
    provider = await startSimulatedProvider({ apiKey: 'test-key', usage: false, tokenCounting: 'bpe', latencyMs: 50, ...LIMITS });
    server = await startServeHarness({ provider, configYaml: CONFIG });
    const table = await writeStringTable(path.join(server.dir, 'strings.xlsx'), uniqueTexts(TEXTS));
    ({ id, finished } = await translateThroughApi(server, table.file, { to: ['pt-BR', 'th'], timeoutMs: 180_000 }));
  });

  after(async () => {
    await server?.close();
    await provider?.close();
  });

  test('the job completes every text with few 429s', (t) => {
    assert.equal(finished.status, 'completed');
    assert.equal(finished.progress.completed, TEXTS * 2);
    const { requests, status429 } = provider.stats;
    t.diagnostic(`${requests} requests, ${status429} refused, ${provider.stats.promptTokens + provider.stats.completionTokens} tokens`);
    assert.ok(status429 <= Math.max(2, 0.02 * requests), `${status429} of ${requests} requests refused`);
  });

  test('fanyi status: every token counted is an estimate, and the text says so', async () => {
    const json = await runCli(['status', id, '--db', server.db, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const { tokens } = JSON.parse(json.stdout);
    assert.ok(tokens.promptTokens > 0 && tokens.completionTokens > 0, JSON.stringify(tokens));
    assert.equal(tokens.estimatedTokens, tokens.promptTokens + tokens.completionTokens);
    const text = await runCli(['status', id, '--db', server.db]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(Number(ESTIMATED.exec(text.stdout)?.[1]), tokens.estimatedTokens, text.stdout);
  });

  test('/metrics counts the tokens under source="estimated", none as reported', async () => {
    const metrics = await (await server.request('/metrics')).text();
    const value = (kind: string, source: string) => Number(new RegExp(`^fanyi_llm_tokens_total\\{kind="${kind}",source="${source}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    assert.ok(value('prompt', 'estimated') > 0 && value('completion', 'estimated') > 0, metrics.split('\n').filter((l) => l.includes('tokens_total')).join('\n'));
    assert.equal(value('prompt', 'reported') + value('completion', 'reported'), 0);
  });

  test('fanyi translate: the summary counts the estimated tokens, in text and --json', async () => {
    const table = await writeStringTable(path.join(server.dir, 'small.xlsx'), uniqueTexts(5));
    const run = (name: string, extra: string[]) =>
      runCli(['translate', table.file, '--to', 'th', '--out', path.join(server.dir, `${name}.xlsx`), '--db', path.join(server.dir, `${name}.db`), ...providerFlags(provider.baseUrl), ...extra], { cwd: server.dir });
    const text = await run('text', []);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, ESTIMATED);
    const json = await run('json', ['--json']);
    assert.equal(json.code, 0, json.stderr);
    const { tokens } = parseSingleJson(json.stdout) as { tokens: Record<string, number> };
    assert.ok(tokens.total > 0);
    assert.equal(tokens.estimated, tokens.total);
  });
});
