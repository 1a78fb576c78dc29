import type { FastifyInstance } from 'fastify';
import type { TaskStatus, TaskView } from '../../store/job-store.ts';
import { tenantJob } from '../job-view.ts';
import { bearerSecurity, errorResponses, jobIdParams, type JobIdParams, type PageQuery } from '../schemas/common-schemas.ts';
import { resultPageSchema, resultQuerySchema, taskPageSchema, taskQuerySchema, type TaskQuery } from '../schemas/task-schemas.ts';
import type { RouteOptions } from '../server-context.ts';

const tasksSchema = (summary: string, tags: string[]) =>
  ({
    tags,
    summary,
    security: bearerSecurity,
    params: jobIdParams,
    querystring: taskQuerySchema,
    response: { 200: taskPageSchema, ...errorResponses },
  }) as const;

const resultsSchema = {
  tags: ['jobs'],
  summary: 'Translated cells so far (completed and needs_review), paged',
  security: bearerSecurity,
  params: jobIdParams,
  querystring: resultQuerySchema,
  response: { 200: resultPageSchema, ...errorResponses },
} as const;

/** Tasks (the seed's DataFrame) and results, paged; the same rows the CLI's store holds. */
export async function taskRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const { store } = ctx.engine;

  const listTasks = async (request: { params: JobIdParams; query: TaskQuery; tenant: string }) => {
    const job = await tenantJob(store, request.params.id, request.tenant);
    const { page, page_size: size } = request.query;
    const statuses = request.query.status?.split(',') as TaskStatus[] | undefined;
    const result = await store.taskPage(job.job_id, { statuses, groupId: request.query.group, targetLang: request.query.lang, offset: (page - 1) * size, limit: size });
    return { ...paging(job.job_id, request.query, result.total), tasks: result.rows.map(taskRow) };
  };
  app.get<{ Params: JobIdParams; Querystring: TaskQuery }>('/api/v3/tasks/:id', { schema: tasksSchema('Tasks of a job with status/group/language filters, paged', ['jobs']) }, listTasks);
  app.get<{ Params: JobIdParams; Querystring: TaskQuery }>('/api/monitor/dataframe/:id', { schema: tasksSchema('The task DataFrame (seed 000 §5.2) with a status filter, paged', ['monitor']) }, listTasks);

  app.get<{ Params: JobIdParams; Querystring: PageQuery & { lang?: string } }>('/api/v3/results/:id', { schema: resultsSchema }, async (request) => {
    const job = await tenantJob(store, request.params.id, request.tenant);
    const { page, page_size: size } = request.query;
    const result = await store.taskPage(job.job_id, { statuses: ['completed', 'needs_review'], targetLang: request.query.lang, offset: (page - 1) * size, limit: size });
    return { ...paging(job.job_id, request.query, result.total), results: result.rows.map(taskRow) };
  });
}

function paging(jobId: string, query: PageQuery, total: number) {
  return { session_id: jobId, page: query.page, page_size: query.page_size, total, pages: Math.ceil(total / query.page_size) };
}

/** qa_flags are stored as a JSON array string. */
function taskRow(row: TaskView) {
  return { ...row, qa_flags: row.qa_flags ? (JSON.parse(row.qa_flags) as string[]) : null };
}
