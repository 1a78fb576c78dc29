import type { FastifyInstance } from 'fastify';
import { jobSummary, statusView, tenantJob } from '../job-view.ts';
import { bearerSecurity, errorAnswers, errorResponses, jobIdParams, type JobIdParams } from '../schemas/common-schemas.ts';
import { jobSummarySchema, monitorStatusSchema, statusSchema } from '../schemas/job-schemas.ts';
import type { RouteOptions } from '../server-context.ts';

const statusRouteSchema = {
  tags: ['monitor'],
  summary: "A job's state, progress, statistics (seed 000 §8.1) and ETA",
  security: bearerSecurity,
  params: jobIdParams,
  response: { 200: statusSchema, ...errorResponses },
} as const;

const monitorRouteSchema = {
  tags: ['monitor'],
  summary: 'Polling view (seed 000 §5.2): the status plus progress per group',
  security: bearerSecurity,
  params: jobIdParams,
  response: { 200: monitorStatusSchema, ...errorResponses },
} as const;

const jobsRouteSchema = {
  tags: ['jobs'],
  summary: "This tenant's jobs, newest first (seed 002 /batch/active with active=true)",
  security: bearerSecurity,
  querystring: {
    type: 'object',
    properties: { active: { type: 'boolean', default: false }, limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
    additionalProperties: false,
  },
  response: {
    200: { type: 'object', properties: { jobs: { type: 'array', items: jobSummarySchema }, total_count: { type: 'integer' } }, required: ['jobs', 'total_count'] },
    ...errorAnswers(400, 401, 429, 500),
  },
} as const;

/** Status, the polling monitor and the jobs list: read-only views of the task table. */
export async function statusRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const { store } = ctx.engine;

  app.get<{ Params: JobIdParams }>('/api/v3/status/:id', { schema: statusRouteSchema }, async (request) => {
    const job = await tenantJob(store, request.params.id, request.tenant);
    return statusView(job, await ctx.reads.progress(job));
  });

  app.get<{ Params: JobIdParams }>('/api/monitor/status/:id', { schema: monitorRouteSchema }, async (request) => {
    const job = await tenantJob(store, request.params.id, request.tenant);
    const [progress, groups, paused] = await Promise.all([ctx.reads.progress(job), ctx.reads.groups(job), store.pausedGroups(job.job_id)]);
    return {
      ...statusView(job, progress),
      groups: groups.map(({ groupId, ...g }) => ({ group_id: groupId, ...g, paused: paused.includes(groupId) })),
      paused_groups: paused,
      polled_at: new Date().toISOString(),
    };
  });

  app.get<{ Querystring: { active: boolean; limit: number } }>('/api/v3/jobs', { schema: jobsRouteSchema }, async (request) => {
    const jobs = await store.listTenantJobs({ tenant: request.tenant, active: request.query.active, limit: request.query.limit });
    return { jobs: jobs.map(jobSummary), total_count: jobs.length };
  });
}
