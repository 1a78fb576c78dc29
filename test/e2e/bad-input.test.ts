/**
 * Bad input and bad usage through the real CLI: each must exit 2 with exactly one stderr line
 * `fanyi: …` that names the problem, no stack trace, nothing on stdout, and no output file (nor
 * a temporary one) written beside the input.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  declareUncompressedSize,
  oleFile,
  paddedXlsxZip,
  pngBytes,
  pseudoRandomBytes,
  writeBytes,
  xlsxBuffer,
} from '../helpers/crafted-files.ts';
import { describeResult, makeTempDir, runCli } from '../helpers/fanyi-cli.ts';

/** What a case puts in its temp dir: the file to translate, extra CLI arguments, a config. */
interface Setup {
  file: string;
  args?: string[];
  config?: string;
}

interface BadCase {
  name: string;
  /** Must match the stderr line: the word that names the problem. */
  keyword: RegExp;
  setup: (dir: string) => Promise<Setup>;
}

const TABLE = [
  ['key', 'en', 'zh-CN'],
  ['hello', 'Hello', null],
  ['bye', 'Goodbye', null],
];

const table = (dir: string, name = 'table.xlsx') => xlsxBuffer({ Strings: TABLE }).then((bytes) => writeBytes(path.join(dir, name), bytes));
const flags = (...args: string[]) => async (dir: string): Promise<Setup> => ({ file: await table(dir), args });
const withConfig = (config: string, make: (dir: string) => Promise<string>) => async (dir: string): Promise<Setup> => ({ file: await make(dir), config });

