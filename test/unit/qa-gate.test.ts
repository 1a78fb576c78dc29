import assert from 'node:assert/strict';
import { test } from 'node:test';
import { better, checkResult, gateResults, maxLengthOf, type RepairCall } from '../../src/executor/qa-gate.ts';
import type { RepairNote } from '../../src/llm/provider.ts';
import type { BatchItem, ItemResult } from '../../src/store/job-store.ts';

const scope = { sourceLang: 'en', targetLang: 'de' };

function item(sourceText: string, context: Record<string, unknown> | null = null): BatchItem {
  return { dedupeKey: `k:${sourceText}`, sourceText, sourceContext: context && JSON.stringify(context), retryCount: 0 };
}

const result = (it: BatchItem, text: string, tokenCount = 4): ItemResult => ({ dedupeKey: it.dedupeKey, result: text, tokenCount });

/** A repair call that answers from `answers` (by source text) and records what it was sent. */
function repairFrom(answers: Record<string, string | undefined>): RepairCall & { sent: Array<{ items: BatchItem[]; notes: RepairNote[] }> } {
  const sent: Array<{ items: BatchItem[]; notes: RepairNote[] }> = [];
  const call = async (items: BatchItem[], notes: RepairNote[]) => {
    sent.push({ items, notes });
    return items.map((it) => result(it, answers[it.sourceText] ?? '', 3));
  };
  return Object.assign(call, { sent });
}

test('clean results are completed with a score of 100 and no repair call', async () => {
  const items = [item('Level {0}'), item('Open the map')];
  const repair = repairFrom({});
  const out = await gateResults(items, [result(items[0], 'Stufe {0}'), result(items[1], 'Karte öffnen')], scope, repair);
  assert.deepEqual(out.map((r) => [r.status, r.qualityScore, r.qaFlags]), [['completed', 100, null], ['completed', 100, null]]);
  assert.equal(repair.sent.length, 0);
});

test('only the failing items are sent again, each with its previous answer and problems', async () => {
  const items = [item('Level {0}'), item('Open the map'), item('Gold: %s')];
  const repair = repairFrom({ 'Level {0}': 'Stufe {0}', 'Gold: %s': 'Gold: %s' });
  await gateResults(items, [result(items[0], 'Stufe'), result(items[1], 'Karte öffnen'), result(items[2], 'Gold:')], scope, repair);
  assert.equal(repair.sent.length, 1, 'one repair call for all failing items');
  assert.deepEqual(repair.sent[0].items.map((i) => i.sourceText), ['Level {0}', 'Gold: %s']);
  assert.equal(repair.sent[0].notes[0].previous, 'Stufe');
  assert.match(repair.sent[0].notes[0].problems.join(' '), /\{0\}/);
  assert.match(repair.sent[0].notes[1].problems.join(' '), /%s/);
});

test('a repair that fixes the text is kept: completed, tokens of both calls counted', async () => {
  const items = [item('Level {0}')];
  const [out] = await gateResults(items, [result(items[0], 'Stufe', 4)], scope, repairFrom({ 'Level {0}': 'Stufe {0}' }));
  assert.deepEqual([out.status, out.result, out.qaFlags, out.qualityScore, out.tokenCount], ['completed', 'Stufe {0}', null, 100, 7]);
});

test('still failing after the repair: needs_review with `code: message` flags and the score', async () => {
  const items = [item('Level {0}')];
  const [out] = await gateResults(items, [result(items[0], 'Stufe')], scope, repairFrom({ 'Level {0}': 'Stufe' }));
  assert.equal(out.status, 'needs_review');
  assert.equal(out.result, 'Stufe');
  assert.equal(out.qaFlags?.length, 1);
  assert.match(out.qaFlags![0], /^placeholder_mismatch: .*\{0\}/);
  assert.equal(out.qualityScore, 40);
});

test('the better answer is kept: a hard flag loses to a soft one, whichever came first', async () => {
  const items = [item('Level {0}', { maxLength: 8 })];
  // First answer: too long (soft). Repair: placeholder lost (hard). The first stands.
  const [kept] = await gateResults(items, [result(items[0], 'Spielerstufe {0}')], scope, repairFrom({ 'Level {0}': 'Stufe' }));
  assert.equal(kept.result, 'Spielerstufe {0}');
  assert.equal(kept.status, 'needs_review');
  assert.match(kept.qaFlags!.join(), /too_long/);
  // The other way round the repair wins.
  const [won] = await gateResults(items, [result(items[0], 'Stufe')], scope, repairFrom({ 'Level {0}': 'Spielerstufe {0}' }));
  assert.equal(won.result, 'Spielerstufe {0}');
});

test('a tie keeps the first answer; a higher score wins', () => {
  const it = item('Open the map');
  const first = checkResult(it, result(it, 'Karte öffnen '), scope);
  const same = checkResult(it, result(it, ' Karte öffnen'), scope);
  assert.equal(better(first, same), first);
  const clean = checkResult(it, result(it, 'Karte öffnen'), scope);
  assert.equal(better(first, clean), clean);
});

test('a repair call that brings nothing leaves the first answers, flagged', async () => {
  const items = [item('Level {0}')];
  const [out] = await gateResults(items, [result(items[0], 'Stufe')], scope, async () => undefined);
  assert.deepEqual([out.status, out.result], ['needs_review', 'Stufe']);
  const [noRepair] = await gateResults(items, [result(items[0], 'Stufe')], scope);
  assert.equal(noRepair.status, 'needs_review');
});

test('the length limit comes from the stored context', () => {
  assert.equal(maxLengthOf(item('x', { sheet: 'UI', column: 'EN', maxLength: 12 })), 12);
  assert.equal(maxLengthOf(item('x', { sheet: 'UI', column: 'EN' })), undefined);
  assert.equal(maxLengthOf(item('x')), undefined);
  assert.equal(maxLengthOf({ ...item('x'), sourceContext: 'not json' }), undefined);
  const it = item('Start', { maxLength: 6 });
  assert.match(checkResult(it, result(it, 'Spiel starten'), scope).qa.flags.map((f) => f.code).join(), /too_long/);
});

test('glossary hits of the call are checked (the glossary hook)', () => {
  const it = item('Collect Star Coins');
  const glossary = [{ source: 'Star Coins', target: 'Sternmünzen', doNotTranslate: false }];
  const checked = checkResult(it, result(it, 'Sammle Sternenmünzen'), { ...scope, glossary });
  assert.deepEqual(checked.qa.flags.map((f) => f.code), ['glossary_term_missing']);
  assert.deepEqual(checkResult(it, result(it, 'Sammle Sternmünzen'), { ...scope, glossary }).qa.flags, []);
});
