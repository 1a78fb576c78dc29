/**
 * A resumed job is the job it continues: `fanyi resume` and the API's resume run it with the
 * provider, endpoint, model, concurrency and limits it was started with (keys from the
 * environment, never from the store), flags given to resume change them for good, and a pseudo
 * job never becomes a real one, nor the other way round.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { describeResult, makeTempDir, parseSingleJson, runCli, startCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { startServeHarness, waitForJob, type ServeHarness } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, wrongCells, writeStringTable, type StringTable } from '../helpers/string-table.ts';

const KEY = 'sk-resume-test-0123456789abcdef';
/** Many small batches two at a time, adaptive control off: a resumed run must keep both. */
const RUN_FLAGS = ['--to', 'pt-BR,th', '--concurrency', '2', '--max-batch-tokens', '300'];
const NO_ADAPTIVE = 'llm:\n  adaptive:\n    enabled: false\n';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let table: StringTable;
let configFile: string;
const providers: SimulatedProvider[] = [];

before(async () => {
  temp = await makeTempDir();
  table = await writeStringTable(path.join(temp.dir, 'strings.xlsx'), uniqueTexts(400));
  configFile = path.join(temp.dir, 'run.yaml');
  await writeFile(configFile, NO_ADAPTIVE);
});

after(async () => {
  await Promise.all(providers.map((provider) => provider.close()));
  await temp?.cleanup();
});

async function newProvider(apiKey?: string): Promise<SimulatedProvider> {
  const provider = await startSimulatedProvider({ apiKey, latencyMs: 100 });
  providers.push(provider);
  return provider;
}

/** Starts `translate` and SIGKILLs it once the provider has answered a few calls: a job left half done. */
async function killedRun(db: string, args: string[], provider: SimulatedProvider): Promise<CliResult> {
  const cli = startCli(['translate', table.file, ...RUN_FLAGS, '--no-memory', '--db', db, '--out', `${db}.xlsx`, ...args], { cwd: temp.dir });
  let finished = false;
  void cli.done.finally(() => (finished = true)).catch(() => undefined);
  while (!finished && provider.stats.ok < 3) await sleep(20);
  cli.child.kill('SIGKILL');
  const result = await cli.done;
  assert.equal(result.signal, 'SIGKILL', `the run ended before it was killed: ${describeResult(result)}`);
  return result;
}

function query<T>(db: string, sql: string): T[] {
  const handle = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return handle.prepare(sql).all() as T[];
  } finally {
    handle.close();
  }
}

const pendingCount = (db: string) => query<{ n: number }>(db, "select count(*) as n from tasks where status in ('pending', 'processing')")[0].n;
const modelsUsed = (db: string) => query<{ model_name: string }>(db, 'select distinct model_name from tasks where model_name is not null').map((r) => r.model_name).sort();

