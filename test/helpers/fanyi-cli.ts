/**
 * Runs the real `bin/fanyi.js` as a child process, so exit codes, stdout and stderr are exactly
 * what a user or a script sees. The environment is the parent's minus every `OPENAI_*` and
 * `FANYI_*` variable, so a developer's own key or endpoint can never leak into a test.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN_PATH = fileURLToPath(new URL('../../bin/fanyi.js', import.meta.url));

export interface CliResult {
  /** Exit code, or null when the process died of a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to the cleaned environment. */
  env?: Record<string, string>;
  /** Kills the child (SIGKILL) and rejects after this long. Default 60 s. */
  timeoutMs?: number;
}

/** A running CLI with its output collected so far. */
export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: { stdout: string; stderr: string };
  /** Resolves when the process has exited and its streams are drained. */
  readonly done: Promise<CliResult>;
}

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(OPENAI_|FANYI_)/.test(name)) env[name] = value;
  }
  // node:test sets this in children of the runner; the CLI is not a test file.
  delete env.NODE_TEST_CONTEXT;
  return { ...env, ...extra };
}

export function startCli(args: string[], options: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, [BIN_PATH, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: 'pipe' });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fanyi ${args.join(' ')} took over ${timeoutMs} ms\nstderr: ${output.stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, ...output });
    });
  });
  return { child, output, done };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** A fresh directory under the OS temp dir, and a function that removes it. */
export async function makeTempDir(prefix = 'fanyi-e2e-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `fn` in a fresh temp directory and removes the directory afterwards, whatever `fn` did. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>, prefix = 'fanyi-test-'): Promise<T> {
  const { dir, cleanup } = await makeTempDir(prefix);
  try {
    return await fn(dir);
  } finally {
    await cleanup();
  }
}

/** The CLI flags that point a run at a simulated provider. */
export function providerFlags(baseUrl: string, apiKey = 'test-key', model = 'sim-model'): string[] {
  return ['--base-url', baseUrl, '--api-key', apiKey, '--model', model];
}

/** Parses stdout that must be exactly one JSON value (surrounding whitespace allowed). */
export function parseSingleJson(stdout: string): Record<string, unknown> {
  const value: unknown = JSON.parse(stdout);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`stdout is not one JSON object: ${stdout.slice(0, 200)}`);
  return value as Record<string, unknown>;
}

/** A one-line summary of a CLI result for assertion messages. */
export function describeResult(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\nstdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`;
}
