/**
 * A child process under a parent that does not reap it: `sh` starts the command in the background,
 * prints its pid and blocks reading its stdin, and does not call wait() until that stdin closes
 * (dash and busybox ash reap only in `wait`). Killed, the child stays a zombie until then: what a
 * container whose init does not reap leaves behind. Cleanup closes stdin, so `sh` reaps the child
 * itself; killing `sh` instead would hand the zombie to an init that may never reap it either.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { readProcessStat } from '../../src/queue/local/process-liveness.ts';
import { cleanEnv } from './fanyi-cli.ts';

export interface UnreapedChild {
  /** The pid of the command (not of its parent). */
  readonly pid: number;
  /** What the command and its parent wrote, after the pid line. */
  readonly output: { stdout: string; stderr: string };
  /** SIGKILLs the command and resolves once it is a zombie. */
  killToZombie(): Promise<void>;
  /** Kills the command if it still runs, and lets its parent reap it and exit. */
  cleanup(): Promise<void>;
}

export async function spawnUnreaped(command: string, args: string[], options: { cwd?: string } = {}): Promise<UnreapedChild> {
  const parent = spawn('sh', ['-c', '"$0" "$@" & echo "$!"; read _; wait', command, ...args], { cwd: options.cwd, env: cleanEnv(), stdio: 'pipe' });
  const output = { stdout: '', stderr: '' };
  parent.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const pid = await readPid(parent, output);
  return {
    pid,
    output,
    async killToZombie() {
      process.kill(pid, 'SIGKILL');
      await waitForState(pid, (state) => state === 'Z');
    },
    async cleanup() {
      killQuietly(pid);
      if (parent.exitCode !== null || parent.signalCode !== null) return;
      const exited = once(parent, 'exit');
      parent.stdin.end();
      await exited;
    },
  };
}

/**
 * Collects stdout into `output` and resolves to the pid `sh` prints first, before anything the
 * command writes (the command needs far longer to start). The stream is read, never closed early.
 */
function readPid(parent: ChildProcessWithoutNullStreams, output: { stdout: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const onData = (chunk: string) => {
      pending += chunk;
      if (!pending.includes('\n')) return;
      parent.stdout.off('data', onData).on('data', (more: string) => (output.stdout += more));
      const [line, ...rest] = pending.split('\n');
      output.stdout += rest.join('\n');
      const pid = Number(line);
      if (Number.isInteger(pid) && pid > 0) resolve(pid);
      else reject(new Error(`sh printed no pid: ${JSON.stringify(pending)}`));
    };
    parent.stdout.setEncoding('utf8').on('data', onData);
    parent.once('exit', () => reject(new Error(`sh exited before printing a pid: ${pending}`)));
  });
}

async function waitForState(pid: number, wanted: (state: string | undefined) => boolean): Promise<void> {
  for (let waited = 0; !wanted(readProcessStat(pid)?.state); waited += 10) {
    if (waited > 10_000) throw new Error(`process ${pid} is still ${readProcessStat(pid)?.state ?? 'gone'} after 10 s`);
    await sleep(10);
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