describe('a job started on a real endpoint', () => {
  let provider: SimulatedProvider;
  let db: string;
  before(async () => {
    provider = await newProvider(KEY);
    db = path.join(temp.dir, 'real.db');
    await killedRun(db, ['--base-url', provider.baseUrl, '--api-key', KEY, '--model', 'sim-model', '--config', configFile], provider);
  });

  test('resume without its key stops before any call, naming the endpoint and the variable', async () => {
    const [requests, pending] = [provider.stats.requests, pendingCount(db)];
    const result = await runCli(['resume', '--db', db], { cwd: temp.dir });
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, new RegExp(`endpoint default \\(${provider.baseUrl.replace(/[.]/g, '\\.')}\\) needs an API key: set OPENAI_API_KEY or pass --api-key`));
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    assert.equal(provider.stats.requests, requests, 'no call was made');
    assert.equal(pendingCount(db), pending, 'nothing was translated by another provider');
  });

  test('resume --provider pseudo is refused: a real job never becomes a pseudo one', async () => {
    const result = await runCli(['resume', '--db', db, '--provider', 'pseudo'], { cwd: temp.dir });
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /started with the openai provider and cannot be resumed with pseudo/);
    assert.deepEqual(modelsUsed(db), ['sim-model']);
  });

  test('the key stays out of the database', async () => {
    for (const file of [db, `${db}-wal`]) {
      const bytes = await readFile(file).catch(() => Buffer.alloc(0));
      assert.equal(bytes.includes(KEY), false, `${path.basename(file)} holds the API key`);
    }
  });

  test('with the key in the environment it finishes on the same endpoint, model and concurrency', async () => {
    provider.reset();
    // An endpoint in the environment is not the job's: it must not redirect it.
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' };
    const result = await runCli(['resume', '--db', db], { cwd: temp.dir, env });
    assert.equal(result.code, 0, describeResult(result));
    assert.ok(provider.stats.ok > 0, 'the resumed calls went to the job endpoint');
    assert.ok(provider.stats.maxConcurrent <= 2, `${provider.stats.maxConcurrent} calls in flight at once; the job was started with --concurrency 2`);
    assert.deepEqual(modelsUsed(db), ['sim-model']);
    assert.deepEqual(await wrongCells(`${db}.xlsx`, table.expected), []);
  });

  test('status shows how the job runs, and no key', async () => {
    const result = await runCli(['status', '--db', db, '--json'], { cwd: temp.dir });
    const run = parseSingleJson(result.stdout).run as { provider: string; endpoints: Array<Record<string, unknown>>; llm: { batch_control: { max_concurrent_workers: number } } };
    assert.equal(run.provider, 'openai');
    assert.deepEqual(
      run.endpoints.map((e) => [e.name, e.baseUrl, e.model, e.apiKeyEnv, e.needsKey]),
      [['default', provider.baseUrl, 'sim-model', 'OPENAI_API_KEY', true]],
    );
    assert.equal(run.llm.batch_control.max_concurrent_workers, 2);
    assert.equal(result.stdout.includes(KEY), false);
    const text = await runCli(['status', '--db', db], { cwd: temp.dir });
    assert.match(text.stdout, new RegExp(`runs with: openai: default ${provider.baseUrl.replace(/[.]/g, '\\.')} sim-model .*key from OPENAI_API_KEY.*concurrency 2`));
  });

  test('status of the job as stored before fanyi kept run settings says why it cannot show them', async () => {
    const legacy = path.join(temp.dir, 'legacy.db');
    const copy = new Database(db, { readonly: true });
    copy.exec(`vacuum into '${legacy.replace(/'/g, "''")}'`);
    copy.close();
    const edit = new Database(legacy);
    const job = edit.prepare('select job_id, options from jobs').get() as { job_id: string; options: string };
    const { run: _dropped, ...options } = JSON.parse(job.options) as Record<string, unknown>;
    edit.prepare('update jobs set options = ? where job_id = ?').run(JSON.stringify(options), job.job_id);
    edit.close();
    const json = await runCli(['status', '--db', legacy, '--json'], { cwd: temp.dir });
    assert.equal(json.code, 0, describeResult(json));
    const status = parseSingleJson(json.stdout);
    assert.equal(status.run, null);
    assert.match(String(status.run_note), /stored before fanyi kept how jobs run, and was run with model sim-model: resume it with the flags it was started with/);
    const text = await runCli(['status', '--db', legacy], { cwd: temp.dir });
    assert.match(text.stdout, /run settings: not stored with this job: .*resume it with the flags/);
  });
});

describe('flags given to resume', () => {
  test('change the stored settings for this run and later ones, and status says so', async () => {
    const provider = await newProvider(KEY);
    const db = path.join(temp.dir, 'flags.db');
    await killedRun(db, ['--base-url', provider.baseUrl, '--api-key', KEY, '--model', 'sim-model', '--config', configFile], provider);
    provider.reset();
    const result = await runCli(['resume', '--db', db, '--concurrency', '1', '--model', 'sim-model-2', '--api-key', KEY], { cwd: temp.dir });
    assert.equal(result.code, 0, describeResult(result));
    assert.match(result.stderr, /settings changed for this and later runs: concurrency 2 → 1, model sim-model → sim-model-2/);
    assert.equal(provider.stats.maxConcurrent, 1);
    assert.deepEqual(modelsUsed(db), ['sim-model', 'sim-model-2']);
    const status = parseSingleJson((await runCli(['status', '--db', db, '--json'], { cwd: temp.dir })).stdout);
    const run = status.run as { endpoints: Array<{ model: string }>; llm: { batch_control: { max_concurrent_workers: number } } };
    assert.equal(run.llm.batch_control.max_concurrent_workers, 1);
    assert.equal(run.endpoints[0].model, 'sim-model-2');
    assert.ok((status.events as Array<{ message: string }>).some((e) => /resumed with concurrency 2 → 1/.test(e.message)));
  });
});

