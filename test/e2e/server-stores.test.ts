/**
 * `--store postgres://…` and `--store mysql://…` end to end: the real CLI translates, reports
 * status and exports a workbook on each server database, and every output is the one the SQLite
 * store gives (cell by cell, and status counts per status, group, field and QA flag). The pseudo
 * provider for the full round, the simulated one for one translate run per database.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { compareWorkbooks, formatDifferences } from '../helpers/compare-workbooks.ts';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli } from '../helpers/fanyi-cli.ts';
import { GAME_LANGUAGES, writeGameWorkbook } from '../helpers/game-workbook.ts';
import { serverStoreSuite, type ServerKind } from '../helpers/server-stores.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';

const temp = await makeTempDir();
const game = await writeGameWorkbook(path.join(temp.dir, 'game.xlsx'));
let provider: SimulatedProvider | undefined;
after(async () => {
  await provider?.close();
  await temp.cleanup();
});

interface RoundTrip {
  translated: string;
  exported: string;
  simulated: string;
  status: Record<string, unknown>;
}

/** translate (pseudo) → status → export, then translate on the simulated provider, all on `store`. */
async function roundTrip(name: string, store: string): Promise<RoundTrip> {
  provider ??= await startSimulatedProvider({ apiKey: 'test-key' });
  const file = (suffix: string) => path.join(temp.dir, `${name}.${suffix}.xlsx`);
  const run = async (args: string[]) => {
    const result = await runCli([...args, '--store', store], { cwd: temp.dir, timeoutMs: 120_000 });
    assert.equal(result.code, 0, `${name}: fanyi ${args[0]}\n${describeResult(result)}`);
    return result;
  };
  const translated = await run(['translate', game.file, '--to', GAME_LANGUAGES.join(','), '--provider', 'pseudo', '--out', file('translated')]);
  const jobId = /job (job_\w+)/.exec(translated.stderr)?.[1] ?? '';
  const status = parseSingleJson((await run(['status', jobId, '--json'])).stdout);
  await run(['export', jobId, '--out', file('exported')]);
  await run(['translate', game.file, '--to', GAME_LANGUAGES.join(','), ...providerFlags(provider.baseUrl), '--no-memory', '--out', file('simulated')]);
  return { translated: file('translated'), exported: file('exported'), simulated: file('simulated'), status };
}

let sqlite: Promise<RoundTrip> | undefined;
/** The SQLite run every server run is held against (once, for both). */
const baseline = () => (sqlite ??= roundTrip('sqlite', `sqlite:${path.join(temp.dir, 'fanyi.db')}`));

/** What status says about the work, without ids and times. */
function statusFacts(status: Record<string, unknown>) {
  const { status: state, counts, fields, flags, groups, paused_groups, calls } = status;
  return { state, counts, fields, flags, groups, paused_groups, calls };
}

function serverCases(kind: ServerKind, newDatabase: () => Promise<string>): void {
  let expected: RoundTrip;
  let actual: RoundTrip;
  before(async () => {
    expected = await baseline();
    actual = await roundTrip(kind, await newDatabase());
  });

  test(`${kind}: translate, status and export give what the SQLite store gives`, async () => {
    assert.deepEqual(statusFacts(actual.status), statusFacts(expected.status));
    assert.equal((actual.status.counts as { completed: number }).completed, game.targets.size, 'every target cell completed');
    for (const [a, b] of [
      [expected.translated, actual.translated],
      [expected.exported, actual.exported],
      [expected.translated, actual.exported],
    ]) {
      assert.deepEqual(await compareWorkbooks(a, b), [], formatDifferences(await compareWorkbooks(a, b)));
    }
  });

  test(`${kind}: a run on the simulated provider writes the same workbook as on SQLite`, async () => {
    const diffs = await compareWorkbooks(expected.simulated, actual.simulated);
    assert.deepEqual(diffs, [], formatDifferences(diffs));
  });
}

await serverStoreSuite('postgres', (newDatabase) => serverCases('postgres', newDatabase));
await serverStoreSuite('mysql', (newDatabase) => serverCases('mysql', newDatabase));
