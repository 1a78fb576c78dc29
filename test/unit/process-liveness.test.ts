/**
 * Whether the holder of a lease is alive: a killed but unreaped process (a zombie) and a pid reused
 * by another process are dead, though both answer kill(0). Linux only where /proc decides.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { after, describe, test } from 'node:test';
import { isProcessAlive, readProcessStat } from '../../src/queue/local/process-liveness.ts';
import { parseWorkerId, workerId } from '../../src/queue/local/worker-id.ts';
import { spawnUnreaped, type UnreapedChild } from '../helpers/unreaped-child.ts';

const noProc = existsSync('/proc/self/stat') ? false : 'needs /proc (Linux)';
const cleanups: Array<() => Promise<void>> = [];
after(() => Promise.all(cleanups.map((cleanup) => cleanup())));

async function unreapedSleep(): Promise<UnreapedChild> {
  const child = await spawnUnreaped('sleep', ['600']);
  cleanups.push(() => child.cleanup());
  return child;
}

describe('isProcessAlive', () => {
  test('a live process is alive, with or without its start time', { skip: noProc }, async () => {
    const { pid } = await unreapedSleep();
    const startTime = readProcessStat(pid)?.startTime;
    assert.ok(startTime, 'its start time is readable');
    assert.equal(isProcessAlive(pid), true);
    assert.equal(isProcessAlive(pid, startTime), true);
  });

  test('a pid that now belongs to a process started at another time is dead', { skip: noProc }, async () => {
    const { pid } = await unreapedSleep();
    const startTime = Number(readProcessStat(pid)?.startTime);
    assert.equal(isProcessAlive(pid, String(startTime - 1)), false);
  });

  test('a killed process its parent has not reaped (a zombie) is dead', { skip: noProc }, async () => {
    const child = await unreapedSleep();
    const startTime = readProcessStat(child.pid)?.startTime;
    await child.killToZombie();
    assert.doesNotThrow(() => process.kill(child.pid, 0), 'kill(0) alone still answers for a zombie');
    assert.equal(isProcessAlive(child.pid), false);
    assert.equal(isProcessAlive(child.pid, startTime), false);
  });

  test('a pid no process has is dead', async () => {
    const child = spawn('true');
    await once(child, 'exit');
    assert.equal(isProcessAlive(child.pid!), false);
    assert.equal(isProcessAlive(0), false);
    assert.equal(isProcessAlive(Number.NaN), false);
  });
});

describe('worker ids', () => {
  test('carry this host, pid and start time; the worker number stays last', () => {
    const id = workerId(7);
    assert.equal(id.split(':').pop(), '7');
    const startTime = readProcessStat(process.pid)?.startTime;
    assert.deepEqual(parseWorkerId(id), { host: hostname(), pid: process.pid, ...(startTime ? { startTime } : {}) });
  });

  test('ids of older runs (host:pid:n) still parse, without a start time; others do not', () => {
    assert.deepEqual(parseWorkerId('box:4242:0'), { host: 'box', pid: 4242 });
    assert.equal(parseWorkerId('w1'), undefined);
    assert.equal(parseWorkerId('box:abc:0'), undefined);
  });
});
