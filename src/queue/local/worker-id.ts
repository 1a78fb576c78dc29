import { hostname } from 'node:os';
import { readProcessStat } from './process-liveness.ts';

/** Who holds a lease, as read back from a worker id. */
export interface WorkerIdentity {
  host: string;
  pid: number;
  /** The process's start time (ticks since boot); absent off Linux and in ids from older runs. */
  startTime?: string;
}

/** Read once: the start time of this process never changes. */
const ownStartTime = readProcessStat(process.pid)?.startTime;

/**
 * `host:pid@starttime:n` (`host:pid:n` where /proc is missing). Host, pid and start time let a
 * later run on the same host see that the holder of a lease is dead, even once its pid has been
 * reused; `n` stays last, where the dashboard reads the worker number.
 */
export function workerId(n: number): string {
  const pid = ownStartTime === undefined ? `${process.pid}` : `${process.pid}@${ownStartTime}`;
  return `${hostname()}:${pid}:${n}`;
}

/** Undefined for an id not made by `workerId` (no host or no numeric pid). */
export function parseWorkerId(id: string): WorkerIdentity | undefined {
  const [host, owner, n] = id.split(':');
  const [pid, startTime] = (owner ?? '').split('@');
  if (!host || n === undefined || !/^\d+$/.test(pid ?? '')) return undefined;
  return { host, pid: Number(pid), ...(startTime ? { startTime } : {}) };
}
