/**
 * `fanyi translate` end to end: the real CLI in a child process against the simulated
 * OpenAI-compatible provider, on a workbook with everything that must survive write-back.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { compareWorkbooks, formatDifferences, readNotes, readWorkbook } from '../helpers/compare-workbooks.ts';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { GAME_LANGUAGES, writeGameWorkbook, type GameWorkbook } from '../helpers/game-workbook.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { simulatedTranslation } from '../helpers/simulated-translation.ts';

const TO = GAME_LANGUAGES.join(',');

describe('fanyi translate against the simulated provider', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let provider: SimulatedProvider;
  let jsonProvider: SimulatedProvider;
  let game: GameWorkbook;
  let db: string;
  let output: string;
  let run: CliResult;
  let jobId: string;
  let status: CliResult;
  let exported: CliResult;
  let jsonRun: CliResult;

  before(async () => {
    temp = await makeTempDir();
    game = await writeGameWorkbook(path.join(temp.dir, 'game.xlsx'));
    db = path.join(temp.dir, 'state', 'fanyi.db');
    output = path.join(temp.dir, 'game.translated.xlsx');
    [provider, jsonProvider] = await Promise.all([startSimulatedProvider({ apiKey: 'test-key' }), startSimulatedProvider({ apiKey: 'test-key' })]);
    const translate = (url: string, extra: string[]) => ['translate', game.file, '--to', TO, ...providerFlags(url), ...extra];
    // The --json run is independent (own provider, db and output), so it overlaps the first one.
    const jsonDir = path.join(temp.dir, 'json');
    const jsonRunning = runCli(translate(jsonProvider.baseUrl, ['--db', path.join(jsonDir, 'fanyi.db'), '--out', path.join(jsonDir, 'out.xlsx'), '--json']), { cwd: temp.dir });
    run = await runCli(translate(provider.baseUrl, ['--db', db]), { cwd: temp.dir });
    jobId = /job (job_\w+)/.exec(run.stderr)?.[1] ?? '';
    [status, exported, jsonRun] = await Promise.all([
      runCli(['status', '--json', '--db', db], { cwd: temp.dir }),
      runCli(['export', jobId, '--out', path.join(temp.dir, 'other.xlsx'), '--db', db], { cwd: temp.dir }),
      jsonRunning,
    ]);
  });

  after(async () => {
    await Promise.all([provider?.close(), jsonProvider?.close()]);
    await temp?.cleanup();
  });

  test('exits 0, prints the default output path and names the job', () => {
    assert.equal(run.code, 0, describeResult(run));
    assert.equal(run.stdout, `${output}\n`);
    assert.match(jobId, /^job_/, run.stderr);
    assert.ok(existsSync(output));
    assert.ok(!existsSync(path.join(temp.dir, 'fanyi.db')), 'no database in the working directory when --db is given');
  });

  test('fills every empty target cell with the translation into the requested code', async () => {
    const book = await readWorkbook(output);
    const wrong = [...game.targets].filter(([, t]) => book.getWorksheet(t.sheet)!.getCell(t.address).value !== t.text);
    assert.deepEqual(
      wrong.map(([key, t]) => `${key}: ${JSON.stringify(book.getWorksheet(t.sheet)!.getCell(t.address).value)} ≠ ${JSON.stringify(t.text)}`),
      [],
    );
    assert.ok(game.targets.size > 60, `the fixture has ${game.targets.size} target cells`);
  });

  test('adds a vi column to Dialog in the first empty column after the last language column', async () => {
    const dialog = (await readWorkbook(output)).getWorksheet('Dialog')!;
    assert.equal(dialog.getCell('G1').value, 'vi');
    assert.equal(dialog.getCell('F1').value, 'Audio', 'the non-language column after ไทย is left alone');
    assert.equal(dialog.getCell('G2').value, simulatedTranslation('欢迎来到星港。', 'vi'));
  });

  test('changes nothing else: values, formulas, styles, merges, notes, widths, hidden sheets', async () => {
    const allowed = [...game.targets.keys(), ...game.newHeaders.keys()];
    const diffs = await compareWorkbooks(game.file, output, { allowValueChange: allowed });
    assert.equal(diffs.length, 0, formatDifferences(diffs));
    const book = await readWorkbook(output);
    assert.equal(book.getWorksheet('Config')!.state, 'hidden');
    const notes = await readNotes(output);
    assert.equal(notes.get('UI')?.get('B3'), 'Main menu button, max 12 chars');
    assert.equal(notes.get('UI')?.get('F8'), 'VN: keep the placeholder', 'a note on a target cell survives its filling');
  });

  test('asks the provider for each unique (language, text) exactly once', () => {
    const counts = provider.stats.translatedIds;
    const twice = [...counts].filter(([, n]) => n !== 1).map(([key, n]) => `${key.replace('\u0000', ': ')} ×${n}`);
    assert.deepEqual(twice, []);
    assert.deepEqual([...counts.keys()].sort(), [...game.uniquePairs].sort());
    assert.ok(game.uniquePairs.size < game.targets.size, 'the fixture has duplicates to save');
  });

  test('names the requested code in every system prompt and sends each text under the right one', () => {
    const log = provider.stats.requestLog;
    assert.ok(log.length > 0);
    assert.deepEqual(log.filter((entry) => entry.status !== 200), []);
    assert.deepEqual([...new Set(log.map((entry) => entry.lang))].sort(), [...GAME_LANGUAGES].sort());
    for (const lang of GAME_LANGUAGES) {
      // As a set: how often each text is sent is the dedupe test's business.
      const sent = [...new Set(log.filter((entry) => entry.lang === lang).flatMap((entry) => entry.texts))].sort();
      const expected = [...game.uniquePairs].filter((key) => key.startsWith(`${lang}\u0000`)).map((key) => key.split('\u0000')[1]).sort();
      assert.deepEqual(sent, expected, `texts sent with [${lang}]`);
    }
  });

  test('status --json shows the job completed', () => {
    assert.equal(status.code, 0, describeResult(status));
    const summary = parseSingleJson(status.stdout);
    assert.equal(summary.job_id, jobId);
    assert.equal(summary.status, 'completed');
    const counts = summary.counts as Record<string, number>;
    assert.equal(counts.completed, game.targets.size);
    assert.equal(counts.total, game.targets.size);
    assert.equal(counts.failed + counts.pending + counts.processing + counts.needs_review, 0);
  });

  test('export writes the same cells again', async () => {
    assert.equal(exported.code, 0, describeResult(exported));
    const other = path.join(temp.dir, 'other.xlsx');
    assert.equal(exported.stdout, `${other}\n`);
    const diffs = await compareWorkbooks(output, other);
    assert.equal(diffs.length, 0, formatDifferences(diffs));
  });

  test('--json prints exactly one summary object and nothing else on stdout', async () => {
    assert.equal(jsonRun.code, 0, describeResult(jsonRun));
    const summary = parseSingleJson(jsonRun.stdout);
    assert.deepEqual(Object.keys(summary).sort(), ['calls', 'counts', 'duration_ms', 'flags', 'job_id', 'kind', 'output', 'review_file', 'review_sheet', 'status', 'tokens']);
    assert.deepEqual([summary.review_sheet, summary.review_file], [null, null], 'nothing to review: no Review sheet, no review file');
    assert.deepEqual(summary.flags, {}, 'no task carries a QA flag');
    assert.match(String(summary.job_id), /^job_/);
    assert.equal(summary.status, 'completed');
    const counts = summary.counts as Record<string, number>;
    assert.deepEqual(Object.keys(counts).sort(), ['completed', 'failed', 'needs_review', 'pending', 'processing', 'total']);
    assert.equal(counts.completed, counts.total);
    assert.equal(counts.total, game.targets.size);
    assert.equal(summary.calls, jsonProvider.stats.ok);
    const tokens = summary.tokens as Record<string, number>;
    assert.equal(tokens.prompt, jsonProvider.stats.promptTokens);
    assert.equal(tokens.completion, jsonProvider.stats.completionTokens);
    assert.equal(tokens.total, tokens.prompt + tokens.completion);
    assert.equal(typeof summary.duration_ms, 'number');
    const out = path.join(temp.dir, 'json', 'out.xlsx');
    assert.equal(summary.output, out);
    const diffs = await compareWorkbooks(output, out);
    assert.equal(diffs.length, 0, formatDifferences(diffs));
  });
});
