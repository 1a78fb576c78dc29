/**
 * Queue e2e plumbing: a Redis key prefix per test (deleted afterwards with redis-server.ts
 * deleteKeys), and `fanyi worker` processes started and awaited until they listen.
 */
import { startCli, type CliProcess } from './fanyi-cli.ts';

export { REDIS_URL } from './redis-server.ts';

/** A prefix no other test or run uses. */
export function uniquePrefix(name: string): string {
  return `fanyi_t_${name}_${process.pid}_${Date.now().toString(36)}`;
}

/** Starts `fanyi worker` and resolves once it says it listens. */
export async function startWorker(args: string[], env: Record<string, string>, cwd: string, timeoutMs = 120_000): Promise<CliProcess> {
  const worker = startCli(['worker', ...args], { cwd, env, timeoutMs });
  const deadline = Date.now() + 30_000;
  while (!/fanyi worker .*lanes/.test(worker.output.stdout)) {
    if (worker.child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start: ${worker.output.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return worker;
}
