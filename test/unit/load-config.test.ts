import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { withTempDir } from '../helpers/fanyi-cli.ts';

const ENDPOINTS = `llm:
  model_limits: { rpm_limit: 1000, tpm_limit: 100000 }
  performance: { rpm_throttle: 5000, tpm_throttle: 50000 }
  endpoints:
    - { name: big, base_url: http://127.0.0.1:1/v1, rpm: 3000, tpm: 900000 }
    - { name: small, base_url: http://127.0.0.1:2/v1, rpm: 200 }
`;

test('model_limits cap every endpoint the limiters are built from, and the throttles', async () => {
  await withTempDir(async (dir) => {
    await writeFile(path.join(dir, 'fanyi.yaml'), ENDPOINTS);
    const { endpoints, config } = loadConfig({}, {}, dir);
    assert.deepEqual(endpoints.map((e) => [e.name, e.rpm, e.tpm]), [['big', 1000, 100000], ['small', 200, 50000]]);
    assert.deepEqual([config.llm.performance.rpm_throttle, config.llm.performance.tpm_throttle], [1000, 50000]);
    assert.deepEqual(loadConfig({ rpm: 4000 }, {}, dir).endpoints.map((e) => e.rpm), [1000, 200], '--rpm cannot lift a pace over the limit either');
  });
});

test('without model_limits rpm_limit/tpm_limit nothing is capped (the default)', async () => {
  await withTempDir(async (dir) => {
    const { endpoints } = loadConfig({ provider: 'openai', baseUrl: 'http://127.0.0.1:1/v1', rpm: 1e9, tpm: 1e12 }, {}, dir);
    assert.deepEqual(endpoints.map((e) => [e.rpm, e.tpm]), [[1e9, 1e12]]);
  });
});
