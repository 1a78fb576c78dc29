/**
 * README Durability: "Several processes may share one database file". A real `fanyi serve`
 * process and two `fanyi translate` processes work on three workbooks in one SQLite file at once,
 * in batches of three texts so each commits often: all three finish, nobody reports SQLITE_BUSY,
 * every cell is right. Then the file is read as bytes — database, `-wal`, `-shm` and the
 * `<db>.files` directory — for the provider key (given to `serve` in its environment, to one CLI
 * by `--api-key` and to the other by its environment) and the server's bearer token: "Tokens and
 * provider keys are never logged, stored or returned". (resume-settings.test.ts covers a killed
 * CLI run's database; this covers the API's path and the files directory.)
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeResult, makeTempDir, startCli, type CliProcess, type CliResult } from '../helpers/fanyi-cli.ts';
import { startGate, type Gate } from '../helpers/call-gate.ts';
import { listeningUrl } from '../helpers/serve-process.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable, wrongCells, type StringTable } from '../helpers/string-table.ts';

const KEY = 'sk-shared-db-4f1c9e7a2b8d6035';
const TOKEN = 'tok_shared_db_91c0d2e3f4a5';
const TEXTS = uniqueTexts(3 * 40);
const LOCKED = /SQLITE_BUSY|database is locked/i;

describe('one database file, three processes: fanyi serve and two fanyi translate', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let provider: SimulatedProvider;
  let serve: CliProcess;
  let base: string;
  let db: string;
  let gate: Gate;
  const tables: Record<'a' | 'b' | 'api', StringTable> = {} as never;
  let cliRuns: CliResult[];
  let apiStatus: Record<string, any>;

  const api = (route: string, init: RequestInit = {}) => fetch(`${base}${route}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${TOKEN}` } });

  before(async () => {
    temp = await makeTempDir('fanyi-shared-db-');
    db = path.join(temp.dir, 'fanyi.db');
    provider = await startSimulatedProvider({ apiKey: KEY, latencyMs: 150 });
    await writeFile(path.join(temp.dir, 'fanyi.yaml'), 'llm:\n  batch_control: { max_batch_size: 3 }\n');
    for (const [i, name] of (['a', 'b', 'api'] as const).entries()) tables[name] = await writeStringTable(path.join(temp.dir, `${name}.xlsx`), TEXTS.slice(i * 40, i * 40 + 40));

    // Every call passes a gate that holds them all until each of the three jobs has one waiting:
    // then all three are mid-run at once, whatever the machine's speed.
    gate = await startGate(provider.baseUrl, Object.values(tables));
    const common = ['--db', db, '--base-url', gate.baseUrl, '--model', 'sim-model', '--concurrency', '3'];
    serve = startCli(['serve', '--port', '0', ...common], { cwd: temp.dir, env: { OPENAI_API_KEY: KEY, FANYI_TOKENS: `${TOKEN}:team` } });
    base = await listeningUrl(serve);
    const translate = (name: 'a' | 'b', extra: string[], env: Record<string, string> = {}) =>
      startCli(['translate', tables[name].file, '--to', 'pt-BR,th', '--out', path.join(temp.dir, `${name}.out.xlsx`), '--json', ...common, ...extra], { cwd: temp.dir, env });
    const clis = [translate('a', ['--api-key', KEY]), translate('b', [], { OPENAI_API_KEY: KEY })];
    const form = new FormData();
    form.append('file', new Blob([await readFile(tables.api.file)]), 'api.xlsx');
    const { session_id: id } = (await (await api('/api/v3/upload', { method: 'POST', body: form })).json()) as { session_id: string };
    const started = await api('/api/v3/translate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_id: id, options: { to: 'pt-BR,th' } }) });
    assert.equal(started.status, 202, await started.text());
    cliRuns = await Promise.all(clis.map((cli) => cli.done));
    apiStatus = await untilFinished(api, id);
    apiStatus.id = id;
  });

  after(async () => {
    serve?.child.kill('SIGKILL');
    await gate?.close();
    await provider?.close();
    await temp?.cleanup();
  });

  test('the three jobs ran at the same time', () => {
    assert.ok(gate.opened, 'each job had a call waiting at the gate');
    const spans = Object.values(tables).map((table) => sentFrom(provider, table).map((entry) => entry.at));
    const latestStart = Math.max(...spans.map((at) => Math.min(...at)));
    const earliestEnd = Math.min(...spans.map((at) => Math.max(...at)));
    assert.ok(latestStart < earliestEnd, `every job was still calling when the last one began (${latestStart} < ${earliestEnd} ms)`);
  });

  test('all complete with every cell right, and no process reports a locked database', async () => {
    for (const run of cliRuns) {
      assert.equal(run.code, 0, describeResult(run));
      assert.doesNotMatch(run.stderr, LOCKED);
    }
    assert.equal(apiStatus.status, 'completed', JSON.stringify(apiStatus));
    assert.equal(apiStatus.progress.completed, tables.api.expected.size);
    assert.deepEqual(await wrongCells(path.join(temp.dir, 'a.out.xlsx'), tables.a.expected), []);
    assert.deepEqual(await wrongCells(path.join(temp.dir, 'b.out.xlsx'), tables.b.expected), []);
    const exported = path.join(temp.dir, 'api.out.xlsx');
    await writeFile(exported, Buffer.from(await (await api(`/api/v3/export/${apiStatus.id}`)).arrayBuffer()));
    assert.deepEqual(await wrongCells(exported, tables.api.expected), []);
    assert.doesNotMatch(serve.output.stdout + serve.output.stderr, LOCKED);
  });

  test('neither the provider key nor the bearer token is in the database, its WAL, or the files directory', async () => {
    await assertNoSecrets(db, 'while the server runs');
    serve.child.kill('SIGTERM');
    const stopped = await serve.done;
    assert.equal(stopped.code, 0, describeResult(stopped));
    await assertNoSecrets(db, 'after the server stopped');
    for (const output of [stopped.stdout + stopped.stderr, ...cliRuns.map((run) => run.stdout + run.stderr)]) {
      assert.ok(!output.includes(KEY) && !output.includes(TOKEN), 'never logged');
    }
  });
});

/** Reads every file that holds the store's data and checks it for the secrets, in UTF-8 and UTF-16. */
async function assertNoSecrets(db: string, when: string): Promise<void> {
  const files = [db, `${db}-wal`, `${db}-shm`, ...(await listFiles(`${db}.files`))];
  const contents = await Promise.all(files.map((file) => readFile(file).catch(() => Buffer.alloc(0))));
  const all = Buffer.concat(contents);
  // The reading works: the stored texts are there as plain UTF-8, and the uploaded file was kept.
  assert.ok(all.includes(Buffer.from(TEXTS[0])), `a source text is readable in the store ${when}`);
  assert.ok(files.some((file) => file.includes(`${path.sep}sources${path.sep}`)), `the upload is kept under ${db}.files`);
  for (const [i, bytes] of contents.entries()) {
    for (const secret of [KEY, TOKEN]) {
      for (const encoding of ['utf8', 'utf16le'] as const) {
        assert.equal(bytes.includes(Buffer.from(secret, encoding)), false, `${path.relative(path.dirname(db), files[i])} holds ${secret === KEY ? 'the API key' : 'the token'} ${when}`);
      }
    }
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

function sentFrom(provider: SimulatedProvider, table: StringTable) {
  const texts = new Set(table.texts);
  return provider.stats.requestLog.filter((entry) => entry.texts.some((text) => texts.has(text)));
}

async function untilFinished(api: (route: string) => Promise<Response>, id: string): Promise<Record<string, any>> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const status = (await (await api(`/api/v3/status/${id}`)).json()) as Record<string, any>;
    if (!['queued', 'running', 'analyzing'].includes(status.status)) return status;
  }
  throw new Error(`job ${id} still running after 60 s`);
}
