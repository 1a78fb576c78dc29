import type { FastifyInstance } from 'fastify';
import { activityView } from '../activity-view.ts';
import { tenantJob } from '../job-view.ts';
import { bearerSecurity, errorResponses, jobIdParams, type JobIdParams } from '../schemas/common-schemas.ts';
import { activitySchema } from '../schemas/control-schemas.ts';
import type { RouteOptions } from '../server-context.ts';

const activityRouteSchema = {
  tags: ['monitor'],
  summary: 'What the dashboard polls beside the status: workers, endpoints, events, recent tasks, throughput over time',
  security: bearerSecurity,
  params: jobIdParams,
  response: { 200: activitySchema, ...errorResponses },
} as const;

/** `GET /api/monitor/activity/:id`. */
export async function activityRoute(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get<{ Params: JobIdParams }>('/api/monitor/activity/:id', { schema: activityRouteSchema }, async (request) => {
    return activityView(ctx.engine.store, await tenantJob(ctx.engine.store, request.params.id, request.tenant));
  });
}
