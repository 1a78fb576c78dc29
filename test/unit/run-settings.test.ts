/** The run settings a job stores, and how `resume`'s flags change them (config/run-settings.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { applyResumeFlags, runSettingsFrom, withKeys, type RunSettings } from '../../src/config/run-settings.ts';
import { withTempDir } from '../helpers/fanyi-cli.ts';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

const KEY = 'sk-unit-0123456789';

function settings(yaml = '', overrides = {}, env: NodeJS.ProcessEnv = {}): Promise<RunSettings> {
  return withTempDir(async (dir) => {
    const configPath = path.join(dir, 'fanyi.yaml');
    await writeFile(configPath, yaml);
    return runSettingsFrom(loadConfig({ configPath, ...overrides }, env, dir));
  });
}

test('stored settings hold no key, only where it comes from', async () => {
  const run = await settings('', { baseUrl: 'http://127.0.0.1:1/v1', apiKey: KEY, model: 'm' });
  assert.equal(JSON.stringify(run).includes(KEY), false);
  assert.deepEqual(run.endpoints.map((e) => [e.name, e.apiKeyEnv, e.needsKey]), [['default', 'OPENAI_API_KEY', true]]);
});

test('configured endpoints keep their own key variables', async () => {
  const yaml = 'llm:\n  endpoints:\n    - { name: a, base_url: "http://127.0.0.1:1/v1", api_key_env: KEY_A }\n    - { name: b, base_url: "http://127.0.0.1:2/v1" }\n';
  const run = await settings(yaml, {}, { KEY_A: KEY });
  assert.deepEqual(run.endpoints.map((e) => [e.name, e.apiKeyEnv, e.needsKey]), [['a', 'KEY_A', true], ['b', 'OPENAI_API_KEY', false]]);
  assert.throws(() => withKeys(run, { env: {} }), /endpoint a \(http:\/\/127\.0\.0\.1:1\/v1\) needs an API key: set KEY_A$/);
  assert.deepEqual(withKeys(run, { env: { KEY_A: KEY } }).map((e) => e.apiKey), [KEY, undefined]);
});

test('--api-key serves the default endpoint; the environment too', async () => {
  const run = await settings('', { baseUrl: 'http://127.0.0.1:1/v1', apiKey: KEY });
  assert.equal(withKeys(run, { apiKey: 'k2', env: {} })[0].apiKey, 'k2');
  assert.equal(withKeys(run, { env: { OPENAI_API_KEY: 'k3' } })[0].apiKey, 'k3');
  assert.throws(() => withKeys(run, { env: {} }), /set OPENAI_API_KEY or pass --api-key/);
});

test('no flags: the stored settings stand', async () => {
  const run = await settings('', { baseUrl: 'http://127.0.0.1:1/v1', concurrency: 4 });
  const { settings: next, changes } = applyResumeFlags(run, { baseUrl: 'http://127.0.0.1:1/v1' }, { env: {} });
  assert.deepEqual(changes, []);
  assert.deepEqual(next, run);
});

test('flags change concurrency, model, limits and endpoint, each listed', async () => {
  const run = await settings('', { baseUrl: 'http://127.0.0.1:1/v1', apiKey: KEY, model: 'm1', concurrency: 4, rpm: 100 });
  const { settings: next, changes } = applyResumeFlags(run, { concurrency: 2, model: 'm2', rpm: 50, baseUrl: 'http://127.0.0.1:2/v1' }, { env: { OPENAI_API_KEY: KEY } });
  assert.deepEqual(changes, ['concurrency 4 → 2', 'base URL http://127.0.0.1:1/v1 → http://127.0.0.1:2/v1', 'model m1 → m2', 'rpm 100 → 50']);
  assert.equal(next.llm.batch_control.max_concurrent_workers, 2);
  assert.deepEqual(next.endpoints.map((e) => [e.baseUrl, e.model, e.rpm, e.needsKey]), [['http://127.0.0.1:2/v1', 'm2', 50, true]]);
  assert.equal(run.llm.batch_control.max_concurrent_workers, 4, 'the stored settings are not mutated');
});

test('--rpm on resume stays under model_limits.rpm_limit, and under a configured endpoint its own', async () => {
  const yaml = 'llm:\n  model_limits: { rpm_limit: 500 }\n  endpoints:\n    - { name: a, base_url: "http://127.0.0.1:1/v1", rpm: 200 }\n';
  const run = await settings(yaml);
  const { settings: next } = applyResumeFlags(run, { rpm: 900 }, { env: {} });
  assert.equal(next.llm.performance.rpm_throttle, 500);
  assert.equal(next.endpoints[0].rpm, 200);
});

test('the provider kind never changes', async () => {
  const pseudo = await settings('', { provider: 'pseudo' });
  assert.throws(() => applyResumeFlags(pseudo, { baseUrl: 'http://127.0.0.1:1/v1' }, { env: {} }), /started with the pseudo provider and cannot be resumed with openai/);
  assert.throws(() => applyResumeFlags(pseudo, { model: 'gpt' }, { env: {} }), /has no model/);
  const real = await settings('', { baseUrl: 'http://127.0.0.1:1/v1' });
  assert.throws(() => applyResumeFlags(real, { provider: 'pseudo' }, { env: {} }), /started with the openai provider and cannot be resumed with pseudo/);
});
