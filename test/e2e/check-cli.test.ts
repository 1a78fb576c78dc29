/**
 * `fanyi check`: the QA checks over translations already in a table, through the real CLI. Crafted
 * files with known defects give exact flags; the real files in ../shared/data/real give genuine
 * defects that must be found and correct cells that must not be flagged.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { xlsxBuffer } from '../helpers/crafted-files.ts';
import { describeResult, makeTempDir, parseSingleJson, runCli, type CliResult } from '../helpers/fanyi-cli.ts';
import { realDataPath, realDataSkip } from '../helpers/real-data.ts';
import { readWorkbook } from '../helpers/compare-workbooks.ts';

interface Finding {
  sheet: string;
  cell: string;
  language: string;
  source: string;
  target: string;
  flags: Array<{ code: string; severity: string }>;
}

const flagList = (json: Record<string, unknown>): string[] =>
  (json.findings as Finding[]).flatMap((f) => f.flags.map((flag) => `${f.sheet}!${f.cell} ${f.language} ${flag.code}`)).sort();

const XLSX_ROWS = [
  ['Key', 'EN', 'TH', 'JA', 'Max Length', 'Notes'],
  ['greet', 'Hello {0}!', 'สวัสดี!', 'こんにちは{0}！', null, null],
  // A limit as text here, as a number (as Excel stores a typed 4) in `buy`.
  ['start', 'Start', 'เริ่ม', 'スタート', '4', null],
  ['options', 'Options', 'Options', 'オプション', null, null],
  ['warn', '<b>Warning</b>', '<b>คำเตือน</b>', '<b>警告', null, null],
  ['coins', 'You have 300 coins', 'คุณมี 500 เหรียญ', '300コインを持っています', null, null],
  ['quit', 'Quit', null, '終了', null, null],
  ['load', 'Load game', 'Charger la partie', 'ロード', null, null],
  ['continue', 'Continue', 'ดำเนินการต่อ', 'つづける', null, 'button, max 6 chars'],
  ['buy', 'Buy', 'ซื้อสินค้านี้เลย', '買う', 4, null],
];

const XLSX_EXPECTED = [
  'UI!C2 th placeholder_mismatch', 'UI!C3 th too_long', 'UI!C4 th untranslated', 'UI!D5 ja markup_mismatch',
  'UI!C6 th numbers_differ', 'UI!C7 th missing', 'UI!C8 th wrong_script', 'UI!C9 th too_long', 'UI!C10 th too_long',
];

const CSV = [
  'key,en,vi,ko',
  'score,Score: %d,Điểm: %s,점수: %d',
  'welcome,Welcome back to the game,Chao mung tro lai tro choi,게임에 다시 오신 것을 환영합니다',
  'press,Press [b]A[/b],Nhấn [b]A,[b]A[/b] 누르기',
  'lines,"Line one\nLine two\nLine three","Dòng một\nDòng hai\nDòng ba",첫 줄 둘째 줄 셋째 줄',
  'minutes, minutes,phút, 분',
].join('\n');

const CSV_EXPECTED = [
  'strings!C2 vi placeholder_mismatch', 'strings!C3 vi wrong_script', 'strings!C4 vi markup_mismatch',
  'strings!D5 ko line_breaks_differ', 'strings!C6 vi whitespace_differs',
];

const CLEAN_CSV = 'key,en,de,ja\nhello,"Hello, {name}!","Hallo, {name}!",こんにちは、{name}！\nlevel,Level %1$d,Stufe %1$d,レベル%1$d\n';

describe('fanyi check', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let xlsx: CliResult;
  let xlsxJson: Record<string, unknown>;
  let xlsxText: CliResult;
  let csvJson: CliResult;
  let csvText: CliResult;
  let clean: CliResult;
  let report: string;

  before(async () => {
    temp = await makeTempDir('fanyi-check-');
    const xlsxFile = path.join(temp.dir, 'ui.xlsx');
    await writeFile(xlsxFile, await xlsxBuffer({ UI: XLSX_ROWS }));
    const csvFile = path.join(temp.dir, 'strings.csv');
    await writeFile(csvFile, CSV);
    const cleanFile = path.join(temp.dir, 'clean.csv');
    await writeFile(cleanFile, CLEAN_CSV);
    report = path.join(temp.dir, 'report.xlsx');
    [xlsx, xlsxText, csvJson, csvText, clean] = await Promise.all([
      runCli(['check', xlsxFile, '--json', '--out', report], { cwd: temp.dir }),
      runCli(['check', xlsxFile], { cwd: temp.dir }),
      runCli(['check', csvFile, '--json'], { cwd: temp.dir }),
      runCli(['check', csvFile], { cwd: temp.dir }),
      runCli(['check', cleanFile], { cwd: temp.dir }),
    ]);
    xlsxJson = xlsx.code === 3 ? parseSingleJson(xlsx.stdout) : {};
  });

  after(() => temp?.cleanup());

  test('finds exactly the planted defects in an xlsx, exit 3', () => {
    assert.equal(xlsx.code, 3, describeResult(xlsx));
    assert.deepEqual(flagList(xlsxJson), [...XLSX_EXPECTED].sort());
    assert.deepEqual(xlsxJson.problems, { cells: 8, flags: 8, hard: 2, soft: 6 });
    assert.equal(xlsxJson.missing, 1);
    assert.deepEqual(xlsxJson.missing_by_language, { th: 1 });
  });

  test('on the terminal the empty cells are counted, not listed, with the same counts as --json', () => {
    assert.equal(xlsxText.code, 3, describeResult(xlsxText));
    assert.match(xlsxText.stdout, /^18 translations checked: 8 with problems \(2 hard, 6 soft\)/m);
    assert.match(xlsxText.stdout, /^1 cells not translated yet: th 1$/m);
    assert.doesNotMatch(xlsxText.stdout, /UI!C7/, 'the empty cell is not a problem line');
    assert.match(xlsxText.stdout, /^UI!C10\s+th\s+too_long\s+Buy\s+ซื้อสินค้านี้เลย\s+\d+ characters, over the limit of 4/m, 'a limit stored as a number counts');
  });

  test('finds exactly the planted defects in a csv, exit 3', () => {
    assert.equal(csvJson.code, 3, describeResult(csvJson));
    assert.deepEqual(flagList(parseSingleJson(csvJson.stdout)), [...CSV_EXPECTED].sort());
  });

  test('prints a table on the terminal', () => {
    assert.equal(csvText.code, 3, describeResult(csvText));
    const lines = csvText.stdout.split('\n');
    assert.match(lines[0], /^CELL\s+LANG\s+FLAG\s+SOURCE\s+TARGET\s+DETAIL/);
    assert.ok(lines.some((line) => /^strings!C2\s+vi\s+placeholder_mismatch!\s+Score: %d\s+Điểm: %s\s+placeholders differ: missing %d; unexpected %s/.test(line)), csvText.stdout);
    assert.ok(lines.some((line) => /^strings!D5 .*Line one⏎Line two⏎Line three/.test(line)), 'line breaks shown as ⏎');
    assert.match(csvText.stdout, /10 translations checked: 5 with problems \(2 hard, 3 soft\)/);
  });

  test('a clean file exits 0', () => {
    assert.equal(clean.code, 0, describeResult(clean));
    assert.match(clean.stdout, /^4 translations checked: 0 with problems/);
  });

  test('--out writes a report workbook with one row per flag', async () => {
    assert.ok(existsSync(report));
    const workbook = await readWorkbook(report);
    const findings = workbook.getWorksheet('Findings')!;
    assert.deepEqual((findings.getRow(1).values as unknown[]).slice(1), ['Sheet', 'Cell', 'Key', 'Language', 'Severity', 'Flag', 'Detail', 'Source', 'Target', 'Score']);
    assert.equal(findings.rowCount, 1 + XLSX_EXPECTED.length);
    const greet = findings.getRow(2).values as unknown[];
    assert.deepEqual(greet.slice(1, 7), ['UI', 'C2', 'greet', 'th', 'hard', 'placeholder_mismatch']);
    assert.ok(workbook.getWorksheet('Summary'));
  });

  test('bad input exits 2 with one line', async () => {
    const missing = await runCli(['check', path.join(temp.dir, 'nope.xlsx')]);
    assert.equal(missing.code, 2, describeResult(missing));
    assert.match(missing.stderr, /^fanyi: file not found: .*nope\.xlsx\n$/);
    const noColumn = await runCli(['check', path.join(temp.dir, 'clean.csv'), '--to', 'th']);
    assert.equal(noColumn.code, 2, describeResult(noColumn));
    assert.match(noColumn.stderr, /no column for th/);
  });
});

/**
 * What `fanyi check --json` reports for each real file: the exit code (3: problems found) and how
 * many translations it checked in how many columns, so a crash or a check that read nothing
 * cannot pass the "not flagged" cases below.
 */
