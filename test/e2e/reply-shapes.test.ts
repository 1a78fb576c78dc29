/**
 * Replies as real models write them: the right answer inside prose, with a trailing comma, ids in
 * another order, the request's shape echoed back, or no content at all. `fanyi translate` runs the
 * game workbook against simulated providers with those habits turned on at fixed rates and seed:
 * every answer that is there must be taken at the first call, and every cell filled.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readWorkbook } from '../helpers/compare-workbooks.ts';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { GAME_LANGUAGES, writeGameWorkbook, type GameWorkbook } from '../helpers/game-workbook.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';
import { startSimulatedProvider, type FaultName, type SimulatedProvider } from '../helpers/simulated-provider.ts';

/** A malformed reply is retried at once rather than after the default seconds of backoff. */
const CONFIG_YAML = 'llm:\n  performance:\n    retry_delay: 0.02\n';
/** The figure: 40% of replies wrapped in a sentence, 30% with a trailing comma. */
const PROSE_AND_COMMAS: Partial<Record<FaultName, number>> = { proseAround: 0.4, trailingComma: 0.3 };
/** With seed 90 the first eight replies already show each of these shapes. */
const OTHER_SHAPES: Partial<Record<FaultName, number>> = {
  nullContent: 0.1, reorderIds: 0.15, echoItems: 0.15, echoTextObjects: 0.15, echoRequest: 0.15, codeFence: 0.1,
};

interface Run {
  name: string;
  provider: SimulatedProvider;
  result: CliResult;
  summary: Record<string, any>;
  out: string;
  db: string;
}

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let game: GameWorkbook;
const runs: Record<'clean' | 'prose' | 'shapes', Run> = {} as never;

async function translate(name: string, faults: Partial<Record<FaultName, number>>, seed: number, config: string): Promise<Run> {
  const provider = await startSimulatedProvider({ apiKey: 'test-key', faults, seed });
  const out = path.join(temp.dir, `${name}.xlsx`);
  const db = path.join(temp.dir, `${name}.db`);
  const args = ['translate', game.file, '--to', GAME_LANGUAGES.join(','), '--out', out, '--db', db, '--config', config, '--json', ...providerFlags(provider.baseUrl)];
  const result = await runCli(args, { cwd: temp.dir, timeoutMs: 120_000 });
  return { name, provider, result, summary: result.stdout ? parseSingleJson(result.stdout) : {}, out, db };
}

before(async () => {
  temp = await makeTempDir();
  game = await writeGameWorkbook(path.join(temp.dir, 'game.xlsx'));
  const config = path.join(temp.dir, 'fanyi.yaml');
  await writeFile(config, CONFIG_YAML);
  [runs.clean, runs.prose, runs.shapes] = await Promise.all([
    translate('clean', {}, 1, config),
    translate('prose', PROSE_AND_COMMAS, 17, config),
    translate('shapes', OTHER_SHAPES, 90, config),
  ]);
});

after(async () => {
  await Promise.all(Object.values(runs).map((run) => run.provider.close()));
  await temp?.cleanup();
});

/** Chat requests the provider answered or refused, QA repairs apart. */
function calls(run: Run): { first: number; repairs: number } {
  const log = run.provider.stats.requestLog;
  return { first: log.filter((entry) => !entry.repair).length, repairs: log.filter((entry) => entry.repair).length };
}

async function wrongCells(run: Run): Promise<string[]> {
  const book = await readWorkbook(run.out);
  return [...game.targets]
    .filter(([, t]) => book.getWorksheet(t.sheet)!.getCell(t.address).value !== t.text)
    .map(([key, t]) => `${key}: ${JSON.stringify(book.getWorksheet(t.sheet)!.getCell(t.address).value)} ≠ ${JSON.stringify(t.text)}`);
}

/** Calls of the job's log that got a reply fanyi could not read. */
function malformedCalls(run: Run): number {
  return withReadonlyDb(run.db, (db) => (db.prepare("select count(*) as n from calls where outcome = 'format'").get() as { n: number }).n);
}

function assertAllTranslated(run: Run): Promise<void> {
  assert.equal(run.result.code, 0, describeResult(run.result));
  assert.equal(run.summary.status, 'completed', describeResult(run.result));
  assert.equal(run.summary.counts.failed, 0, 'no cell failed');
  return wrongCells(run).then((wrong) => assert.deepEqual(wrong, []));
}

describe('reply shapes a real model writes', () => {
  test('the clean run: the baseline the others are held to', async () => {
    await assertAllTranslated(runs.clean);
    assert.ok(calls(runs.clean).first > 5, `the workbook takes several calls (${calls(runs.clean).first})`);
  });

  test('prose around the JSON (40%) and trailing commas (30%) cost no extra call', async (t) => {
    const { faultsInjected } = runs.prose.provider.stats;
    // The README's figure: calls without and with these habits, and cells failed.
    t.diagnostic(`calls: clean ${JSON.stringify(calls(runs.clean))}, prose and commas ${JSON.stringify(calls(runs.prose))}, failed cells ${runs.prose.summary.counts?.failed}`);
    assert.ok(faultsInjected.proseAround > 0 && faultsInjected.trailingComma > 0, JSON.stringify(faultsInjected));
    await assertAllTranslated(runs.prose);
    assert.equal(malformedCalls(runs.prose), 0, 'no reply counted as malformed');
    const clean = calls(runs.clean);
    const prose = calls(runs.prose);
    assert.equal(prose.first, clean.first, `calls with prose and commas: ${prose.first}, without: ${clean.first}`);
    assert.ok(prose.repairs <= clean.repairs, `QA repairs: ${prose.repairs}, without those habits: ${clean.repairs}`);
  });

  test('null content, reordered ids, fences and echoed request shapes: only the null replies are re-asked', async () => {
    const { faultsInjected } = runs.shapes.provider.stats;
    for (const name of Object.keys(OTHER_SHAPES) as FaultName[]) assert.ok(faultsInjected[name] > 0, `${name} was injected: ${JSON.stringify(faultsInjected)}`);
    await assertAllTranslated(runs.shapes);
    assert.equal(malformedCalls(runs.shapes), faultsInjected.nullContent, 'every reply with content was read');
  });
});
