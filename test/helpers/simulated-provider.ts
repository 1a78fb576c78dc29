/**
 * A simulated OpenAI-compatible chat-completions server for tests and benchmarks (the product
 * never imports it). It speaks the same wire protocol as the real providers: the system prompt
 * names the target language as `[pt-BR]`, the last user message is a JSON object of id → source
 * text, and the reply content is the same ids mapped to {@link simulatedTranslation}s.
 *
 * Rate limits, latency and faults are configurable and reproducible (seeded PRNG), so a test can
 * assert how the engine recovers, and a benchmark can measure throughput against known limits.
 *
 * Run directly for a standalone server:
 * `node --import tsx test/helpers/simulated-provider.ts --port 8787 --latency 300 --rpm 1200`.
 *
 * This file is the entry point, from code and from the command line; the server, the wire format,
 * the faults and the rate limits live in the simulated-*.ts files beside it.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { FAULT_NAMES } from './simulated-faults.ts';
import { SimulatedLlmServer, withoutUndefined } from './simulated-llm-server.ts';
import type { SimulatedProvider, SimulatedProviderOptions } from './simulated-provider-types.ts';

export { FAULT_NAMES };
export type { FaultContext, FaultName } from './simulated-faults.ts';
export type { RequestLogEntry, SimulatedProvider, SimulatedProviderOptions, SimulatedProviderStats } from './simulated-provider-types.ts';

/** Starts listening and resolves once the port is known. */
export async function startSimulatedProvider(options: SimulatedProviderOptions = {}): Promise<SimulatedProvider> {
  const provider = new SimulatedLlmServer(options);
  await provider.listen(options.port ?? 0);
  return provider;
}

function cliOptions(args: string[]): SimulatedProviderOptions {
  const faultFlags = FAULT_NAMES.map((name) => [name, `fault-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`] as const);
  const numeric = ['port', 'latency', 'jitter', 'rpm', 'tpm', 'burst-window', 'seed', ...faultFlags.map(([, flag]) => flag)];
  const { values } = parseArgs({ args, options: Object.fromEntries([...numeric, 'api-key', 'models', 'tokens'].map((flag) => [flag, { type: 'string' }])) });
  const tokens = values.tokens as string | undefined;
  if (tokens !== undefined && tokens !== 'thirds' && tokens !== 'bpe') throw new Error(`--tokens must be thirds or bpe, got ${tokens}`);
  const number = (flag: string): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || Number.isNaN(Number(raw))) throw new Error(`--${flag} must be a number, got ${String(raw)}`);
    return Number(raw);
  };
  return {
    port: number('port') ?? 8787, latencyMs: number('latency'), latencyJitter: number('jitter'), rpm: number('rpm'), tpm: number('tpm'),
    burstWindowMs: number('burst-window'), seed: number('seed'), apiKey: values['api-key'] as string | undefined,
    models: (values.models as string | undefined)?.split(',').map((model) => model.trim()),
    tokenCounting: tokens,
    faults: Object.fromEntries(faultFlags.map(([name, flag]) => [name, number(flag)]).filter(([, rate]) => rate !== undefined)),
    // A long-running server must not grow a text log without bound.
    recordTexts: false,
  };
}

async function main(): Promise<void> {
  const provider = await startSimulatedProvider(withoutUndefined(cliOptions(process.argv.slice(2))));
  console.log(provider.baseUrl);
  const stop = (): void => {
    const { requests, ok, status429, status5xx, faultsInjected } = provider.stats;
    console.log(JSON.stringify({ requests, ok, status429, status5xx, faultsInjected }));
    void provider.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
