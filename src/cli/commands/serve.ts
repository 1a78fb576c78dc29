import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { FanyiError } from '../../errors.ts';
import { buildApp } from '../../server/build-app.ts';
import { loadConfig } from '../../config/load-config.ts';
import { createEmbeddedEngine, createQueueWorker } from '../../presets.ts';
import { parseLaneList, WORKER_LANES } from '../../queue/queue-lanes.ts';
import { storeTarget } from '../../store/store-url.ts';
import { assertBindable, resolveTokens, TokenTable } from '../../server/server-security.ts';
import { addProviderOptions, addStoreOptions, overridesFrom, untilSignal, type CommonFlags } from '../common.ts';
import { EXIT } from '../exit-codes.ts';

interface ServeFlags extends CommonFlags {
  host: string;
  port: string;
  rateLimit: string;
  workers: string;
  lanes?: string;
}

const LOG_LEVELS: Record<string, string> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error' };

/** `fanyi serve`: the REST API over the same store and engine as the CLI. */
export function registerServe(program: Command, exit: (code: number) => void): void {
  const command = program
    .command('serve')
    .description('run the REST API (upload, translate, status, export, metrics); tokens from FANYI_TOKENS=token:tenant,… and server.tokens in fanyi.yaml')
    .option('--host <host>', 'address to listen on; anything but loopback needs FANYI_TOKENS', '127.0.0.1')
    .option('--port <n>', 'port (0: any free one)', '8080')
    .option('--rate-limit <n>', 'API requests per second per token (0: unlimited)', '200')
    .option('--workers <n>', 'with --queue: also work on N batches at once in this process (0: leave the batches to fanyi worker processes)', '0')
    .option('--lanes <lanes>', "run only jobs of these queue lanes in this process, comma-separated (default: every lane): with --queue, the lanes --workers take entries from; without, jobs of other lanes are stored and left to a server of their lane on the same store, which takes them up");
  addStoreOptions(addProviderOptions(command)).action(async (flags: ServeFlags) => {
    const port = whole('--port', flags.port, 65_535);
    const requestsPerSecond = whole('--rate-limit', flags.rateLimit, 1_000_000);
    const loaded = loadConfig(overridesFrom(flags));
    const tokens = new TokenTable(resolveTokens(loaded.config.server.tokens, process.env));
    // Checked before the store is opened: an exposed server without tokens must never start.
    assertBindable(flags.host, tokens);
    const workers = whole('--workers', flags.workers, 1_000);
    const queued = Boolean(loaded.config.queue.url);
    if (workers && !queued) throw new FanyiError('USAGE', '--workers needs a queue (--queue URL or FANYI_QUEUE_URL): without one the server runs jobs itself');
    const lanes = flags.lanes === undefined ? undefined : parseLaneList(flags.lanes);
    if (lanes && queued && !workers) throw new FanyiError('USAGE', '--lanes with --queue names the lanes of this server\'s own workers: add --workers N (without it, fanyi worker --lanes … processes do the work)');
    // Without a queue the pool runs jobs of these lanes; with one, the workers below take them.
    const engineOptions = { loaded, lanes: queued ? undefined : lanes };
    const engine = await createEmbeddedEngine(engineOptions);
    // With a queue the server enqueues and follows; `--workers N` also works on batches here.
    const local = workers ? await createQueueWorker({ loaded, lanes: lanes ?? [...WORKER_LANES], concurrency: workers, name: `serve:${process.pid}`, log: (line) => process.stderr.write(`fanyi serve worker: ${line}\n`) }) : undefined;
    try {
      await local?.host.start();
      await engine.assertDefaultsRunnable();
      const app = await buildApp({
        engine,
        engineOptions,
        filesDir: storeTarget(loaded.config.store).filesDir,
        tokens,
        requestsPerSecond,
        logger: { level: LOG_LEVELS[engine.config.system.log_level.toLowerCase()] ?? 'info', stream: process.stderr, redact: ['req.headers.authorization'] },
      });
      await app.listen({ host: flags.host, port });
      const { address, port: bound } = app.server.address() as AddressInfo;
      const url = `http://${address.includes(':') ? `[${address}]` : address}:${bound}`;
      process.stdout.write(`fanyi: listening on ${url} (API docs: ${url}/api/docs)\n`);
      const signal = await untilSignal();
      process.stderr.write(`fanyi: ${signal}: stopping; in-flight batches are handed back, resume with fanyi resume\n`);
      await app.close();
      await local?.host.stop(20_000);
      exit(EXIT.OK);
    } finally {
      await local?.engine.close();
      await engine.close();
    }
  });
}

function whole(flag: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new FanyiError('USAGE', `${flag} must be a whole number from 0 to ${max} (got '${value}')`);
  return n;
}
