/**
 * A child process under a parent that does not reap it: a `perl` parent (perl-base is Essential
 * on Debian) forks the command, prints its pid and blocks reading its stdin, and calls waitpid()
 * only once that stdin closes; perl installs no SIGCHLD handler, so nothing reaps the child
 * before. Killed, the child stays a zombie until then: what a container whose init does not reap
 * leaves behind. Cleanup closes stdin, so the parent reaps the child itself; killing the parent
 * instead would hand the zombie to an init that may never reap it either. (An `sh` parent did not
 * do: dash reaps a finished background job when a signal interrupts its `read`, so one run in a
 * few thousand saw the child gone instead of a zombie.)
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

/** Forks the command (exec'd in the child), prints its pid, waits for stdin to close, then reaps it. */
const PARENT = '$| = 1; my $pid = fork() // die "fork: $!"; if ($pid == 0) { exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!" } print "$pid\\n"; 1 while <STDIN>; waitpid($pid, 0);';

export async function spawnUnreaped(command: string, args: string[], options: { cwd?: string } = {}): Promise<UnreapedChild> {
  const parent = spawn('perl', ['-e', PARENT, command, ...args], { cwd: options.cwd, env: cleanEnv(), stdio: 'pipe' });
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
 * Collects stdout into `output` and resolves to the pid the parent prints first, before anything
 * the command writes (the command needs far longer to start). The stream is read, never closed early.
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
      else reject(new Error(`the parent printed no pid: ${JSON.stringify(pending)}`));
    };
    parent.stdout.setEncoding('utf8').on('data', onData);
    parent.once('exit', () => reject(new Error(`the parent exited before printing a pid: ${pending}`)));
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
