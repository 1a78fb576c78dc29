import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkGate } from '../../src/queue/work-gate.ts';

test('the work gate lets in as many as the limit allows, the next one when one leaves or the limit rises, none once aborted', async () => {
  let limit = 2;
  const gate = new WorkGate(() => limit);
  const signal = new AbortController().signal;
  assert.equal(await gate.enter(signal), true);
  assert.equal(await gate.enter(signal), true);
  let third = false;
  const waiting = gate.enter(signal).then((entered) => (third = entered));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(third, false, 'the limit is reached: the third waits');
  gate.leave();
  await waiting;
  assert.equal(third, true, 'one left: the third is in');
  let fourth = false;
  const raised = gate.enter(signal).then((entered) => (fourth = entered));
  limit = 3;
  await raised;
  assert.equal(fourth, true, 'the limit rose: the fourth is in without anyone leaving');
  const aborted = new AbortController();
  const abandoned = gate.enter(aborted.signal);
  aborted.abort(new Error('shutting down'));
  assert.equal(await abandoned, false, 'aborted while waiting: not let in');
});
