/**
 * README "What it does": the source is `--from`, else the leftmost language column at least 90%
 * as full as the fullest. Through the real CLI (pseudo provider, real SQLite): an EN column
 * (leftmost) 85% as full as the CH column beside it loses the role to CH; at 95% it keeps it;
 * `--from` picks either whatever the fill.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeBytes, xlsxBuffer } from '../helpers/crafted-files.ts';
import { describeResult, makeTempDir, runCli } from '../helpers/fanyi-cli.ts';
import { withReadonlyDb } from '../helpers/read-db.ts';

const ROWS = 20;

/** `Key | EN | CH | PT`: every CH cell filled, the first `enFilled` EN cells, PT empty. */
function table(enFilled: number): Array<Array<string | null>> {
  const rows = Array.from({ length: ROWS }, (_, i) => [`item_${i + 1}`, i < enFilled ? `Sword ${i + 1}` : null, `长剑 ${i + 1}`, null]);
  return [['Key', 'EN', 'CH', 'PT'], ...rows];
}

interface SourceSeen {
  languages: string[];
  /** Source texts of the tasks, in row order. */
  texts: string[];
}

describe('source column: --from, else the leftmost column at least 90% as full as the fullest', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  before(async () => (temp = await makeTempDir('fanyi-source-')));
  after(async () => temp?.cleanup());

  async function translate(name: string, enFilled: number, extra: string[] = []): Promise<SourceSeen> {
    const input = await writeBytes(path.join(temp.dir, `${name}.xlsx`), await xlsxBuffer({ Strings: table(enFilled) }));
    const db = path.join(temp.dir, `${name}.db`);
    const args = ['translate', input, '--to', 'pt-BR', '--provider', 'pseudo', '--db', db, '--out', path.join(temp.dir, `${name}.out.xlsx`), '--json', ...extra];
    const result = await runCli(args, { cwd: temp.dir });
    assert.equal(result.code, 0, describeResult(result));
    return withReadonlyDb(db, (sqlite) => {
      const rows = sqlite.prepare('select source_lang, source_text from tasks order by row_idx').all() as Array<{ source_lang: string; source_text: string }>;
      return { languages: [...new Set(rows.map((r) => r.source_lang))], texts: rows.map((r) => r.source_text) };
    });
  }

  test('EN (leftmost) 85% as full as CH: the fullest, CH, is the source', async () => {
    const seen = await translate('eighty-five', 17);
    assert.deepEqual(seen.languages, ['zh-CN']);
    assert.equal(seen.texts.length, ROWS, 'every row has a CH text');
    assert.equal(seen.texts[0], '长剑 1');
  });

  test('EN 95% as full as CH: the leftmost, EN, is the source', async () => {
    const seen = await translate('ninety-five', 19);
    assert.deepEqual(seen.languages, ['en']);
    assert.equal(seen.texts.length, 19, 'the row without an EN text has no task');
    assert.equal(seen.texts[0], 'Sword 1');
  });

  test('--from overrides the rule both ways', async () => {
    const fromEn = await translate('from-en', 17, ['--from', 'en']);
    assert.deepEqual(fromEn.languages, ['en']);
    assert.equal(fromEn.texts.length, 17);
    const fromZh = await translate('from-zh', 19, ['--from', 'zh-CN']);
    assert.deepEqual(fromZh.languages, ['zh-CN']);
    assert.equal(fromZh.texts.length, ROWS);
  });
});
