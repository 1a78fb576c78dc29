/**
 * Source workbooks and uploads live in the store (issue 14): a process on another machine — here,
 * with another files dir, the first one deleted — reads them from the PostgreSQL or MySQL
 * database alone. The CLI exports a job made elsewhere; an API server starts a translate of an
 * upload made on another server, and either server downloads the result.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { compareWorkbooks, formatDifferences } from '../helpers/compare-workbooks.ts';
import { describeResult, makeTempDir, runCli } from '../helpers/fanyi-cli.ts';
import { GAME_LANGUAGES, writeGameWorkbook } from '../helpers/game-workbook.ts';
import { startServeHarness, translateThroughApi, type ServeHarness } from '../helpers/serve-harness.ts';
import { serverStoreSuite, type ServerKind } from '../helpers/server-stores.ts';

const temp = await makeTempDir('fanyi-shared-files-');
after(() => temp.cleanup());

function cases(kind: ServerKind, newDatabase: () => Promise<string>): void {
  const dir = path.join(temp.dir, kind);
  let store: string;
  before(async () => {
    store = await newDatabase();
    await mkdir(dir, { recursive: true });
  });

  test(`${kind}: a job made with one files dir is exported with another, the first and the original file deleted`, async () => {
    const original = path.join(dir, 'original');
    await mkdir(original);
    const game = await writeGameWorkbook(path.join(original, 'game.xlsx'));
    const run = async (args: string[], filesDir: string) => {
      const result = await runCli([...args, '--store', store, '--files-dir', filesDir], { cwd: dir, timeoutMs: 120_000 });
      assert.equal(result.code, 0, `fanyi ${args[0]}\n${describeResult(result)}`);
      return result;
    };
    const translated = path.join(dir, 'translated.xlsx');
    const made = await run(['translate', game.file, '--to', GAME_LANGUAGES.join(','), '--provider', 'pseudo', '--out', translated], path.join(dir, 'machine-a'));
    const jobId = /job (job_\w+)/.exec(made.stderr)?.[1];
    assert.ok(jobId, made.stderr);
    await rm(path.join(dir, 'machine-a'), { recursive: true });
    await rm(original, { recursive: true });
    const exported = path.join(dir, 'exported.xlsx');
    await run(['export', jobId, '--out', exported], path.join(dir, 'machine-b'));
    const diffs = await compareWorkbooks(translated, exported);
    assert.deepEqual(diffs, [], formatDifferences(diffs));
  });

  test(`${kind}: server B starts a translate of an upload made on server A; both download the result`, async () => {
    let a: ServeHarness | undefined;
    let b: ServeHarness | undefined;
    try {
      a = await startServeHarness({ store, filesDir: path.join(dir, 'server-a') });
      b = await startServeHarness({ store, filesDir: path.join(dir, 'server-b') });
      const game = await writeGameWorkbook(path.join(dir, 'upload.xlsx'));
      const { id, finished } = await translateThroughApi(a, game.file, { to: [...GAME_LANGUAGES], startOn: b, timeoutMs: 120_000 });
      assert.equal(finished.status, 'completed', JSON.stringify(finished));
      // Server A's own copy of the upload goes: it must read the bytes back from the store.
      await rm(path.join(dir, 'server-a', 'sources'), { recursive: true, force: true });
      const downloads: string[] = [];
      for (const [name, server] of [['a', a], ['b', b]] as const) {
        const answer = await server.request(`/api/v3/export/${id}`);
        assert.equal(answer.status, 200, await answer.clone().text());
        downloads.push(path.join(dir, `download-${name}.xlsx`));
        await writeFile(downloads.at(-1)!, Buffer.from(await answer.arrayBuffer()));
      }
      const reference = path.join(dir, 'reference.xlsx');
      await copyFile(game.file, reference);
      const changed = new Set((await compareWorkbooks(reference, downloads[0])).filter((d) => d.aspect === 'value').map((d) => `${d.sheet}!${d.cell}`));
      const untranslated = [...game.targets.keys()].filter((cell) => !changed.has(cell));
      assert.deepEqual(untranslated, [], 'every target cell translated');
      const diffs = await compareWorkbooks(downloads[0], downloads[1]);
      assert.deepEqual(diffs, [], formatDifferences(diffs));
    } finally {
      await a?.close();
      await b?.close();
    }
  });
}

await serverStoreSuite('postgres', (newDatabase) => cases('postgres', newDatabase));
await serverStoreSuite('mysql', (newDatabase) => cases('mysql', newDatabase));
