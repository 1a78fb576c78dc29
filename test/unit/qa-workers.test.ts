import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { gateResults } from '../../src/executor/qa-gate.ts';
import { checkTranslation, type QaInput } from '../../src/qa/check-translation.ts';
import { QaWorkerPool } from '../../src/qa/qa-workers.ts';
import type { BatchItem, ItemResult } from '../../src/store/job-store.ts';

/** Pairs that raise every kind of flag and none: broken tokens, numbers, script, length, terms, a clean one. */
const inputs: QaInput[] = [
  { source: 'Level {0}', target: 'Stufe {0}', sourceLang: 'en', targetLang: 'de' },
  { source: 'Level {0}', target: 'Stufe', sourceLang: 'en', targetLang: 'de' },
  { source: 'Deals 25 damage', target: 'Verursacht 52 Schaden', sourceLang: 'en', targetLang: 'de' },
  { source: 'Open the treasure chest now', target: 'Open the treasure chest now', sourceLang: 'en', targetLang: 'th' },
  { source: 'Start', target: 'Spiel jetzt beginnen', sourceLang: 'en', targetLang: 'de', maxLength: 8 },
  { source: 'Use a Mana Potion', target: 'Benutze einen Trank', sourceLang: 'en', targetLang: 'de', glossary: [{ term: 'Mana Potion', translation: 'Manatrank' }] },
  { source: '<color=#fff>Gold</color>\\n%s', target: '<color=#fff>Gold</color>%s', sourceLang: 'en', targetLang: 'de' },
  { source: 'Hello', target: '', sourceLang: 'en', targetLang: 'de' },
];

test('the worker thread answers exactly what checkTranslation answers here, in order', async () => {
  const pool = new QaWorkerPool();
  try {
    const many = Array.from({ length: 40 }, (_, i) => inputs[i % inputs.length]);
    const [first, second] = await Promise.all([pool.check(many), pool.check(inputs)]);
    assert.deepEqual(first, many.map(checkTranslation));
    assert.deepEqual(second, inputs.map(checkTranslation));
    assert.ok(first.some((r) => r.hard) && first.some((r) => !r.flags.length), 'the set has hard flags and clean results');
    assert.equal(pool.broken, false, 'the worker ran');
  } finally {
    await pool.close();
  }
});

test('a worker that cannot start leaves the checks to the main thread, with the same answers', async () => {
  const pool = new QaWorkerPool(() => new Worker(new URL('./no-such-qa-worker.js', import.meta.url)));
  try {
    assert.deepEqual(await pool.check(inputs), inputs.map(checkTranslation));
    assert.equal(pool.broken, true);
    assert.deepEqual(await pool.check(inputs.slice(0, 2)), inputs.slice(0, 2).map(checkTranslation));
  } finally {
    await pool.close();
  }
});

test('requests still open when the pool closes are answered, not dropped', async () => {
  const pool = new QaWorkerPool();
  const pending = pool.check(inputs);
  await pool.close();
  assert.deepEqual(await pending, inputs.map(checkTranslation));
});

test('a reply of many texts goes through the gate with the same statuses as text by text', async () => {
  const items: BatchItem[] = Array.from({ length: 48 }, (_, i) => ({ dedupeKey: `k${i}`, sourceText: i % 2 ? `Level {${i}}` : `Deals ${i} damage`, sourceContext: null, retryCount: 0 }));
  const results: ItemResult[] = items.map((it, i) => ({ dedupeKey: it.dedupeKey, result: i % 3 ? `Stufe {${i}}` : `Verursacht ${i} Schaden`, tokenCount: 3 }));
  const gated = await gateResults(items, results, { sourceLang: 'en', targetLang: 'de' });
  const expected = items.map((it, i) => checkTranslation({ source: it.sourceText, target: results[i].result, sourceLang: 'en', targetLang: 'de' }));
  assert.deepEqual(gated.map((r) => r.status), expected.map((qa) => (qa.flags.length ? 'needs_review' : 'completed')));
  assert.deepEqual(gated.map((r) => r.qualityScore), expected.map((qa) => qa.score));
  assert.ok(gated.some((r) => r.status === 'needs_review') && gated.some((r) => r.status === 'completed'));
});
