import type { FastifyInstance } from 'fastify';
import { onlineWorkers } from '../../queue/worker-registry.ts';
import { bearerSecurity, errorResponses } from '../schemas/common-schemas.ts';
import type { RouteOptions } from '../server-context.ts';

const workerSchema = {
  type: 'object',
  required: ['worker_id', 'name', 'host', 'pid', 'lanes', 'concurrency', 'current_batches', 'started_at', 'heartbeat_at', 'heartbeat_age_ms'],
  properties: {
    worker_id: { type: 'string' },
    name: { type: 'string' },
    host: { type: 'string' },
    pid: { type: 'integer' },
    lanes: { type: 'array', items: { type: 'string' } },
    concurrency: { type: 'integer' },
    current_batches: { type: 'array', items: { type: 'object', required: ['jobId', 'batchId'], properties: { jobId: { type: 'string' }, batchId: { type: 'string' } } } },
    started_at: { type: 'integer', description: 'epoch ms' },
    heartbeat_at: { type: 'integer', description: 'epoch ms; written every 10 s' },
    heartbeat_age_ms: { type: 'integer' },
  },
} as const;

const workersRouteSchema = {
  tags: ['monitor'],
  summary: 'The fanyi worker processes online (heard from within 30 s), from the worker registry',
  security: bearerSecurity,
  response: {
    200: { type: 'object', required: ['queue', 'workers'], properties: { queue: { type: ['string', 'null'], description: 'the queue URL without its password; null: jobs run in the server process' }, workers: { type: 'array', items: workerSchema } } },
    ...errorResponses,
  },
} as const;

/**
 * `GET /api/v3/workers`. Workers serve every tenant (a worker takes any job's batches), so each
 * token sees them all, but of their current batches only those of its own tenant's jobs.
 */
export async function workersRoute(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get('/api/v3/workers', { schema: workersRouteSchema }, async (request) => {
    const { store } = ctx.engine;
    const tenants = new Map<string, Promise<string | undefined>>();
    const tenantOf = (jobId: string) => tenants.get(jobId) ?? tenants.set(jobId, store.getJob(jobId).then((j) => j?.tenant)).get(jobId)!;
    const workers = await onlineWorkers(store);
    for (const w of workers) {
      const own = await Promise.all(w.currentBatches.map(async (b) => ((await tenantOf(b.jobId)) === request.tenant ? b : undefined)));
      w.currentBatches = own.filter((b) => b !== undefined);
    }
    return {
      queue: ctx.engine.queue?.label ?? null,
      workers: workers.map((w) => ({
        worker_id: w.workerId, name: w.name, host: w.host, pid: w.pid, lanes: w.lanes, concurrency: w.concurrency,
        current_batches: w.currentBatches, started_at: w.startedAt, heartbeat_at: w.heartbeatAt, heartbeat_age_ms: Date.now() - w.heartbeatAt,
      })),
    };
  });
}