const CASES: BadCase[] = [
  { name: 'missing file', keyword: /not found|does not exist/, setup: async (dir) => ({ file: path.join(dir, 'missing.xlsx') }) },
  { name: 'a PNG image', keyword: /not a spreadsheet/, setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'picture.png'), pngBytes()) }) },
  { name: 'a PNG renamed to .csv', keyword: /not a spreadsheet|not a text CSV/, setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'picture.csv'), pngBytes()) }) },
  { name: 'random binary', keyword: /not a spreadsheet|not a text CSV|binary/, setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'blob.bin'), pseudoRandomBytes(8192)) }) },
  {
    name: 'an xlsx truncated to half its size',
    keyword: /damaged|truncated|corrupt/,
    setup: async (dir) => {
      const bytes = await xlsxBuffer({ Strings: TABLE });
      return { file: await writeBytes(path.join(dir, 'truncated.xlsx'), bytes.subarray(0, Math.floor(bytes.length / 2))) };
    },
  },
  {
    name: 'a password-protected xlsx (OLE with EncryptedPackage)',
    keyword: /password/,
    setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'secret.xlsx'), oleFile(['EncryptionInfo', 'EncryptedPackage'])) }),
  },
  { name: 'a legacy .xls (OLE with Workbook)', keyword: /legacy|\.xls\b/, setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'old.xls'), oleFile(['Workbook'])) }) },
  { name: 'a legacy .xls named .xlsx', keyword: /legacy|\.xls\b/, setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'old.xlsx'), oleFile(['Workbook'])) }) },
  {
    name: 'an xlsx with one empty sheet',
    keyword: /no cells|empty/,
    setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'empty.xlsx'), await xlsxBuffer({ Sheet1: [] })) }),
  },
  { name: 'an empty CSV (0 bytes)', keyword: /empty/, setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'empty.csv'), '') }) },
  {
    name: 'no recognizable source column (foo | bar, numbers only)',
    keyword: /source/,
    setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'numbers.xlsx'), await xlsxBuffer({ Data: [['foo', 'bar'], [1, 2], [3, 4], [5, 6]] })) }),
  },
  {
    name: 'no recognizable source column in a CSV',
    keyword: /source/,
    setup: async (dir) => ({ file: await writeBytes(path.join(dir, 'numbers.csv'), 'foo,bar\n1,2\n3,4\n') }),
  },
  {
    // Shaped like Luban's own examples: `##var` field names, `##type`, `##group`, a `##` comment
    // row, then data whose Chinese text columns would otherwise be found by their script.
    name: 'a Luban game-config workbook (##var header rows)',
    keyword: /game-config workbook/,
    setup: async (dir) => {
      const rows = [
        ['##var', 'id', 'name', 'desc', 'count'],
        ['##type', 'int', 'string', 'string', 'int'],
        ['##group', null, 'c', 's', 'c,s'],
        ['##', 'id', '名称', '描述', '个数'],
        ...Array.from({ length: 6 }, (_, i) => [null, 1001 + i, `奖励${i + 1}`, `获得金币和碎片 ${i + 1}`, 100 * (i + 1)]),
      ];
      return { file: await writeBytes(path.join(dir, 'reward.xlsx'), await xlsxBuffer({ TbReward: rows })) };
    },
  },
  { name: '--to xx-YY9', keyword: /xx-YY9.*language|language.*xx-YY9/, setup: flags('--to', 'xx-YY9') },
  { name: '--to klingon', keyword: /klingon.*language|language.*klingon/, setup: flags('--to', 'klingon') },
  {
    name: 'a cell longer than max_cell_chars',
    keyword: /max_cell_chars/,
    setup: withConfig('data_processing:\n  cell_processing:\n    max_cell_chars: 50\n', async (dir) => {
      const long = `Long text ${'x'.repeat(50)}`; // 60 characters
      return writeBytes(path.join(dir, 'long.xlsx'), await xlsxBuffer({ Strings: [['key', 'en'], ['a', 'Short'], ['b', long]] }));
    }),
  },
  {
    name: 'an xlsx that expands past max_uncompressed_mb (2 MB sheet, 1 MB limit)',
    keyword: /unzipped|uncompressed|expand/,
    setup: withConfig('data_processing:\n  cell_processing:\n    max_uncompressed_mb: 1\n', async (dir) => writeBytes(path.join(dir, 'big.xlsx'), await paddedXlsxZip(2 * 1024 * 1024))),
  },
  {
    name: 'a zip bomb: a part declaring 300 MB from a few hundred bytes (default limits)',
    keyword: /zip bomb|expand/,
    setup: async (dir) => {
      const zip = declareUncompressedSize(await paddedXlsxZip(64 * 1024), 'xl/worksheets/sheet1.xml', 300 * 1024 * 1024);
      return { file: await writeBytes(path.join(dir, 'bomb.xlsx'), zip) };
    },
  },
  {
    name: 'more cells than max_cells (xlsx)',
    keyword: /max_cells/,
    setup: withConfig('data_processing:\n  cell_processing:\n    max_cells: 10\n', async (dir) => {
      const rows = [['key', 'en'], ...Array.from({ length: 9 }, (_, i) => [`k${i}`, `Text number ${i}`])];
      return writeBytes(path.join(dir, 'cells.xlsx'), await xlsxBuffer({ Strings: rows }));
    }),
  },
  {
    name: 'more cells than max_cells (csv)',
    keyword: /max_cells/,
    setup: withConfig('data_processing:\n  cell_processing:\n    max_cells: 10\n', (dir) =>
      writeBytes(path.join(dir, 'cells.csv'), ['key,en', ...Array.from({ length: 9 }, (_, i) => `k${i},Text number ${i}`)].join('\n'))),
  },
  { name: 'a config file that is not YAML', keyword: /YAML/, setup: withConfig('llm: [unclosed\n  model: {\n', (dir) => table(dir)) },
  { name: 'a config file with an unknown key', keyword: /modle/, setup: withConfig('llm:\n  modle: gpt-4o\n', (dir) => table(dir)) },
  { name: 'a config value of the wrong type', keyword: /llm\.temperature/, setup: withConfig('llm:\n  temperature: hot\n', (dir) => table(dir)) },
  // Seed 000 §2.1 keys fanyi does not honour: refused, naming the key and what replaces it (issue 12).
  {
    name: 'llm.batch_control.min_batch_size',
    keyword: /llm\.batch_control\.min_batch_size: batches are packed by token budget.*remove the key/,
    setup: withConfig('llm:\n  batch_control: { min_batch_size: 1 }\n', (dir) => table(dir)),
  },
  // Issue 16: a workbook whose reading and planning cannot fit the memory budget is refused before it is read.
  { name: 'a workbook over system.max_memory_usage', keyword: /needs about \d+ MB of memory .*over system\.max_memory_usage \(100 MB\)/, setup: withConfig('system:\n  max_memory_usage: 100\n', (dir) => table(dir)) },
  {
    name: 'data_processing.char_counting.char_weight',
    keyword: /data_processing\.char_counting\.char_weight: token estimates replace character counting.*remove the key/,
    setup: withConfig('data_processing:\n  char_counting: { char_weight: 1.5 }\n', (dir) => table(dir)),
  },
  {
    name: 'data_processing.char_counting.include_context',
    keyword: /data_processing\.char_counting\.include_context: the context sent with a text is always counted in its batch's token estimate.*remove the key/,
    setup: withConfig('data_processing:\n  char_counting: { include_context: true }\n', (dir) => table(dir)),
  },
  { name: '--concurrency abc', keyword: /--concurrency/, setup: flags('--concurrency', 'abc') },
  { name: '--provider foo', keyword: /--provider/, setup: flags('--provider', 'foo') },
  { name: 'an unknown option', keyword: /--bogus/, setup: flags('--bogus') },
];

