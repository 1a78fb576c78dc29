import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { FanyiConfig } from '../config/config-schema.ts';
import { loadConfig, type ConfigOverrides } from '../config/load-config.ts';
import type { Engine } from '../engine.ts';
import { FanyiError } from '../errors.ts';
import { createEmbeddedEngine } from '../presets.ts';
import { storeTarget } from '../store/store-url.ts';

/** Flags every command that opens the store or reaches a provider shares. */
export interface CommonFlags {
  db?: string;
  store?: string;
  filesDir?: string;
  queue?: string;
  config?: string;
  provider?: string;
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  concurrency?: string;
  rpm?: string;
  tpm?: string;
  maxBatchTokens?: string;
  json?: boolean;
}

export function addProviderOptions(command: Command): Command {
  return command
    .option('--provider <name>', 'openai or pseudo (default: openai when a base URL or key is set, else pseudo)')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (env OPENAI_BASE_URL)')
    .option('--api-key <key>', 'API key (env OPENAI_API_KEY; prefer the env var: flags show in ps)')
    .option('--model <name>', 'model name (env FANYI_MODEL)')
    .option('--concurrency <n>', 'calls in flight at once (default 10)')
    .option('--rpm <n>', 'requests per minute to stay under')
    .option('--tpm <n>', 'tokens per minute to stay under')
    .option('--max-batch-tokens <n>', 'largest batch, in estimated input tokens');
}

export function addStoreOptions(command: Command): Command {
  return command
    .option('--db <path>', 'SQLite database file (default fanyi.db); short for --store sqlite:PATH')
    .option('--store <url>', 'sqlite:PATH, postgres://user:pass@host/db or mysql://user:pass@host/db (env FANYI_STORE_URL; prefer the env var for a password)')
    .option('--files-dir <dir>', 'source workbooks, outputs and checkpoints (default: <db>.files, or ./fanyi.files with a server store; env FANYI_FILES_DIR)')
    .option('--queue <url>', 'hand batches to fanyi worker processes: redis://host:6379 or postgres://… (env FANYI_QUEUE_URL; default: run in this process)')
    .option('--config <file>', 'config file (default: ./fanyi.yaml or ./config.yaml)');
}

/** `--store URL`, or `--db PATH` as `sqlite:PATH`; both at once is ambiguous. */
function storeFlag(flags: CommonFlags): string | undefined {
  if (flags.store && flags.db) throw new FanyiError('USAGE', '--db is short for --store sqlite:PATH: give one of them');
  return flags.store ?? (flags.db ? `sqlite:${flags.db}` : undefined);
}

export function overridesFrom(flags: CommonFlags): ConfigOverrides {
  if (flags.provider && flags.provider !== 'openai' && flags.provider !== 'pseudo') {
    throw new FanyiError('USAGE', `--provider must be openai or pseudo (got ${flags.provider})`);
  }
  return {
    configPath: flags.config,
    provider: flags.provider as ConfigOverrides['provider'],
    baseUrl: flags.baseUrl,
    apiKey: flags.apiKey,
    model: flags.model,
    concurrency: int('--concurrency', flags.concurrency),
    rpm: int('--rpm', flags.rpm),
    tpm: int('--tpm', flags.tpm),
    maxBatchTokens: int('--max-batch-tokens', flags.maxBatchTokens),
    storeUrl: storeFlag(flags),
    filesDir: flags.filesDir,
    queueUrl: flags.queue,
  };
}

function int(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new FanyiError('USAGE', `${flag} must be a positive whole number (got '${value}')`);
  return n;
}

export async function openEngine(flags: CommonFlags): Promise<Engine> {
  return createEmbeddedEngine({ loaded: loadConfig(overridesFrom(flags)) });
}

/**
 * For commands that only read a job (status, export): an existing database, and no provider,
 * so they work without credentials and never create a stray database file.
 */
export async function openExistingStore(flags: CommonFlags): Promise<Engine> {
  const loaded = loadConfig(overridesFrom({ db: flags.db, store: flags.store, filesDir: flags.filesDir, queue: flags.queue, config: flags.config, provider: 'pseudo' }));
  assertDatabase(loaded.config);
  return createEmbeddedEngine({ loaded });
}

/**
 * status, resume and export read an existing store; a typo in a SQLite path must not create a
 * new file. (A server database that is missing fails to connect.)
 */
export function assertDatabase(config: FanyiConfig): void {
  const { location, label } = storeTarget(config.store);
  if (location.kind === 'sqlite' && !existsSync(location.filename)) throw new FanyiError('JOB_NOT_FOUND', `no database at ${label}; run fanyi translate first, or pass --db or --store`);
}

/** The store of an engine, for messages: a file path, or the URL without its password. */
export function storeLabel(engine: Engine): string {
  return storeTarget(engine.config.store).label;
}

/** `game.xlsx` → `game.translated.xlsx` beside it (`reviews.csv` → `reviews.mapped.csv` for a map job). */
export function defaultOutPath(file: string, suffix = 'translated'): string {
  const ext = path.extname(file);
  return path.join(path.dirname(file), `${path.basename(file, ext)}.${suffix}${ext || '.xlsx'}`);
}

/** `--column-name`: a template must name the field, or every field's new column would get one header. */
export function columnNameFlag(template: string | undefined): string | undefined {
  if (template !== undefined && !(template.includes('{field}') && template.includes('{code}'))) throw new FanyiError('USAGE', `--column-name '${template}' must contain {field} and {code} (e.g. '{field}_{code}'): each field and language gets its own column`);
  return template;
}

export function splitList(value: string | undefined): string[] | undefined {
  const list = value?.split(',').map((s) => s.trim()).filter(Boolean);
  return list?.length ? list : undefined;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Prints `{ ...head, [key]: items }` exactly as printJson would, the list an element at a time
 * and with backpressure: a list of millions never becomes one string (V8 caps a string at ~512 MB).
 */
export async function printJsonList<T>(head: object, key: string, items: Iterable<T>, toJson: (item: T) => unknown, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  // The list goes last, as in printJson's `{ ...head, [key]: list }` when head has no such key.
  const { [key]: _replaced, ...rest } = head as Record<string, unknown>;
  const whole = JSON.stringify({ ...rest, [key]: [] }, null, 2);
  let chunk = whole.slice(0, whole.lastIndexOf('[]'));
  let first = true;
  for (const item of items) {
    // An element of a list at depth one: four spaces before each of its lines (JSON.stringify writes `null` for undefined there).
    chunk += `${first ? '[\n' : ',\n'}${(JSON.stringify(toJson(item), null, 2) ?? 'null').replace(/^/gm, '    ')}`;
    first = false;
    if (chunk.length >= 1 << 16) {
      await writeOut(out, chunk);
      chunk = '';
    }
  }
  await writeOut(out, `${chunk}${first ? '[]' : '\n  ]'}\n}\n`);
}

/** Writes, and when the stream asks to wait, resolves on `drain`; rejects if it fails or closes first. */
function writeOut(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (out.write(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      out.off('drain', onDrain).off('error', onError).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error('output closed'));
    out.once('drain', onDrain).once('error', onError).once('close', onClose);
  });
}

/** Resolves with the first SIGINT or SIGTERM: a long-running command (serve, worker) then shuts down. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
