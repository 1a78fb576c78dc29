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

test('limits.lanes is merged over seed 003\'s defaults; reserves above 0.9 together and bad lane names are refused', async () => {
  await withTempDir(async (dir) => {
    assert.deepEqual(loadConfig({}, {}, dir).config.limits.lanes.learning, { priority: 40, reservedShare: 0 }, 'the VIP lane first by default');
    assert.equal(loadConfig({}, {}, dir).config.queue.start_jitter_ms, 2_000);
    await writeFile(path.join(dir, 'fanyi.yaml'), 'limits:\n  lanes:\n    reports: { reserved_share: 0.2 }\n    tagging: { priority: 35 }\nqueue: { start_jitter_ms: 0 }\n');
    const { config } = loadConfig({}, {}, dir);
    assert.deepEqual(config.limits.lanes.reports, { priority: 10, reservedShare: 0.2 }, 'the priority kept, the reserve given');
    assert.deepEqual(config.limits.lanes.tagging, { priority: 35, reservedShare: 0 }, 'a lane of its own');
    assert.deepEqual(config.limits.lanes.translation, { priority: 20, reservedShare: 0.1 });
    assert.equal(config.queue.start_jitter_ms, 0);
    await writeFile(path.join(dir, 'fanyi.yaml'), 'limits:\n  lanes:\n    learning: { reserved_share: 0.5 }\n    reports: { reserved_share: 0.5 }\n');
    assert.throws(() => loadConfig({}, {}, dir), /limits\.lanes: the reserved_share of all lanes together must be at most 0\.9/);
    await writeFile(path.join(dir, 'fanyi.yaml'), 'limits:\n  lanes:\n    Learning: { priority: 1 }\n');
    assert.throws(() => loadConfig({}, {}, dir), /limits\.lanes\.Learning.*lane name/);
  });
});
