/**
 * The load generator of bench/serve.ts, in a process of its own so it never shares an event loop
 * with the server or the simulated provider (the machine's cores it still shares; see serve.ts).
 * Usage: serve-load.ts <scenario> <base url> <token> <seconds> <connections> <job id | tiny workbook>
 *   status  GET /api/v3/status/<job id> as fast as the connections allow.
 *   submit  POST /api/v3/upload of the tiny workbook, then POST /api/v3/translate of the session
 *           it answered: one new job per pair, each started (it runs against the provider too).
 * Prints `start` when the load begins and one JSON line when it ends.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon, { type Options, type Result } from 'autocannon';

const [scenario, base, token, seconds, connections, target] = process.argv.slice(2);
const auth = { authorization: `Bearer ${token}` };

/** What one connection carries from its upload to its translate. */
interface Session {
  sessionId?: string;
}

function statusRequests(): Options['requests'] {
  return [{ method: 'GET', path: `/api/v3/status/${target}`, headers: auth }];
}

function submitRequests(): Options['requests'] {
  const boundary = 'fanyi-bench-boundary';
  const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${path.basename(target)}"\r\ncontent-type: application/octet-stream\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), readFileSync(target), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return [
    {
      method: 'POST',
      path: '/api/v3/upload',
      headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      onResponse: (status, text, context) => {
        (context as Session).sessionId = status === 201 ? (JSON.parse(text) as { session_id: string }).session_id : undefined;
      },
    },
    {
      method: 'POST',
      path: '/api/v3/translate',
      headers: { ...auth, 'content-type': 'application/json' },
      // No session (the upload failed): start the pair over rather than send a request bound to fail.
      setupRequest: (request, context) => {
        const { sessionId } = context as Session;
        return sessionId ? { ...request, body: JSON.stringify({ session_id: sessionId, options: { to: ['pt-BR'] } }) } : undefined;
      },
    },
  ] as Options['requests'];
}

function summary(result: Result) {
  const { latency, requests } = result;
  return {
    scenario,
    duration_s: result.duration,
    connections: result.connections,
    requests: requests.total,
    req_per_s: Math.round(requests.average),
    latency_ms: { p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max, mean: latency.mean },
    non_2xx: result.non2xx,
    status_codes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count])),
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const options = { url: base, duration: Number(seconds), connections: Number(connections), requests: scenario === 'status' ? statusRequests() : submitRequests() };
const instance = autocannon(options, (error, result) => {
  if (error) throw error;
  process.stdout.write(`${JSON.stringify(summary(result))}\n`);
});
instance.on('start', () => process.stdout.write('start\n'));
