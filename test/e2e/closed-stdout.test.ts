/**
 * A reader that stops early (`fanyi status | head -1`) closes the pipe: every command then ends
 * quietly, with its own exit code, instead of dying of an unhandled EPIPE with a stack trace.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { describeResult, makeTempDir, runCli, startCli, type CliResult } from '../helpers/fanyi-cli.ts';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let db: string;

before(async () => {
  temp = await makeTempDir();
  const csv = path.join(temp.dir, 'strings.csv');
  await writeFile(csv, ['key,en,fr', ...Array.from({ length: 40 }, (_, i) => `k${i},Hello number ${i},`)].join('\n'));
  db = path.join(temp.dir, 'job.db');
  const translated = await runCli(['translate', csv, '--to', 'fr', '--provider', 'pseudo', '--db', db], { cwd: temp.dir });
  assert.equal(translated.code, 0, describeResult(translated));
});

after(() => temp?.cleanup());

/** Runs the CLI with the read end of its stdout (or stderr) closed before it writes anything. */
function withClosedPipe(args: string[], which: 'stdout' | 'stderr' = 'stdout'): Promise<CliResult> {
  const cli = startCli(args, { cwd: temp.dir });
  cli.child[which].destroy();
  return cli.done;
}

for (const args of [['status', '--json'], ['status'], ['--help']]) {
  test(`fanyi ${args.join(' ')} with stdout closed exits 0 without a stack trace`, async () => {
    const result = await withClosedPipe([...args, ...(args.includes('--help') ? [] : ['--db', db])]);
    assert.equal(result.signal, null, describeResult(result));
    assert.doesNotMatch(result.stderr, /EPIPE|Error|\n\s+at /, describeResult(result));
    assert.equal(result.code, 0, describeResult(result));
  });
}

test('a failing command with stderr closed keeps its exit code', async () => {
  const result = await withClosedPipe(['status', '--db', path.join(temp.dir, 'missing.db')], 'stderr');
  assert.equal(result.code, 2, describeResult(result));
});