describe('a job started on the offline pseudo provider', () => {
  let provider: SimulatedProvider;
  let db: string;
  before(async () => {
    provider = await newProvider(KEY);
    db = path.join(temp.dir, 'pseudo.db');
    const first = await runCli(['translate', table.file, ...RUN_FLAGS, '--db', db, '--out', `${db}.xlsx`], { cwd: temp.dir });
    assert.equal(first.code, 0, describeResult(first));
    leaveHalfDone(db, 'th');
  });

  test('resume with --base-url is refused: a pseudo job never becomes a real one', async () => {
    const result = await runCli(['resume', '--db', db, '--base-url', provider.baseUrl, '--api-key', KEY], { cwd: temp.dir });
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /started with the pseudo provider and cannot be resumed with openai/);
    assert.equal(provider.stats.requests, 0);
  });

  test('resume with a key and endpoint in the environment stays pseudo', async () => {
    const result = await runCli(['resume', '--db', db], { cwd: temp.dir, env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: provider.baseUrl } });
    assert.equal(result.code, 0, describeResult(result));
    assert.equal(provider.stats.requests, 0, 'no call reached the real endpoint');
    assert.deepEqual(modelsUsed(db), ['pseudo']);
    assert.equal(pendingCount(db), 0);
  });
});

describe('POST /api/v3/resume/:id', () => {
  let server: ServeHarness;
  before(async () => {
    // The server's own provider is pseudo; the job's endpoint is the simulated one.
    server = await startServeHarness();
  });
  after(() => server?.close());

  test('runs a CLI job with its own endpoint, not the server’s provider', async () => {
    const provider = await newProvider();
    await killedRun(server.db, ['--base-url', provider.baseUrl, '--model', 'sim-model', '--config', configFile], provider);
    const jobId = query<{ job_id: string }>(server.db, 'select job_id from jobs')[0].job_id;
    const response = await server.request(`/api/v3/resume/${jobId}`, { method: 'POST' });
    assert.equal(response.status, 200, await response.text());
    const status = await waitForJob(server, jobId);
    assert.equal(status.status, 'completed');
    assert.deepEqual(modelsUsed(server.db), ['sim-model']);
  });

  test('answers 400 naming the key when the server lacks the job endpoint key', async () => {
    const provider = await newProvider(KEY);
    const db = server.db;
    await killedRun(db, ['--base-url', provider.baseUrl, '--api-key', KEY, '--model', 'sim-model', '--config', configFile], provider);
    const jobId = query<{ job_id: string }>(db, 'select job_id from jobs order by created_at desc limit 1')[0].job_id;
    const requests = provider.stats.requests;
    const response = await server.request(`/api/v3/resume/${jobId}`, { method: 'POST' });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { message: string }).message, /needs an API key: set OPENAI_API_KEY/);
    assert.equal(provider.stats.requests, requests);
  });
});

/**
 * The state a run killed mid-way leaves, made exactly: the tasks into `lang` back to pending with
 * their batches, the job still `running`. (A pseudo run is too fast to kill reliably.)
 */
function leaveHalfDone(db: string, lang: string): void {
  const handle = new Database(db, { fileMustExist: true });
  try {
    handle.prepare("update tasks set status = 'pending', result = null, model_name = null, end_time = null where target_lang = ?").run(lang);
    handle.prepare("update batches set status = 'pending' where target_lang = ?").run(lang);
    handle.prepare("update jobs set status = 'running'").run();
  } finally {
    handle.close();
  }
}
