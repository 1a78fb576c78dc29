/**
 * The dashboard in a real Chromium (Debian `chromium`, driven by playwright-core) against a real
 * `fanyi serve` app with bearer tokens: paste the token, upload a workbook and start it from the
 * page, watch the bar reach 100%, download the result and compare it cell by cell, screenshot.
 * The test that needs no browser (the page is public, the API is not) runs outside the browser block.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { compareWorkbooks, formatDifferences, readWorkbook } from '../helpers/compare-workbooks.ts';
import { writeGameWorkbook, type GameWorkbook } from '../helpers/game-workbook.ts';
import { startServeHarness, type ServeHarness } from '../helpers/serve-harness.ts';
import { assertPresent, skipUnlessPresent, type Requirement } from '../helpers/requirements.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { realDataSkip } from '../helpers/real-data.ts';
import { readReport, writeReviewSlice } from '../helpers/report-checks.ts';
import { scratchDir } from '../helpers/scratch-dir.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'tok_dashboard_0123456789';

/** `.ci/run` installs it; a test file installs nothing. */
const BROWSER: Requirement = {
  isPresent: existsSync(CHROMIUM),
  missing: `${CHROMIUM} is missing: install the Debian package (apt-get install chromium), as .ci/run does`,
};

/** The server and provider a test starts; `close` stops both. */
async function startServer(): Promise<{ provider: SimulatedProvider; server: ServeHarness; close: () => Promise<void> }> {
  const provider = await startSimulatedProvider({ apiKey: 'test-key', latencyMs: 60 });
  const server = await startServeHarness({ provider, tokens: { [TOKEN]: 'team' }, configYaml: 'llm:\n  batch_control: { max_batch_size: 4 }\n' });
  return { provider, server, close: async () => { await server.close(); await provider.close(); } };
}

test('the page itself needs no token; the API behind it does (no browser needed)', async (t) => {
  const { server, close } = await startServer();
  t.after(close);
  assert.equal((await server.request('/')).status, 200);
  assert.equal((await server.request('/dashboard/app.js')).headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await server.request('/dashboard/..%2Fjob-runner.ts')).status, 400);
  assert.equal((await server.request('/api/v3/jobs')).status, 401);
});

describe('dashboard in Chromium', { skip: skipUnlessPresent(BROWSER) }, () => {
  let server: ServeHarness;
  let close: (() => Promise<void>) | undefined;
  let browser: Browser;
  let game: GameWorkbook;

  before(async () => {
    assertPresent(BROWSER);
    ({ server, close } = await startServer());
    game = await writeGameWorkbook(path.join(server.dir, 'game.xlsx'));
    // Root in a container has no user namespace for Chromium's sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await close?.();
  });

  test('upload and start from the page, watch it reach 100%, download the result, screenshot', async (t) => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.base}/`);
    // Without the token the API answers 401 and the page says what to do.
    await page.locator('#error', { hasText: 'needs a bearer token' }).waitFor();
    await page.fill('#token', TOKEN);
    await page.click('#token-form button');
    await page.locator('#error').waitFor({ state: 'hidden' });

    await page.setInputFiles('#upload-file', game.file);
    await page.fill('#upload-to', 'pt-BR, th, vi');
    await page.click('#upload-start');
    await page.locator('#upload-note', { hasText: `started ${game.targets.size} tasks` }).waitFor();
    await page.waitForFunction(() => document.getElementById('progress')?.getAttribute('aria-valuenow') === '100', null, { timeout: 20_000 });
    await page.locator('#job-status', { hasText: 'completed' }).waitFor({ timeout: 10_000 });

    assert.equal(await page.textContent('#progress-text'), '100%');
    assert.equal(await page.textContent('[data-count="completed"]'), `${game.targets.size} (100.0%)`);
    assert.equal(await page.textContent('#job-name'), 'game.xlsx');
    assert.equal(await page.textContent('#job-kind'), 'translate');
    assert.equal(await page.locator('#jobs li', { hasText: 'game.xlsx' }).locator('.kind').textContent(), 'translate');
    assert.ok((await page.locator('#chart svg rect.texts').count()) > 0, 'throughput chart drawn');
    assert.ok((await page.locator('#recent tr').count()) > 1, 'recent tasks listed');
    assert.ok((await page.locator('#endpoints tr').count()) > 1, 'endpoint states listed');
    // The call's latency and the wait at the limiter before it, in columns of their own.
    assert.match((await page.locator('#endpoints tr').first().textContent()) ?? '', /Call p50\/p95.*Limiter wait p50\/p95/);
    assert.match((await page.locator('#endpoints tr').nth(1).textContent()) ?? '', /\d+\/\d+ ms.*\d+\/\d+ ms/);
    assert.equal(await page.locator('#jobs li .name', { hasText: 'game.xlsx' }).count(), 1);
    assert.match((await page.textContent('#review')) ?? '', /nothing needs review/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    assert.equal(download.suggestedFilename(), 'game.translated.xlsx');
    const out = path.join(server.dir, 'downloaded.xlsx');
    await download.saveAs(out);
    const book = await readWorkbook(out);
    const wrong = [...game.targets].filter(([, c]) => book.getWorksheet(c.sheet)!.getCell(c.address).value !== c.text).map(([key]) => key);
    assert.deepEqual(wrong, []);
    const diffs = await compareWorkbooks(game.file, out, { allowValueChange: [...game.targets.keys(), ...game.newHeaders.keys()] });
    assert.equal(diffs.length, 0, formatDifferences(diffs));

    // FANYI_KEEP_SCREENSHOT=1 keeps the picture after the run, to be looked at; otherwise it goes with the test's other scratch files.
    const shot = path.join(process.env.FANYI_KEEP_SCREENSHOT ? await mkdtemp(path.join(tmpdir(), 'fanyi-dashboard-')) : scratchDir('fanyi-dashboard-'), 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
    console.log(`dashboard screenshot: ${shot}`);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a map job: its kind and lane in the head and the list; Report downloads its summary workbook', { skip: realDataSkip }, async () => {
    const { file } = await writeReviewSlice(server.dir, 12);
    const uploaded = (await (await server.upload(await readFile(file), 'reviews.csv', TOKEN)).json()) as { session_id: string };
    const started = await server.request('/api/v3/map', { json: { session_id: uploaded.session_id, recipe: 'review-themes' }, token: TOKEN });
    assert.equal(started.status, 202, await started.clone().text());
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${server.base}/?job=${uploaded.session_id}`);
    await page.fill('#token', TOKEN);
    await page.click('#token-form button');
    await page.locator('#job-status', { hasText: 'completed' }).waitFor({ timeout: 20_000 });
    assert.equal(await page.textContent('#job-kind'), 'map');
    assert.equal(await page.textContent('#job-lane'), 'theme_extraction');
    const listed = page.locator('#jobs li', { hasText: 'reviews.csv' });
    assert.equal(await listed.locator('.kind').textContent(), 'map');
    assert.equal(await listed.locator('.lane').textContent(), 'theme_extraction');
    assert.ok(await page.isVisible('#report'), 'a map job offers its report');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report')]);
    assert.equal(download.suggestedFilename(), 'reviews.report.xlsx');
    const out = path.join(server.dir, 'report-downloaded.xlsx');
    await download.saveAs(out);
    const sheets = await readReport(out);
    assert.deepEqual(sheets.get('themes counts')?.[0].slice(0, 2), ['ProductId', 'Rows']);
    assert.equal(sheets.get('Rows')!.length - 1, 12);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