describe('bad input exits 2 with one line naming the problem and writes nothing', { concurrency: 4 }, () => {
  for (const badCase of CASES) test(badCase.name, async (t) => t.diagnostic(await expectRefused(badCase)));

  test('a missing <file> argument', async () => {
    const { dir, cleanup } = await makeTempDir('fanyi-bad-');
    try {
      const result = await runCli(['translate', '--to', 'vi', '--db', path.join(dir, 'fanyi.db')], { cwd: dir });
      assertOneLineUsageError(result, /file/);
    } finally {
      await cleanup();
    }
  });
});

/** Runs the case and checks the contract; returns the stderr line. */
async function expectRefused({ keyword, setup }: BadCase): Promise<string> {
  const { dir, cleanup } = await makeTempDir('fanyi-bad-');
  try {
    const { file, args = [], config } = await setup(dir);
    const configArgs = config ? ['--config', await writeBytes(path.join(dir, 'fanyi-test.yaml'), config)] : [];
    const before = new Set(await readdir(dir));
    const out = path.join(dir, `out${path.extname(file) || '.xlsx'}`);
    const hasProvider = args.includes('--provider');
    const result = await runCli(
      ['translate', file, ...(args.includes('--to') ? [] : ['--to', 'vi']), ...(hasProvider ? [] : ['--provider', 'pseudo']), '--db', path.join(dir, 'fanyi.db'), '--out', out, '--json', ...configArgs, ...args],
      { cwd: dir },
    );
    assertOneLineUsageError(result, keyword);
    assert.ok(!existsSync(out), 'no output file');
    const added = (await readdir(dir)).filter((name) => !before.has(name) && !/^fanyi\.db(-wal|-shm|-journal|\.files)?$/.test(name));
    assert.deepEqual(added, [], 'nothing but the job database appears beside the input (no partial or .tmp file)');
    return result.stderr.trimEnd();
  } finally {
    await cleanup();
  }
}

function assertOneLineUsageError(result: Awaited<ReturnType<typeof runCli>>, keyword: RegExp): void {
  assert.equal(result.code, 2, describeResult(result));
  assert.equal(result.stdout, '', 'nothing on stdout');
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  const lines = result.stderr.split('\n');
  assert.equal(lines.at(-1), '', 'stderr ends with a line break');
  assert.equal(lines.length, 2, `exactly one stderr line, got:\n${result.stderr}`);
  assert.match(lines[0], /^fanyi: /, 'the line starts with "fanyi: "');
  assert.match(lines[0], keyword);
}
