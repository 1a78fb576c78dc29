import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { printJsonList } from '../../src/cli/common.ts';

// `fanyi check --json` prints its findings an element at a time (a million-row table lists millions);
// the text must be what printJson prints for the whole object, byte for byte.

/**
 * A stream that keeps what is written, a chunk at a time, asks the writer to wait after each
 * chunk, and counts the writes made while it had asked to wait.
 */
function sink(): { out: Writable; chunks: string[]; ignoredWaits: () => number } {
  const chunks: string[] = [];
  let ignored = 0;
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      setImmediate(done);
    },
  });
  const write = out.write.bind(out);
  out.write = ((chunk: string) => {
    if (out.writableNeedDrain) ignored++;
    return write(chunk);
  }) as typeof out.write;
  return { out, chunks, ignoredWaits: () => ignored };
}

const head = { file: 'a "quoted" name.xlsx', checked: 3, nested: { by_code: { too_long: 1 }, list: [1, 2] }, report: null };
const items = [
  { sheet: 'UI', cell: 'C2', flags: [{ code: 'missing', severity: 'info' }], text: 'line one\nline two' },
  { sheet: 'UI', cell: 'C3', flags: [], empty: {} },
];

test('a stream that closes while the list waits for it fails the print instead of hanging it', async () => {
  const out = new Writable({ highWaterMark: 16, write: () => undefined });
  const printing = printJsonList({}, 'findings', Array.from({ length: 20_000 }, (_, i) => ({ i })), (item) => item, out);
  setImmediate(() => out.destroy());
  await assert.rejects(printing, /closed/);
});

test('a list printed an element at a time is the text printJson makes of the whole object', async () => {
  for (const list of [items, [], Array.from({ length: 5_000 }, (_, i) => ({ i, text: `text ${i} ✓` }))]) {
    const mapped = (item: object) => ({ ...item, mapped: true });
    const { out, chunks } = sink();
    await printJsonList(head, 'findings', list, mapped, out);
    assert.equal(chunks.join(''), `${JSON.stringify({ ...head, findings: list.map(mapped) }, null, 2)}\n`, `a list of ${list.length}`);
  }
});

test('a long list is written in bounded chunks, never as one string, each after the stream has drained', async () => {
  const { out, chunks, ignoredWaits } = sink();
  await printJsonList({}, 'findings', Array.from({ length: 20_000 }, (_, i) => ({ i })), (item) => item, out);
  assert.ok(chunks.length > 5, `${chunks.length} chunks`);
  assert.equal(ignoredWaits(), 0, 'no write while the stream asked to wait');
  assert.ok(Math.max(...chunks.map((c) => c.length)) < 1 << 17, 'each chunk bounded');
  assert.equal(JSON.parse(chunks.join('')).findings.length, 20_000);
});
