/**
 * `fanyi estimate`: the plan of a translation without a single call, and a plan that the real
 * run then follows (same tasks, same number of calls).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { GAME_LANGUAGES, writeGameWorkbook, type GameWorkbook } from '../helpers/game-workbook.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';

const PRICING_YAML = 'llm:\n  pricing:\n    sim-model:\n      input_per_1m: 0.5\n      output_per_1m: 1.5\n';
const TO = GAME_LANGUAGES.join(',');

describe('fanyi estimate', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let provider: SimulatedProvider;
  let game: GameWorkbook;
  let priced: CliResult;
  let unpriced: CliResult;
  let estimate: Record<string, unknown>;
  let requestsDuringEstimates: number;
  let translated: CliResult;
  let db: string;

  before(async () => {
    temp = await makeTempDir();
    game = await writeGameWorkbook(path.join(temp.dir, 'game.xlsx'));
    const config = path.join(temp.dir, 'pricing.yaml');
    await writeFile(config, PRICING_YAML);
    provider = await startSimulatedProvider({ apiKey: 'test-key' });
    const flags = providerFlags(provider.baseUrl);
    [priced, unpriced] = await Promise.all([
      runCli(['estimate', game.file, '--to', TO, '--json', '--config', config, ...flags], { cwd: temp.dir }),
      runCli(['estimate', game.file, '--to', TO, '--json', ...flags], { cwd: temp.dir }),
    ]);
    requestsDuringEstimates = provider.stats.requests;
    estimate = priced.code === 0 ? parseSingleJson(priced.stdout) : {};
    db = path.join(temp.dir, 'fanyi-run.db');
    translated = await runCli(['translate', game.file, '--to', TO, '--json', '--config', config, '--db', db, ...flags], { cwd: temp.dir });
  });

  after(async () => {
    await provider?.close();
    await temp?.cleanup();
  });

  test('makes no HTTP call and writes no database', () => {
    assert.equal(priced.code, 0, describeResult(priced));
    assert.equal(unpriced.code, 0, describeResult(unpriced));
    assert.equal(requestsDuringEstimates, 0);
    assert.ok(!existsSync(path.join(temp.dir, 'fanyi.db')));
  });

  test('prints one JSON object with the plan', () => {
    for (const field of ['tasks', 'unique_texts', 'batches', 'estimated_input_tokens', 'estimated_output_tokens', 'estimated_calls', 'estimated_minutes']) {
      assert.equal(typeof estimate[field], 'number', `${field}: ${JSON.stringify(estimate[field])}`);
      assert.ok((estimate[field] as number) >= 0, field);
    }
    assert.equal(estimate.tasks, game.targets.size);
    assert.equal(estimate.unique_texts, game.uniquePairs.size);
    assert.equal(estimate.estimated_calls, estimate.batches);
    assert.ok((estimate.estimated_input_tokens as number) > 0 && (estimate.estimated_output_tokens as number) > 0);
  });

  test('prices the tokens with the config pricing of the model', () => {
    const input = estimate.estimated_input_tokens as number;
    const output = estimate.estimated_output_tokens as number;
    const cost = estimate.cost as { amount: number; currency: string };
    assert.deepEqual(cost, { amount: Number(((input * 0.5 + output * 1.5) / 1e6).toFixed(4)), currency: 'USD' });
    assert.ok(cost.amount > 0);
  });

  test('without pricing the cost is null', () => {
    assert.equal(parseSingleJson(unpriced.stdout).cost, null);
  });

  test('the translation then creates exactly the estimated tasks, in the estimated calls', () => {
    assert.equal(translated.code, 0, describeResult(translated));
    const counts = parseSingleJson(translated.stdout).counts as Record<string, number>;
    assert.equal(counts.total, estimate.tasks);
    const sqlite = new Database(db, { readonly: true });
    try {
      assert.equal((sqlite.prepare('select count(*) as n from tasks').get() as { n: number }).n, estimate.tasks);
      assert.equal((sqlite.prepare('select count(*) as n from batches').get() as { n: number }).n, estimate.batches);
    } finally {
      sqlite.close();
    }
    assert.equal(provider.stats.ok, estimate.estimated_calls);
  });
});
