/**
 * `fanyi serve` security and bad input over real HTTP: tokens and tenant isolation (another
 * tenant's job is a 404), 413/415/400/404 with clear messages and no stack traces, hostile file
 * names, and the per-token rate limit.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { declareUncompressedSize, paddedXlsxZip, pngBytes, xlsxBuffer } from '../helpers/crafted-files.ts';
import { startServeHarness, waitForJob, type ServeHarness } from '../helpers/serve-harness.ts';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789ab';
const TABLE = [['key', 'en', 'pt-BR'], ['hello', 'Hello', null], ['bye', 'Goodbye', null]];

async function expectProblem(answer: Response, status: number, message?: RegExp): Promise<Record<string, any>> {
  const text = await answer.text();
  assert.equal(answer.status, status, text);
  const body = JSON.parse(text) as Record<string, any>;
  assert.equal(body.statusCode, status);
  assert.equal(typeof body.code, 'string');
  if (message) assert.match(body.message, message);
  assert.doesNotMatch(text, /\n\s+at |node_modules|\.ts:\d+/, 'no stack trace in the answer');
  assert.ok(!text.includes(ALICE) && !text.includes(BOB), 'no token in the answer');
  return body;
}

describe('fanyi serve: tokens and tenants', () => {
  let server: ServeHarness;
  let aliceJob: string;

  before(async () => {
    server = await startServeHarness({ tokens: { [ALICE]: 'alice', [BOB]: 'bob' } });
    const uploaded = (await (await server.upload(await xlsxBuffer({ Strings: TABLE }), 'strings.xlsx', ALICE)).json()) as Record<string, any>;
    aliceJob = uploaded.session_id;
    const started = await server.request('/api/v3/translate', { token: ALICE, json: { session_id: aliceJob } });
    assert.equal(started.status, 202, await started.clone().text());
    await waitForJob(server, aliceJob, ALICE);
  });

  after(() => server?.close());

  test('no token or a wrong one is a 401; health checks and docs need none', async () => {
    await expectProblem(await server.request(`/api/v3/status/${aliceJob}`), 401, /bearer token/);
    await expectProblem(await server.request(`/api/v3/status/${aliceJob}`, { token: 'not-a-valid-token-at-all' }), 401);
    await expectProblem(await server.request('/metrics'), 401);
    assert.equal((await server.request('/healthz')).status, 200);
    assert.equal((await server.request('/api/openapi.json')).status, 200);
  });

  test("the owner sees the job; another tenant gets 404 on every endpoint, as for a missing id", async () => {
    assert.equal((await server.request(`/api/v3/status/${aliceJob}`, { token: ALICE })).status, 200);
    for (const route of ['status', 'tasks', 'results', 'export'].map((r) => `/api/v3/${r}/${aliceJob}`).concat([`/api/monitor/status/${aliceJob}`, `/api/monitor/dataframe/${aliceJob}`])) {
      const body = await expectProblem(await server.request(route, { token: BOB }), 404);
      assert.equal(body.code, 'JOB_NOT_FOUND', route);
    }
    const bobList = (await (await server.request('/api/v3/jobs', { token: BOB })).json()) as Record<string, any>;
    assert.equal(bobList.total_count, 0);
    const aliceList = (await (await server.request('/api/v3/jobs', { token: ALICE })).json()) as Record<string, any>;
    assert.deepEqual(aliceList.jobs.map((j: any) => j.session_id), [aliceJob]);
  });

  test("another tenant cannot start someone's upload", async () => {
    const uploaded = (await (await server.upload(await xlsxBuffer({ Strings: TABLE }), 'other.xlsx', ALICE)).json()) as Record<string, any>;
    await expectProblem(await server.request('/api/v3/translate', { token: BOB, json: { session_id: uploaded.session_id } }), 404);
    const again = await server.request('/api/v3/translate', { token: ALICE, json: { session_id: aliceJob } });
    await expectProblem(again, 409, /already started/);
  });
});

describe('fanyi serve: the error catalogue in the API document', () => {
  let server: ServeHarness;
  before(async () => {
    server = await startServeHarness({ tokens: { [ALICE]: 'alice' } });
  });
  after(() => server?.close());

  test('every operation behind the token check documents 401, 429 and 500 with the Error body; state changes 409', async () => {
    const doc = (await (await server.request('/api/openapi.json')).json()) as Record<string, any>;
    assert.deepEqual(Object.keys(doc.components.schemas.Error.properties).sort(), ['code', 'details', 'message', 'statusCode']);
    const operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([route, ops]) => Object.entries<any>(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${route}`, op })));
    const guarded = operations.filter(({ name }) => !/healthz|readyz/.test(name));
    assert.ok(guarded.length >= 17, `${guarded.length} operations`);
    for (const { name, op } of guarded) {
      for (const status of ['401', '429', '500']) {
        assert.equal(op.responses[status]?.content?.['application/json']?.schema?.$ref, '#/components/schemas/Error', `${name} ${status}`);
        assert.ok(op.responses[status].description.length > 20, `${name} ${status} says when`);
      }
      assert.ok(op.responses['429'].headers['retry-after'], `${name} documents Retry-After`);
    }
    for (const name of ['POST /api/v3/translate', 'POST /api/v3/pause/{id}', 'POST /api/v3/resume/{id}', 'POST /api/v3/cancel/{id}']) {
      assert.ok(guarded.find((o) => o.name === name)?.op.responses['409'], `${name} documents 409`);
    }
  });

  test('401, 409 and 429 answer with the same body as every other error', async () => {
    const uploaded = (await (await server.upload(await xlsxBuffer({ Strings: TABLE }), 'strings.xlsx', ALICE)).json()) as Record<string, any>;
    await server.request('/api/v3/translate', { token: ALICE, json: { session_id: uploaded.session_id } });
    await waitForJob(server, uploaded.session_id, ALICE);
    const conflict = await expectProblem(await server.request(`/api/v3/resume/${uploaded.session_id}`, { method: 'POST', token: ALICE }), 409, /completed.*cannot be resumed/);
    assert.deepEqual(Object.keys(conflict).sort(), ['code', 'message', 'statusCode']);
    assert.equal(conflict.code, 'CONFLICT');
    const unauthorized = await expectProblem(await server.request('/api/v3/jobs'), 401);
    assert.deepEqual([Object.keys(unauthorized).sort(), unauthorized.code], [['code', 'message', 'statusCode'], 'UNAUTHORIZED']);
  });
});

describe('fanyi serve: bad input', () => {
  let server: ServeHarness;

  before(async () => {
    server = await startServeHarness({ configYaml: 'data_processing:\n  cell_processing:\n    max_file_mb: 0.05\n    max_cells: 40\n    max_uncompressed_mb: 1\n' });
  });

  after(() => server?.close());

  test('413: over the upload size, over max_cells, over the uncompressed size, a zip bomb', async () => {
    await expectProblem(await server.upload(Buffer.alloc(80 * 1024, 'a,b\n'), 'big.csv'), 413, /over the 0 MB|max_file_mb/);
    const manyCells = [['key', 'en'], ...Array.from({ length: 30 }, (_, i) => [`k${i}`, `Text ${i}`])];
    await expectProblem(await server.upload(await xlsxBuffer({ S: manyCells }), 'cells.xlsx'), 413, /max_cells/);
    await expectProblem(await server.upload(await paddedXlsxZip(2 * 1024 * 1024), 'padded.xlsx'), 413, /padded\.xlsx/);
    const bomb = declareUncompressedSize(await paddedXlsxZip(16 * 1024), 'xl/worksheets/sheet1.xml', 300 * 1024 * 1024);
    await expectProblem(await server.upload(bomb, 'bomb.xlsx'), 413);
  });

  test('415: not a spreadsheet, or not multipart', async () => {
    await expectProblem(await server.upload(pngBytes(), 'picture.xlsx'), 415, /picture\.xlsx is not a spreadsheet/);
    await expectProblem(await server.request('/api/v3/upload', { json: { file: 'x' } }), 415, /multipart/);
    await expectProblem(await server.request('/api/v3/upload', { method: 'POST', body: 'raw', headers: { 'content-type': 'application/pdf' } }), 415);
  });

  test('400: malformed JSON, a missing or unknown field, a bad language, a bad id or paging', async () => {
    await expectProblem(await server.request('/api/v3/translate', { method: 'POST', body: '{"session_id":', headers: { 'content-type': 'application/json' } }), 400);
    const missing = await expectProblem(await server.request('/api/v3/translate', { json: { options: {} } }), 400, /session_id/);
    assert.ok(Array.isArray(missing.details));
    await expectProblem(await server.request('/api/v3/translate', { json: { session_id: 'job_x', options: { model: 'gpt-5' } } }), 400, /additional properties/);
    const uploaded = (await (await server.upload('key,en,pt-BR\nhi,Hello,\n', 'small.csv')).json()) as Record<string, any>;
    await expectProblem(await server.request('/api/v3/translate', { json: { session_id: uploaded.session_id, options: { to: ['klingon!'] } } }), 400, /options\.to/);
    await expectProblem(await server.request('/api/v3/status/..%2F..%2Fetc'), 400);
    await expectProblem(await server.request(`/api/v3/tasks/${uploaded.session_id}?page=0`), 400, /page/);
    await expectProblem(await server.request(`/api/v3/tasks/${uploaded.session_id}?status=done`), 400, /status/);
  });

  test('404: an unknown job, session or route', async () => {
    await expectProblem(await server.request('/api/v3/status/job_000000_unknown'), 404, /no job/);
    await expectProblem(await server.request('/api/v3/translate', { json: { session_id: 'job_000000_unknown' } }), 404, /upload/);
    await expectProblem(await server.request('/api/v3/nothing-here'), 404);
  });

  test('a hostile file name is shown cleaned and never used as a path', async () => {
    // Raw multipart, so the name reaches the server as sent (fetch's FormData would escape it).
    const name = '..\\..\\../etc/\u0001evil\u001b[31m\u202e.csv';
    const multipart = `--b\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: text/csv\r\n\r\nkey,en,pt-BR\nhi,Hello,\n\r\n--b--\r\n`;
    const answer = await server.request('/api/v3/upload', { method: 'POST', body: Buffer.from(multipart), headers: { 'content-type': 'multipart/form-data; boundary=b' } });
    const body = (await answer.json()) as Record<string, any>;
    assert.equal(answer.status, 201, JSON.stringify(body));
    assert.equal(body.file_name, 'evil[31m.csv');
    const kept = await readdir(`${server.db}.files`, { recursive: true });
    assert.ok(kept.some((name) => /sources[\\/][0-9a-f]{64}\.csv$/.test(name)), `stored under its hash, with the extension the client named: ${kept.join(', ')}`);
    assert.deepEqual(await readdir(path.join(`${server.db}.files`, 'uploads')), [], 'the staging folder is gone once the upload is stored');
    assert.ok(!kept.some((name) => name.includes('evil')));
  });
});

describe('fanyi serve: per-token rate limit', () => {
  let server: ServeHarness;
  before(async () => {
    server = await startServeHarness({ requestsPerSecond: 3 });
  });
  after(() => server?.close());

  test('past the limit a client gets 429 with retry-after; health checks are not limited', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => server.request('/api/v3/jobs')));
    const limited = answers.filter((a) => a.status === 429);
    assert.equal(limited.length, 2);
    assert.ok(Number(limited[0].headers.get('retry-after')) >= 1);
    const problem = await expectProblem(limited[0], 429, /too many requests/);
    assert.deepEqual([Object.keys(problem).sort(), problem.code], [['code', 'message', 'statusCode'], 'RATE_LIMITED']);
    assert.equal((await server.request('/healthz')).status, 200);
  });

  test('each token has its own budget, even two tokens of one tenant', async () => {
    const shared = await startServeHarness({ tokens: { [ALICE]: 'team', [BOB]: 'team' }, requestsPerSecond: 2 });
    try {
      const alice = await Promise.all(Array.from({ length: 3 }, () => shared.request('/api/v3/jobs', { token: ALICE })));
      assert.deepEqual(alice.map((a) => a.status).sort(), [200, 200, 429]);
      assert.equal((await shared.request('/api/v3/jobs', { token: BOB })).status, 200);
    } finally {
      await shared.close();
    }
  });
});

describe('fanyi serve: system.max_memory_usage', () => {
  let server: ServeHarness;
  before(async () => {
    server = await startServeHarness({ configYaml: 'system:\n  max_memory_usage: 100\n' });
  });
  after(() => server?.close());

  test('413: an upload whose planning would not fit the memory budget is refused before it is read', async () => {
    const table = [['key', 'en', 'zh-CN'], ['hello', 'Hello', null]];
    await expectProblem(await server.upload(await xlsxBuffer({ S: table }), 'table.xlsx'), 413, /table\.xlsx needs about \d+ MB of memory to plan .*over system\.max_memory_usage \(100 MB\)/);
    await expectProblem(await server.upload(Buffer.from('key,en,zh-CN\nhello,Hello,\n'), 'table.csv'), 413, /table\.csv needs about \d+ MB of memory to plan \([\d.]+ MB of text\)/);
  });
});
