/**
 * The real `fanyi serve` process: it refuses to listen off loopback without tokens, takes tokens
 * from fanyi.yaml (by environment variable name) as well as FANYI_TOKENS, and on SIGTERM
 * mid-job it stops claiming, hands its batches back, stores the job as paused and exits 0; then
 * `fanyi resume` finishes the job from the CLI with every cell right.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, startCli } from '../helpers/fanyi-cli.ts';
import { listeningUrl } from '../helpers/serve-process.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { uniqueTexts, writeStringTable, wrongCells } from '../helpers/string-table.ts';

describe('fanyi serve as a process', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let provider: SimulatedProvider;

  before(async () => {
    temp = await makeTempDir('fanyi-serve-cli-');
    provider = await startSimulatedProvider({ apiKey: 'test-key', latencyMs: 300 });
  });

  after(async () => {
    await provider?.close();
    await temp?.cleanup();
  });

  test('refuses to listen on a non-loopback address without FANYI_TOKENS', async () => {
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--db', path.join(temp.dir, 'refused.db')], { cwd: temp.dir });
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without tokens.*FANYI_TOKENS/);
  });

  test('rejects a weak token without echoing it', async () => {
    const result = await runCli(['serve', '--port', '0', '--db', path.join(temp.dir, 'weak.db')], { cwd: temp.dir, env: { FANYI_TOKENS: 'short:team' } });
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /at least 16/);
    assert.ok(!result.stderr.includes('short'));
  });

  test('server.tokens in fanyi.yaml name their environment variables; a missing one stops the start, naming it', async (t) => {
    const dir = path.join(temp.dir, 'tokens');
    await mkdir(dir);
    await writeFile(path.join(dir, 'fanyi.yaml'), 'server:\n  tokens:\n    - { token_env: TEAM_A_TOKEN, tenant: team-a }\n');
    const missing = await runCli(['serve', '--port', '0', '--db', path.join(dir, 'fanyi.db')], { cwd: dir });
    assert.equal(missing.code, 2, describeResult(missing));
    assert.match(missing.stderr, /server\.tokens\[0\] \(TEAM_A_TOKEN\).*not set/);
    const token = 'team-a-secret-0123456789';
    const serve = startCli(['serve', '--host', '0.0.0.0', '--port', '0', '--db', path.join(dir, 'fanyi.db')], { cwd: dir, env: { TEAM_A_TOKEN: token } });
    t.after(() => void serve.child.kill('SIGKILL'));
    const base = (await listeningUrl(serve)).replace('0.0.0.0', '127.0.0.1');
    assert.equal((await fetch(`${base}/api/v3/jobs`)).status, 401);
    assert.equal((await fetch(`${base}/api/v3/jobs`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    serve.child.kill('SIGTERM');
    const stopped = await serve.done;
    assert.equal(stopped.code, 0, describeResult(stopped));
    assert.ok(!stopped.stdout.includes(token) && !stopped.stderr.includes(token), 'the token is never logged');
  });

  test('SIGTERM mid-job: exits 0, job paused with nothing leased; fanyi resume finishes it', async (t) => {
    const db = path.join(temp.dir, 'fanyi.db');
    await writeFile(path.join(temp.dir, 'fanyi.yaml'), 'llm:\n  batch_control: { max_batch_size: 4 }\n');
    const table = await writeStringTable(path.join(temp.dir, 'strings.xlsx'), uniqueTexts(24));
    const serve = startCli(['serve', '--port', '0', '--db', db, '--concurrency', '2', ...providerFlags(provider.baseUrl)], { cwd: temp.dir });
    t.after(() => void serve.child.kill('SIGKILL'));
    const base = await listeningUrl(serve);
    const form = new FormData();
    form.append('file', new Blob([await readFile(table.file)]), 'strings.xlsx');
    const { session_id: id } = (await (await fetch(`${base}/api/v3/upload`, { method: 'POST', body: form })).json()) as { session_id: string };
    const started = await fetch(`${base}/api/v3/translate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ session_id: id, options: { to: 'pt-BR,th' } }) });
    assert.equal(started.status, 202);
    await untilSomeDone(base, id);
    // Mid-run, export holds what is done so far and leaves the rest empty.
    const partial = path.join(temp.dir, 'partial.xlsx');
    await writeFile(partial, Buffer.from(await (await fetch(`${base}/api/v3/export/${id}`)).arrayBuffer()));
    const missing = (await wrongCells(partial, table.expected)).length;
    assert.ok(missing > 0 && missing < table.expected.size, `${missing} of ${table.expected.size} cells missing mid-run`);
    serve.child.kill('SIGTERM');
    const stopped = await serve.done;
    assert.equal(stopped.code, 0, describeResult(stopped));

    const status = parseSingleJson((await runCli(['status', id, '--json', '--db', db], { cwd: temp.dir })).stdout);
    const counts = status.counts as Record<string, number>;
    assert.equal(status.status, 'paused');
    assert.equal(counts.processing, 0, 'every lease handed back');
    assert.ok(counts.completed > 0 && counts.completed < counts.total, JSON.stringify(counts));

    const out = path.join(temp.dir, 'resumed.xlsx');
    const resumed = await runCli(['resume', id, '--db', db, ...providerFlags(provider.baseUrl)], { cwd: temp.dir });
    assert.equal(resumed.code, 0, describeResult(resumed));
    const exported = await runCli(['export', id, '--out', out, '--db', db], { cwd: temp.dir });
    assert.equal(exported.code, 0, describeResult(exported));
    assert.deepEqual(await wrongCells(out, table.expected), []);
  });
});

async function untilSomeDone(base: string, id: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const status = (await (await fetch(`${base}/api/v3/status/${id}`)).json()) as { progress: { completed: number } };
    if (status.progress.completed > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no task completed in 10 s');
}
