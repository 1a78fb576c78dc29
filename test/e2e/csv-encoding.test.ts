/**
 * Issue 12 point 5: a GBK CSV that gains characters GBK lacks (Thai) is written as GB18030, which
 * keeps them but which Excel on Chinese Windows reads as code page 936: the CLI says so on stderr
 * and `--encoding utf-8-bom` (translate, resume, export) writes UTF-8 with a BOM instead. Real CLI,
 * real files made with iconv-lite, the simulated provider.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { describeResult, makeTempDir, parseSingleJson, providerFlags, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { startServeHarness, waitForJob, type ServeHarness } from '../helpers/serve-harness.ts';
import { startSimulatedProvider, type SimulatedProvider } from '../helpers/simulated-provider.ts';
import { simulatedTranslation } from '../helpers/simulated-translation.ts';

/** Source rows: the second quoted, the third an untouched row (its TH cell holds a human entry). */
const HEADER = 'key,CH,TH,备注\r\n';
const ROWS = ['start,开始游戏,,主菜单按钮\r\n', 'bag_full,"背包已满，请整理",,提示\r\n', 'settings,设置,Settings,\r\n', 'credits,制作人员,,\r\n'];
/** Simplified → traditional: every character is in GBK, so a zh-TW output loses nothing. */
const TRADITIONAL: Record<string, string> = { 开始游戏: '開始遊戲', '背包已满，请整理': '背包已滿，請整理', 设置: '設置', 制作人员: '製作人員' };

/** The rows fanyi must write into TH, as text: only the empty cells filled. */
function expectedText(translate: (text: string) => string): string {
  return [
    HEADER,
    `start,开始游戏,${translate('开始游戏')},主菜单按钮\r\n`,
    `bag_full,"背包已满，请整理",${translate('背包已满，请整理')},提示\r\n`,
    ROWS[2],
    `credits,制作人员,${translate('制作人员')},\r\n`,
  ].join('');
}

/** Characters GBK (code page 936) has no bytes for, counted the way a reader of the file would meet them. */
function outsideGbk(text: string): number {
  return [...text].filter((char) => iconv.decode(iconv.encode(char, 'gbk'), 'gbk') !== char).length;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('a GBK CSV translated into a language GBK cannot hold', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let provider: SimulatedProvider;
  let input: string;
  const thai = (text: string) => simulatedTranslation(text, 'th');
  const thaiTexts = ['开始游戏', '背包已满，请整理', '制作人员'].map(thai);

  before(async () => {
    ({ dir, cleanup } = await makeTempDir('fanyi-enc-'));
    provider = await startSimulatedProvider({ apiKey: 'test-key', translate: (text, lang) => (lang === 'zh-TW' ? TRADITIONAL[text] : simulatedTranslation(text, lang)) });
    input = path.join(dir, 'strings.csv');
    await writeFile(input, iconv.encode([HEADER, ...ROWS].join(''), 'gbk'));
  });
  after(async () => {
    await provider?.close();
    await cleanup?.();
  });

  const translate = (name: string, to: string, ...extra: string[]): Promise<CliResult> =>
    runCli(['translate', input, '--to', to, '--out', path.join(dir, `${name}.csv`), '--db', path.join(dir, `${name}.db`), '--json', ...providerFlags(provider.baseUrl), ...extra], { cwd: dir });

  test('default (keep): written as GB18030, one line on stderr saying how many cells and characters, and how to get UTF-8', async () => {
    const result = await translate('keep', 'th');
    assert.equal(result.code, 0, describeResult(result));
    const bytes = await readFile(path.join(dir, 'keep.csv'));
    assert.deepEqual(bytes, iconv.encode(expectedText(thai), 'gb18030'), 'lossless GB18030, unchanged rows byte-identical');
    const jobId = String(parseSingleJson(result.stdout).job_id);
    const warnings = result.stderr.split('\n').filter((line) => /GB18030/.test(line));
    assert.equal(warnings.length, 1, result.stderr);
    const chars = thaiTexts.reduce((sum, t) => sum + outsideGbk(t), 0);
    assert.match(warnings[0], new RegExp(`\\b3 cells hold ${chars} characters that GBK.*cannot represent.*written as GB18030.*fanyi export ${jobId} --encoding utf-8-bom`));
  });

  test('--encoding utf-8-bom on translate: UTF-8 with a BOM, every row re-encoded, no warning', async () => {
    const result = await translate('bom', 'th', '--encoding', 'utf-8-bom');
    assert.equal(result.code, 0, describeResult(result));
    const bytes = await readFile(path.join(dir, 'bom.csv'));
    assert.deepEqual(bytes, Buffer.concat([UTF8_BOM, Buffer.from(expectedText(thai), 'utf8')]));
    assert.doesNotMatch(result.stderr, /GB18030|garbage/);
  });

  test('export --encoding utf-8-bom applies to that export only; resume --encoding is stored with the job', async () => {
    const db = path.join(dir, 'stored.db');
    const jobId = String(parseSingleJson((await translate('stored', 'th')).stdout).job_id);
    const utf8 = Buffer.concat([UTF8_BOM, Buffer.from(expectedText(thai), 'utf8')]);
    const gb18030 = iconv.encode(expectedText(thai), 'gb18030');

    const once = await runCli(['export', jobId, '--db', db, '--out', path.join(dir, 'once.csv'), '--encoding', 'utf-8-bom'], { cwd: dir });
    assert.equal(once.code, 0, describeResult(once));
    assert.deepEqual(await readFile(path.join(dir, 'once.csv')), utf8);
    assert.doesNotMatch(once.stderr, /GB18030/);
    const plain = await runCli(['export', jobId, '--db', db, '--out', path.join(dir, 'plain.csv')], { cwd: dir });
    assert.deepEqual(await readFile(path.join(dir, 'plain.csv')), gb18030, 'the job still keeps its encoding');
    assert.match(plain.stderr, /3 cells hold .*written as GB18030/);

    const resumed = await runCli(['resume', jobId, '--db', db, '--encoding', 'utf-8-bom', '--json', ...providerFlags(provider.baseUrl)], { cwd: dir });
    assert.equal(resumed.code, 0, describeResult(resumed));
    assert.deepEqual(await readFile(path.join(dir, 'stored.csv')), utf8, 'resume writes its output in the encoding given');
    const later = await runCli(['export', jobId, '--db', db, '--out', path.join(dir, 'later.csv')], { cwd: dir });
    assert.deepEqual(await readFile(path.join(dir, 'later.csv')), utf8, 'a later export follows what resume stored');
  });

  test('no warning when every character fits GBK (traditional Chinese): the file is plain GBK', async () => {
    const result = await translate('hant', 'zh-TW');
    assert.equal(result.code, 0, describeResult(result));
    const bytes = await readFile(path.join(dir, 'hant.csv'));
    assert.equal(iconv.decode(bytes, 'gbk'), iconv.decode(bytes, 'gb18030'), 'a code page 936 reader sees exactly what was written');
    for (const text of Object.values(TRADITIONAL)) assert.ok(iconv.decode(bytes, 'gbk').includes(text), text);
    assert.doesNotMatch(result.stderr, /GB18030|garbage/, result.stderr);
  });

  test('--encoding with another value is a usage error (exit 2) naming the choices', async () => {
    const result = await translate('bad', 'th', '--encoding', 'latin1');
    assert.equal(result.code, 2, describeResult(result));
    assert.match(result.stderr, /--encoding must be keep or utf-8-bom \(got 'latin1'\)/);
  });
});

