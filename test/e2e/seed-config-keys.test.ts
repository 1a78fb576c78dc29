/**
 * Issue 12 point 5: seed 000 §2.1 keys that used to be accepted and do nothing now take effect
 * (`model_limits.rpm_limit`/`tpm_limit` cap every pace, `system.monitoring_interval` is the
 * dashboard's poll interval); the refused ones are cases in bad-input.test.ts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { describeResult, parseSingleJson, runCli, withTempDir } from '../helpers/fanyi-cli.ts';
import { startServeHarness } from '../helpers/serve-harness.ts';

test('model_limits.rpm_limit/tpm_limit cap --rpm/--tpm: estimate paces at the model limits', async () => {
  await withTempDir(async (dir) => {
    const file = path.join(dir, 'strings.csv');
    await writeFile(file, 'key,en,vi\nhello,Hello,\nbye,Goodbye,\n');
    const config = path.join(dir, 'limits.yaml');
    await writeFile(config, 'llm:\n  model_limits: { rpm_limit: 15000, tpm_limit: 1200000 }\n');
    const capped = await runCli(['estimate', file, '--to', 'vi', '--rpm', '20000', '--tpm', '5000000', '--config', config, '--json'], { cwd: dir });
    assert.equal(capped.code, 0, describeResult(capped));
    assert.deepEqual(parseSingleJson(capped.stdout).limits, { rpm: 15000, tpm: 1200000 });
    const under = await runCli(['estimate', file, '--to', 'vi', '--rpm', '600', '--tpm', '90000', '--config', config, '--json'], { cwd: dir });
    assert.deepEqual(parseSingleJson(under.stdout).limits, { rpm: 600, tpm: 90000 }, 'a pace under the limits is kept');
  });
});

test('system.monitoring_interval is the dashboard poll interval written into the page', async () => {
  const server = await startServeHarness({ configYaml: 'system:\n  monitoring_interval: 7\n' });
  try {
    for (const route of ['/', '/dashboard/index.html']) {
      const html = await (await server.request(route)).text();
      assert.match(html, /<meta name="fanyi-refresh-seconds" content="7">/, route);
      assert.match(html, /refresh: every <span id="interval">7<\/span> s/, route);
    }
    const app = await (await server.request('/dashboard/app.js')).text();
    assert.match(app, /const POLL_MS = 1000 \* \(Number\(document\.querySelector\('meta\[name="fanyi-refresh-seconds"\]'\)\?\.content\)/, 'the page polls at that interval');
  } finally {
    await server.close();
  }
});
