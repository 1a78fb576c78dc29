import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveControl } from '../../src/executor/adaptive-control.ts';
import { EndpointLimiter } from '../../src/limits/endpoint-limiter.ts';
import { EndpointPool, type EndpointStatus } from '../../src/llm/endpoints/endpoint-pool.ts';
import { ProviderError, type LlmProvider, type ProviderReply, type TranslateRequest } from '../../src/llm/provider.ts';
import { EngineEvents } from '../../src/monitor/engine-events.ts';

class FakeProvider implements LlmProvider {
  readonly name = 'fake';
  calls = 0;
  constructor(readonly model: string, readonly behave: (n: number) => ProviderReply | ProviderError) {}
  async translate(_request: TranslateRequest): Promise<ProviderReply> {
    const outcome = this.behave(++this.calls);
    if (outcome instanceof ProviderError) throw outcome;
    return outcome;
  }
}

const reply: ProviderReply = { content: '{"1":"x"}', finishReason: 'stop', promptTokens: 5, completionTokens: 5, model: 'm' };
const request: TranslateRequest = { sourceLang: 'zh-CN', targetLang: 'pt-BR', items: [{ id: '1', text: 't' }], timeoutMs: 1_000, estimatedTokens: 10 };
const limiter = () => new EndpointLimiter({ rpm: 1e6, tpm: 1e9 });
const down = () => new ProviderError('server', 'HTTP 503: overloaded', { status: 503 });

test('after N failures in a row the primary cools down and the fallback serves; the primary is probed later', async () => {
  const primary = new FakeProvider('p', (n) => (n <= 3 ? down() : reply));
  const backup = new FakeProvider('b', () => reply);
  const pool = new EndpointPool([{ name: 'primary', provider: primary, limiter: limiter() }, { name: 'backup', provider: backup, limiter: limiter(), fallback: true }], { failoverAfter: 3, cooldownMs: 150 });
  const changes: string[] = [];
  pool.onChange((c) => changes.push(`${c.endpoint}:${c.state}`));
  for (let i = 0; i < 3; i++) await assert.rejects(pool.translate(request), (e: ProviderError) => e.kind === 'server' && e.endpoint === 'primary');
  assert.equal((await pool.translate(request)).endpoint, 'backup');
  assert.equal(primary.calls, 3, 'no call goes to a cooling endpoint');
  await new Promise((resolve) => setTimeout(resolve, 160));
  assert.equal((await pool.translate(request)).endpoint, 'primary', 'after the cool-down one call probes the primary');
  assert.equal((await pool.translate(request)).endpoint, 'primary');
  assert.deepEqual(changes, ['primary:cooling', 'primary:ready']);
});

test('a rejected key takes that endpoint out; the job stops only when none is left', async () => {
  const rejected = () => new ProviderError('auth', 'HTTP 401: invalid_api_key', { status: 401 });
  const pool = new EndpointPool([{ name: 'a', provider: new FakeProvider('a', rejected), limiter: limiter() }, { name: 'b', provider: new FakeProvider('b', () => reply), limiter: limiter() }]);
  // Both ready: the first goes wherever; a failover error asks the caller to try again elsewhere.
  const outcomes = [];
  for (let i = 0; i < 3; i++) outcomes.push(await pool.translate(request).then((r) => r.endpoint, (e: ProviderError) => e.kind));
  assert.ok(outcomes.every((o) => o === 'b' || o === 'failover'));
  assert.equal(pool.usable, outcomes.includes('failover') ? 1 : 2);

  const alone = new EndpointPool([{ name: 'only', provider: new FakeProvider('o', rejected), limiter: limiter() }]);
  await assert.rejects(alone.translate(request), (e: ProviderError) => e.kind === 'auth' && e.isFatal);
  await assert.rejects(alone.translate(request), (e: ProviderError) => e.kind === 'auth', 'a disabled endpoint stays out');
});

test('a 429 pauses only the endpoint that said it: no call reaches it during the pause, the others serve at once', async () => {
  // Weighted so that, but for the pause, every call would go to the limited endpoint.
  const limited = new FakeProvider('l', (n) => (n === 1 ? new ProviderError('rate_limit', 'HTTP 429', { status: 429, retryAfterMs: 60_000 }) : reply));
  const free = new FakeProvider('f', () => reply);
  const pool = new EndpointPool([{ name: 'limited', provider: limited, limiter: limiter(), weight: 5 }, { name: 'free', provider: free, limiter: limiter() }]);
  await assert.rejects(pool.translate(request), (e: ProviderError) => e.kind === 'rate_limit' && e.endpoint === 'limited', 'the preferred endpoint is tried first');
  // A call routed to the paused endpoint would wait its minute; the signal ends the test well before.
  const signal = AbortSignal.timeout(5_000);
  const served = [];
  for (let i = 0; i < 4; i++) served.push((await pool.translate({ ...request, signal })).endpoint);
  assert.deepEqual(served, ['free', 'free', 'free', 'free']);
  assert.equal(limited.calls, 1, 'the paused endpoint got no call after its 429');
});