const REAL_CHECKS: Record<string, { code: number; checked: number; columns: number }> = {
  'panel-attack/localization.csv': { code: 3, checked: 1813, columns: 7 },
  'mediainfo/Language.csv': { code: 3, checked: 50283, columns: 37 },
  'ultimatemods-translatefiles/Localization.xlsx': { code: 3, checked: 933, columns: 36 },
  'polyglot-gamedev/PolyglotGamedev.csv': { code: 3, checked: 16666, columns: 26 },
  'cats-blender-plugin/translations.csv': { code: 3, checked: 1594, columns: 2 },
  'elin-plugins/cwl_sources.xlsx': { code: 0, checked: 139, columns: 1 }, // English log text in the JP column copied to EN
  'moefight/Language.xlsx': { code: 0, checked: 56, columns: 2 },
};

describe('fanyi check on real files', { skip: realDataSkip }, () => {
  const runs = new Map<string, CliResult>();

  before(async () => {
    const files = Object.keys(REAL_CHECKS);
    // Two at a time: the machine is shared.
    for (let i = 0; i < files.length; i += 2) {
      await Promise.all(files.slice(i, i + 2).map(async (file) => {
        runs.set(file, await runCli(['check', realDataPath(file), '--json'], { timeoutMs: 120_000 }));
      }));
    }
  });

  /** The findings of a check that ran to the end; throws (failing the test) for any other outcome. */
  const findingsOf = (file: string): Finding[] => {
    const run = runs.get(file);
    assert.ok(run && (run.code === 0 || run.code === 3), `${file}: check did not finish: ${run ? describeResult(run) : 'not run'}`);
    return parseSingleJson(run.stdout).findings as Finding[];
  };

  const flagged = (file: string, cell: string, code?: string): boolean =>
    findingsOf(file).some((f) => f.cell === cell && f.flags.some((flag) => flag.severity !== 'info' && (!code || flag.code === code)));

  test('checks every file to the end: exit code, translations checked, columns', () => {
    for (const [file, expected] of Object.entries(REAL_CHECKS)) {
      const run = runs.get(file)!;
      assert.equal(run.code, expected.code, `${file}: ${describeResult(run)}`);
      const json = parseSingleJson(run.stdout);
      assert.deepEqual({ checked: json.checked, columns: (json.columns as unknown[]).length }, { checked: expected.checked, columns: expected.columns }, file);
      assert.ok(Array.isArray(json.findings), `${file}: findings listed`);
    }
  });

  test('reports genuine defects', () => {
    const genuine: Array<[string, string, string]> = [
      ['panel-attack/localization.csv', 'I87', 'placeholder_mismatch'], // IT "Replay di 1%"
      ['panel-attack/localization.csv', 'E226', 'placeholder_mismatch'], // PT "Personagem: 1%"
      ['panel-attack/localization.csv', 'F197', 'placeholder_mismatch'], // JA full-width "％1"
      ['panel-attack/localization.csv', 'F29', 'corrupt_text'], // JA "??????"
      ['panel-attack/localization.csv', 'J85', 'untranslated'], // TH "Options"
      ['mediainfo/Language.csv', 'Q989', 'placeholder_mismatch'], // ID %HARGA%
      ['mediainfo/Language.csv', 'R1270', 'placeholder_mismatch'], // IT %PICE%
      ['mediainfo/Language.csv', 'R1048', 'placeholder_mismatch'], // IT "v% MI_VERSION %"
      ['mediainfo/Language.csv', 'R1046', 'numbers_differ'], // IT "MD% contenuto…"
      ['mediainfo/Language.csv', 'B948', 'wrong_script'], // AR column holding Thai
      ['ultimatemods-translatefiles/Localization.xlsx', 'C17', 'markup_mismatch'], // "<color#00da00>"
      ['ultimatemods-translatefiles/Localization.xlsx', 'D21', 'placeholder_mismatch'], // zh-CN lost {0}
      ['polyglot-gamedev/PolyglotGamedev.csv', 'AB250', 'placeholder_mismatch'], // bs-BA lost {0}
    ];
    for (const [file, cell, code] of genuine) assert.ok(flagged(file, cell, code), `${file} ${cell} ${code}`);
  });

  test('leaves correct cells alone', () => {
    const correct: Array<[string, string]> = [
      ['panel-attack/localization.csv', 'F5'], // JA "EASY" for "Easy": a deliberate style
      ['panel-attack/localization.csv', 'F161'], // JA "P1 wins": digits of a term
      ['mediainfo/Language.csv', 'AH117'], // zh-CN "分" for " minutes": Chinese drops the space
      ['mediainfo/Language.csv', 'B807'], // AR "Deutsch" for German: languages by their own name
      ['cats-blender-plugin/translations.csv', 'C140'], // JA names list with と
      ['polyglot-gamedev/PolyglotGamedev.csv', 'Q3'], // JA "Japanese" in the language-name row
    ];
    for (const [file, cell] of correct) assert.ok(!flagged(file, cell), `${file} ${cell}: ${JSON.stringify(findingsOf(file).find((f) => f.cell === cell))}`);
    assert.deepEqual(findingsOf('moefight/Language.xlsx'), []);
    assert.deepEqual(findingsOf('elin-plugins/cwl_sources.xlsx'), []);
  });
});
