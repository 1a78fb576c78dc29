import type { FastifyInstance } from 'fastify';
import type { RouteOptions } from '../server-context.ts';

const healthSchema = {
  tags: ['health'],
  response: { 200: { type: 'object', properties: { status: { type: 'string' } } }, 503: { type: 'object', properties: { status: { type: 'string' }, reason: { type: 'string' } } } },
} as const;

/** Liveness (the process answers) and readiness (the store answers and the server takes work). */
export async function healthRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get('/healthz', { schema: { ...healthSchema, summary: 'liveness' }, config: { isPublic: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { ...healthSchema, summary: 'readiness: the store answers and the server is not shutting down' }, config: { isPublic: true } }, async (_request, reply) => {
    if (ctx.runner.isClosing) return reply.code(503).send({ status: 'unavailable', reason: 'shutting down' });
    try {
      await ctx.engine.store.listTenantJobs({ tenant: '', limit: 1 });
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'the job store does not answer' });
    }
  });
}