test('adaptive control: errors shrink batches, 429s and queuing drop workers, busy workers grow the pool', () => {
  const events = new EngineEvents();
  let endpoints: EndpointStatus[] = [{ name: 'e', model: 'm', state: 'ready', fallback: false, inFlight: 0, waiting: 0, rpm: 1, tpm: 1 }];
  const control = new AdaptiveControl({ jobId: 'j', events, startWorkers: 4, maxWorkers: 8, endpoints: () => endpoints, batchTokenBudget: 10_000 });
  const adjustments: string[] = [];
  events.on('control:adjusted', (a) => adjustments.push(`${a.setting} ${a.from}→${a.to}`));
  control.start();
  const done = (ok: boolean, tokens = 1_000) => events.emit('call:done', { jobId: 'j', batchId: 'b', items: 10, promptTokens: tokens / 2, completionTokens: tokens / 2, ms: 300, ok });
  for (let i = 0; i < 8; i++) done(i > 1); // 25% errors
  endpoints = [{ ...endpoints[0], inFlight: 4 }];
  control.evaluate();
  assert.equal(control.itemsPerCall(100), 80);
  assert.equal(control.workers, 6, 'every worker busy, limit not reached: two more');
  for (let i = 0; i < 8; i++) done(true);
  events.emit('call:error', { jobId: 'j', batchId: 'b', kind: 'rate_limit', message: '429' });
  control.evaluate();
  assert.equal(control.itemsPerCall(100), 100, 'errors gone, tokens far under budget: back to full batches');
  assert.equal(control.workers, 5, 'a 429: one fewer');
  endpoints = [{ ...endpoints[0], inFlight: 1, waiting: 3 }];
  done(true);
  control.evaluate();
  assert.equal(control.workers, 4, 'calls queuing at the limiter: one fewer');
  control.stop();
  assert.deepEqual(adjustments, ['batch_size 1→0.8', 'workers 4→6', 'batch_size 0.8→1', 'workers 6→5', 'workers 5→4']);
});

test('adaptive control shrinks batches for errors a smaller call avoids (timeouts, bad replies), not for 5xx or dropped connections', () => {
  const events = new EngineEvents();
  const endpoints: EndpointStatus[] = [{ name: 'e', model: 'm', state: 'ready', fallback: false, inFlight: 0, waiting: 0, rpm: 1, tpm: 1 }];
  const control = new AdaptiveControl({ jobId: 'j', events, startWorkers: 4, maxWorkers: 8, endpoints: () => endpoints, batchTokenBudget: 10_000 });
  const done = () => events.emit('call:done', { jobId: 'j', batchId: 'b', items: 10, promptTokens: 500, completionTokens: 500, ms: 300, ok: true });
  const failed = (kind: 'server' | 'network' | 'timeout') => events.emit('call:error', { jobId: 'j', batchId: 'b', kind, message: kind });
  control.start();
  for (let i = 0; i < 6; i++) done();
  failed('server');
  failed('network');
  failed('server');
  control.evaluate();
  assert.equal(control.itemsPerCall(100), 100, '33% 5xx and resets: the batch size stays');
  for (let i = 0; i < 6; i++) done();
  failed('timeout');
  failed('timeout');
  control.evaluate();
  assert.equal(control.itemsPerCall(100), 80, '25% timeouts: 20% smaller');
  control.stop();
});

test('a failed probe of a cooling endpoint is marked as a probe; the failures that opened the circuit are not', async () => {
  const only = new FakeProvider('p', (n) => (n <= 4 ? down() : reply));
  const pool = new EndpointPool([{ name: 'only', provider: only, limiter: limiter() }], { failoverAfter: 3, cooldownMs: 50 });
  for (let i = 0; i < 3; i++) await assert.rejects(pool.translate(request), (e: ProviderError) => e.kind === 'server' && !e.probe);
  await new Promise((resolve) => setTimeout(resolve, 60));
  await assert.rejects(pool.translate(request), (e: ProviderError) => e.kind === 'server' && e.probe === true);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal((await pool.translate(request)).endpoint, 'only');
});
