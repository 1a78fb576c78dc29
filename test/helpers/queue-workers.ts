/**
 * Queue e2e plumbing: a Redis key prefix per test (deleted afterwards), `fanyi worker` processes
 * started and awaited until they listen, and a private `redis-server` a test may kill and restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { startCli, type CliProcess } from './fanyi-cli.ts';

export const REDIS_URL = process.env.FANYI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix no other test or run uses. */
export function uniquePrefix(name: string): string {
  return `fanyi_t_${name}_${process.pid}_${Date.now().toString(36)}`;
}

/** Deletes every key under `prefix` (BullMQ's `prefix:queue:*`). */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A `redis-server` of this test's own, without persistence: a restart loses every key. */
export class PrivateRedis {
  readonly port: number;
  #process?: ChildProcess;

  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.#process = spawn('redis-server', ['--port', String(this.port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' });
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      const redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        await redis.ping();
        return;
      } catch {
        // not up yet
      } finally {
        redis.disconnect();
      }
    }
    throw new Error(`redis-server on ${this.port} did not start`);
  }

  async stop(): Promise<void> {
    const child = this.#process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
