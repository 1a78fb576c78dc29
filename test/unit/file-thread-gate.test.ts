import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FileThreadGate, type GateTicket } from '../../src/server/file-threads/file-thread-gate.ts';
import { HttpError } from '../../src/server/http-error.ts';

/** Lets every settled promise run its callbacks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Enters each `[name, tenant]` in order and records the names in the order they are admitted. */
function enterAll(gate: FileThreadGate, entries: Array<[string, string]>) {
  const admitted: string[] = [];
  const tickets = new Map<string, GateTicket>();
  for (const [name, tenant] of entries) {
    const ticket = gate.enter(tenant);
    tickets.set(name, ticket);
    void ticket.admitted.then(() => admitted.push(name), () => undefined);
  }
  return { admitted, tickets };
}

describe('FileThreadGate', () => {
  test('at most `threads` at once and `perTenant` per tenant; the rest wait', async () => {
    const gate = new FileThreadGate({ threads: 2, perTenant: 1, queuePerTenant: 4 });
    const { admitted } = enterAll(gate, [['a1', 'a'], ['a2', 'a'], ['b1', 'b'], ['c1', 'c']]);
    await settle();
    // a2 waits for a1 (its tenant's bound); b1 runs beside a1; c1 finds both places taken.
    assert.deepEqual(admitted, ['a1', 'b1']);
    assert.deepEqual(gate.load, { running: 2, waiting: 2 });
  });

  test('a freed place goes to the earliest waiter whose tenant is under its bound', async () => {
    const gate = new FileThreadGate({ threads: 2, perTenant: 1, queuePerTenant: 4 });
    const { admitted, tickets } = enterAll(gate, [['a1', 'a'], ['a2', 'a'], ['b1', 'b'], ['a3', 'a'], ['c1', 'c'], ['b2', 'b']]);
    await settle();
    assert.deepEqual(admitted, ['a1', 'b1']);
    // b1 ends: a2 is first in line but tenant a still runs a1; c1 is next in line and may run.
    tickets.get('b1')!.release();
    await settle();
    assert.deepEqual(admitted, ['a1', 'b1', 'c1']);
    // a1 ends: a2 (before a3 and b2) goes.
    tickets.get('a1')!.release();
    await settle();
    assert.deepEqual(admitted, ['a1', 'b1', 'c1', 'a2']);
    tickets.get('c1')!.release();
    await settle();
    assert.deepEqual(admitted, ['a1', 'b1', 'c1', 'a2', 'b2'], 'a3 waits for a2; b2 may run');
    tickets.get('a2')!.release();
    await settle();
    assert.deepEqual(admitted, ['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  test("past queuePerTenant waiting, a tenant's next is refused with 429 RATE_LIMITED naming the setting; others still queue", () => {
    const gate = new FileThreadGate({ threads: 1, perTenant: 1, queuePerTenant: 2 });
    enterAll(gate, [['a1', 'a'], ['a2', 'a'], ['a3', 'a']]);
    assert.throws(() => gate.enter('a'), (error: unknown) => {
      assert.ok(error instanceof HttpError);
      assert.equal(error.statusCode, 429);
      assert.equal(error.code, 'RATE_LIMITED');
      assert.match(error.message, /tenant a already has 2 uploads or job starts waiting.*server\.file_queue_per_tenant: 2/);
      assert.ok(Number(error.headers['retry-after']) >= 1);
      return true;
    });
    assert.throws(() => gate.assertRoom('a'), HttpError);
    gate.assertRoom('b');
    gate.enter('b');
    assert.deepEqual(gate.load, { running: 1, waiting: 3 });
  });

  test('a released waiter leaves the line; releasing twice changes nothing', async () => {
    const gate = new FileThreadGate({ threads: 1, perTenant: 1, queuePerTenant: 4 });
    const { admitted, tickets } = enterAll(gate, [['a1', 'a'], ['b1', 'b'], ['c1', 'c']]);
    tickets.get('b1')!.release();
    tickets.get('b1')!.release();
    assert.deepEqual(gate.load, { running: 1, waiting: 1 });
    tickets.get('a1')!.release();
    tickets.get('a1')!.release();
    await settle();
    assert.deepEqual(admitted, ['a1', 'c1']);
    assert.deepEqual(gate.load, { running: 1, waiting: 0 });
  });

  test('close refuses everyone waiting with the given error; what runs keeps its place until released', async () => {
    const gate = new FileThreadGate({ threads: 1, perTenant: 1, queuePerTenant: 4 });
    const running = gate.enter('a');
    const waiting = gate.enter('b');
    gate.close(new Error('shutting down'));
    await running.admitted;
    await assert.rejects(waiting.admitted, /shutting down/);
    assert.deepEqual(gate.load, { running: 1, waiting: 0 });
    waiting.release();
    running.release();
    assert.deepEqual(gate.load, { running: 0, waiting: 0 });
  });

  test('queuePerTenant 0: no line, a tenant at its bound is refused at once', () => {
    const gate = new FileThreadGate({ threads: 4, perTenant: 1, queuePerTenant: 0 });
    gate.enter('a');
    assert.throws(() => gate.enter('a'), /file_queue_per_tenant: 0/);
    gate.enter('b');
  });
});
