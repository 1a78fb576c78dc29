/**
 * The set-up the queue e2e tests share: a temp dir with a config and a SQLite store migrated
 * before any worker opens it, the simulated provider, a Redis key prefix of the test's own, and
 * `close`, which stops the processes the test started and removes all of it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeResult, makeTempDir, runCli, type CliProcess } from './fanyi-cli.ts';
import { uniquePrefix } from './queue-workers.ts';
import { deleteKeys, REDIS_URL } from './redis-server.ts';
import { startSimulatedProvider, type SimulatedProvider, type SimulatedProviderOptions } from './simulated-provider.ts';
import { uniqueTexts, writeStringTable } from './string-table.ts';

export interface QueueFixtureOptions {
  /** Names the temp dir and the key prefix. */
  name: string;
  /** The simulated provider's key, given to every process as OPENAI_API_KEY. */
  apiKey: string;
  provider?: Omit<SimulatedProviderOptions, 'apiKey'>;
  /** `fanyi.yaml` in the temp dir, which every process started there reads. */
  config: string;
  /** False: no store made beforehand (a `fanyi serve` started first migrates it). Default true. */
  seed?: boolean;
}

export interface QueueFixture {
  temp: { dir: string; cleanup: () => Promise<void> };
  db: string;
  prefix: string;
  /** OPENAI_API_KEY and FANYI_QUEUE_PREFIX: what every process of the test runs with. */
  env: Record<string, string>;
  provider: SimulatedProvider;
  /** Kills `children`, closes the provider, deletes the prefix's keys and the temp dir. */
  close(children: readonly CliProcess[]): Promise<void>;
}

export async function queueFixture(options: QueueFixtureOptions): Promise<QueueFixture> {
  const temp = await makeTempDir(`fanyi-${options.name}-`);
  const prefix = uniquePrefix(options.name);
  const db = path.join(temp.dir, 'fanyi.db');
  const provider = await startSimulatedProvider({ ...options.provider, apiKey: options.apiKey });
  const env = { OPENAI_API_KEY: options.apiKey, FANYI_QUEUE_PREFIX: prefix };
  const close = async (children: readonly CliProcess[]) => {
    for (const child of children) child.child.kill('SIGKILL');
    await provider.close();
    await deleteKeys(REDIS_URL, prefix);
    await temp.cleanup();
  };
  try {
    await writeFile(path.join(temp.dir, 'fanyi.yaml'), options.config);
    // The store exists (migrated) before the workers open it.
    if (options.seed === false) return { temp, db, prefix, env, provider, close };
    const seed = await writeStringTable(path.join(temp.dir, 'seed.xlsx'), uniqueTexts(1));
    const seeded = await runCli(['translate', seed.file, '--to', 'pt-BR', '--db', db, '--provider', 'pseudo', '--json'], { cwd: temp.dir, env });
    assert.equal(seeded.code, 0, describeResult(seeded));
  } catch (error) {
    await close([]);
    throw error;
  }
  return { temp, db, prefix, env, provider, close };
}