describe('the API: options.encoding on translate, ?encoding= on export', () => {
  let provider: SimulatedProvider;
  let server: ServeHarness;
  const source = iconv.encode([HEADER, ...ROWS].join(''), 'gbk');
  const text = expectedText((t) => simulatedTranslation(t, 'th'));

  before(async () => {
    provider = await startSimulatedProvider({ apiKey: 'test-key' });
    server = await startServeHarness({ provider });
  });
  after(async () => {
    await server?.close();
    await provider?.close();
  });

  async function translated(options: Record<string, unknown>): Promise<string> {
    const upload = (await (await server.upload(source, 'strings.csv')).json()) as { session_id: string };
    const answer = await server.request('/api/v3/translate', { json: { session_id: upload.session_id, options: { to: 'th', ...options } } });
    assert.equal(answer.status, 202, await answer.clone().text());
    assert.equal((await waitForJob(server, upload.session_id)).status, 'completed');
    return upload.session_id;
  }
  const download = async (route: string) => Buffer.from(await (await server.request(route)).arrayBuffer());

  test('a job keeps GB18030 by default; ?encoding=utf-8-bom exports UTF-8 with a BOM', async () => {
    const id = await translated({});
    assert.deepEqual(await download(`/api/v3/export/${id}`), iconv.encode(text, 'gb18030'));
    assert.deepEqual(await download(`/api/v3/export/${id}?encoding=utf-8-bom`), Buffer.concat([UTF8_BOM, Buffer.from(text, 'utf8')]));
    assert.equal((await server.request(`/api/v3/export/${id}?encoding=latin1`)).status, 400);
  });

  test('options.encoding utf-8-bom is stored with the job: its output is UTF-8 with a BOM', async () => {
    const id = await translated({ encoding: 'utf-8-bom' });
    assert.deepEqual(await download(`/api/v3/export/${id}`), Buffer.concat([UTF8_BOM, Buffer.from(text, 'utf8')]));
  });
});
