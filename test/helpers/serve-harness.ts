/**
 * A real `fanyi serve` app for API tests: the embedded engine (SQLite file, local pool) bound to
 * 127.0.0.1 on a free port, reached over real HTTP with fetch. The only stand-in is the simulated
 * LLM provider, when one is passed.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.ts';
import type { Engine } from '../../src/engine.ts';
import { createEmbeddedEngine } from '../../src/presets.ts';
import { buildApp } from '../../src/server/build-app.ts';
import { TokenTable } from '../../src/server/server-security.ts';
import { makeTempDir } from './fanyi-cli.ts';
import type { SimulatedProvider } from './simulated-provider.ts';

export interface ServeHarnessOptions {
  provider?: SimulatedProvider;
  /** token → tenant */
  tokens?: Record<string, string>;
  /** fanyi.yaml contents (limits for the bad-input cases). */
  configYaml?: string;
  requestsPerSecond?: number;
  /** A store URL (`postgres://…`) in place of the harness's own SQLite file; several servers may share one. */
  store?: string;
  /** This server's files dir; default `<db>.files`. */
  filesDir?: string;
  /** `serve --lanes`: the queue lanes this server runs jobs of; default all. */
  lanes?: string[];
}

export interface ServeHarness {
  base: string;
  dir: string;
  db: string;
  engine: Engine;
  /** fetch against the server; `token` becomes a bearer header, `json` a JSON body. */
  request(route: string, init?: { method?: string; token?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> }): Promise<Response>;
  upload(bytes: Uint8Array | string, fileName: string, token?: string): Promise<Response>;
  close(): Promise<void>;
}

export async function startServeHarness(options: ServeHarnessOptions = {}): Promise<ServeHarness> {
  const temp = await makeTempDir('fanyi-serve-');
  const db = path.join(temp.dir, 'fanyi.db');
  const configPath = path.join(temp.dir, 'fanyi.yaml');
  await writeFile(configPath, options.configYaml ?? '');
  const overrides = options.provider
    ? { configPath, provider: 'openai' as const, baseUrl: options.provider.baseUrl, apiKey: 'test-key', model: 'sim-model' }
    : { configPath, provider: 'pseudo' as const };
  const filesDir = options.filesDir ?? `${db}.files`;
  const loaded = loadConfig({ ...overrides, filesDir, ...(options.store ? { storeUrl: options.store } : {}) }, {}, temp.dir);
  const engineOptions = { dbPath: options.store ? undefined : db, loaded, lanes: options.lanes };
  const engine = await createEmbeddedEngine(engineOptions);
  const tokens = new TokenTable(new Map(Object.entries(options.tokens ?? {})));
  const app = await buildApp({ engine, engineOptions, filesDir, tokens, requestsPerSecond: options.requestsPerSecond ?? 0 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const request: ServeHarness['request'] = (route, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
    return fetch(`${base}${route}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
  };
  return {
    base,
    dir: temp.dir,
    db,
    engine,
    request,
    upload: (bytes, fileName, token) => {
      const form = new FormData();
      form.append('file', new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)]), fileName);
      return request('/api/v3/upload', { method: 'POST', body: form, token });
    },
    async close() {
      await app.close();
      await engine.store.close();
      await temp.cleanup();
    },
  };
}

/** What translateThroughApi did: the job (= upload session) id and its final status. */
export interface ApiTranslation {
  id: string;
  finished: Record<string, any>;
}

/**
 * The API's whole round for one workbook: upload `file` to `server`, start its translation to
 * `to` (on `startOn`, another server of the same store, when given), and poll until it ends.
 */
export async function translateThroughApi(
  server: ServeHarness,
  file: string,
  options: { to: string[]; token?: string; timeoutMs?: number; startOn?: ServeHarness },
): Promise<ApiTranslation> {
  const uploadAnswer = await server.upload(await readFile(file), path.basename(file), options.token);
  const uploaded = (await uploadAnswer.json()) as Record<string, any>;
  assert.equal(uploadAnswer.status, 201, JSON.stringify(uploaded));
  const id = uploaded.session_id as string;
  const starter = options.startOn ?? server;
  const answer = await starter.request('/api/v3/translate', { json: { session_id: id, options: { to: options.to } }, token: options.token });
  assert.equal(answer.status, 202, await answer.clone().text());
  return { id, finished: await waitForJob(starter, id, options.token, options.timeoutMs) };
}

/** Polls the status until the job is no longer queued or running. */
export async function waitForJob(server: ServeHarness, id: string, token?: string, timeoutMs = 30_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await (await server.request(`/api/v3/status/${id}`, { token })).json()) as Record<string, any>;
    if (!['queued', 'running', 'analyzing'].includes(status.status)) return status;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${status.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
