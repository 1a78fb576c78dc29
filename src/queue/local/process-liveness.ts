import { readFileSync } from 'node:fs';

/** What Linux says of a process in `/proc/<pid>/stat`. */
export interface ProcessStat {
  /** One letter: R running, S sleeping, … Z zombie (killed, not yet reaped), X dead. */
  state: string;
  /**
   * Field 22, `starttime`: clock ticks from boot to the start of the process. Unlike a wall clock
   * it never moves, so a different value under the same pid means another process reused it.
   */
  startTime: string;
}

/**
 * Reads `/proc/<pid>/stat`; undefined off Linux, for a pid that does not exist, or where /proc
 * hides other users' processes (`hidepid`).
 */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses and may itself hold spaces and ')': the fields
  // after the last ')' are fixed, the state first and starttime the 20th.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields.length > 19 ? { state: fields[0]!, startTime: fields[19]! } : undefined;
}

/**
 * Whether process `pid` still exists and can still hold a lease. kill(0) decides where /proc says
 * nothing more (off Linux): a process that answers it is alive. On Linux, a zombie answers kill(0)
 * too but will never renew a lease again, so it is dead; and when `startTime` (the holder's, as
 * stored in its worker id) is given, a process under that pid that started at another time is a
 * stranger that reused the pid, so the holder is dead.
 */
export function isProcessAlive(pid: number, startTime?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProcessStat(pid);
  if (!stat) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}
