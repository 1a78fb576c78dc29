/**
 * README Dashboard: "Everything shown is set as text, never as HTML." In a real Chromium (Debian
 * `chromium` through playwright-core, as dashboard.test.ts) against a real `fanyi serve` app: a
 * workbook uploaded from the page under a file name that is an HTML tag, with a sheet named like
 * one and cells holding `<script>` and `<img onerror>`, which the simulated provider breaks (a
 * dropped `{0}`) so they land in the review queue, source and result. The page must show every
 * one of them as literal text: no dialog, no injected element, no script run.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { xlsxBuffer } from '../helpers/crafted-files.ts';
import { startServeHarness, type ServeHarness } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { simulatedTranslation } from '../helpers/simulated-translation.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'tok_dashboard_hostile_0123';
const FILE_NAME = '<img src=x onerror=alert(1)>.xlsx';
/** 28 characters: within Excel's 31, and none of `[]:*?/\`. */
const SHEET_NAME = '<img src=x onerror=alert(2)>';
const SCRIPT_CELL = "<script>window.__pwned = 'script'; alert(3)</script>第{0}关";
const IMG_CELL = '<img src=x onerror="window.__pwned = \'img\'; alert(4)">获得{0}金币';
const HOSTILE = [SCRIPT_CELL, IMG_CELL];
/** `fanyi worker --name` is free text too, shown in the worker processes section. */
const WORKER_NAME = '<img src=x onerror="window.__pwned = \'worker\'; alert(5)">';
const WORKER_HOST = '<script>alert(6)</script>';
const dropPlaceholder = (text: string, lang: string): string => simulatedTranslation(text, lang).replace('{0}', '');

describe('dashboard shows hostile file names and cell text as text', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (Debian package chromium)` }, () => {
  let provider: SimulatedProvider;
  let server: ServeHarness;
  let browser: Browser;

  before(async () => {
    provider = await startSimulatedProvider({ apiKey: 'test-key', translate: (text, lang) => (text.includes('{0}') ? dropPlaceholder(text, lang) : simulatedTranslation(text, lang)) });
    server = await startServeHarness({ provider, tokens: { [TOKEN]: 'team' } });
    // Root in a container has no user namespace for Chromium's sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await provider?.close();
  });

  test('upload from the page, run to the end: names and texts appear literally, nothing is injected', async () => {
    const bytes = await xlsxBuffer({ [SHEET_NAME]: [['Key', 'CH', 'PT'], ['k1', SCRIPT_CELL], ['k2', IMG_CELL], ['k3', '开始游戏']] });
    const page = await (await browser.newContext()).newPage();
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const now = Date.now();
    await server.engine.store.saveWorker({ workerId: 'evil:1@1', name: WORKER_NAME, host: WORKER_HOST, pid: 1, lanes: ['translation', '<b>lane</b>'], concurrency: 2, startedAt: now, heartbeatAt: now, currentBatches: [] });
    await page.goto(`${server.base}/`);
    await page.fill('#token', TOKEN);
    await page.click('#token-form button');
    await page.setInputFiles('#upload-file', { name: FILE_NAME, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: bytes });
    await page.fill('#upload-to', 'pt-BR');
    await page.click('#upload-start');
    await page.locator('#job-status', { hasText: /needs_review|completed|finished/ }).waitFor({ timeout: 30_000 });
    await page.locator('#review td.text', { hasText: '<script>' }).first().waitFor({ timeout: 15_000 });

    assert.equal(await page.textContent('#job-name'), FILE_NAME);
    await page.locator('#cluster-workers td.name', { hasText: WORKER_NAME }).waitFor({ timeout: 15_000 });
    const workerRow = await page.locator('#cluster-workers tr').nth(1).locator('td').allTextContents();
    assert.deepEqual(workerRow.slice(0, 4), [WORKER_NAME, WORKER_HOST, 'translation, <b>lane</b>', '0/2']);
    assert.equal(await page.locator('#jobs li .name', { hasText: FILE_NAME }).count(), 1);
    const shown = await page.locator('#review td.text').allTextContents();
    for (const text of HOSTILE) {
      assert.ok(shown.includes(text), `source shown as text: ${text}`);
      assert.ok(shown.includes(dropPlaceholder(text, 'pt-BR')), `result shown as text: ${text}`);
    }
    assert.match((await page.textContent('#review')) ?? '', new RegExp(`${SHEET_NAME.replace(/[()]/g, '\\$&')}!C2 → pt-BR`), 'the sheet name too, in the cell column');

    const injected = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: string }).__pwned ?? null,
      imgs: document.querySelectorAll('img[onerror], img[src="x"]').length,
      scripts: [...document.scripts].filter((s) => s.textContent?.includes('__pwned')).length,
    }));
    assert.deepEqual(injected, { pwned: null, imgs: 0, scripts: 0 });
    assert.deepEqual(dialogs, [], 'no alert() ran');
    assert.deepEqual(errors, []);
  });
});
