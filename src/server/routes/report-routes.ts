import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { errorFromCode } from '../../errors.ts';
import { reportableSpec } from '../../report/job-report.ts';
import { reportView, type ReportDone } from '../../report/report-state.ts';
import { HttpError } from '../http-error.ts';
import { tenantJob } from '../job-view.ts';
import { bearerSecurity, errorAnswers, fileAnswer, jobIdParams, type JobIdParams } from '../schemas/common-schemas.ts';
import { reportQuerySchema, reportReplySchema, type ReportQuery } from '../schemas/map-schemas.ts';
import type { RouteOptions } from '../server-context.ts';
import { attachment, derivedName } from './export-route.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** How soon a client polling a queued report asks again. */
const RETRY_AFTER_SECONDS = '2';

const startSchema = {
  tags: ['reports'],
  summary: "Make a summary workbook of a map job's results (so far)",
  description:
    'Counts rows per value of each enum, boolean, list-of-strings or repeating string field of the job\'s schema, per group (`by`, default a ProductId column), with the rows behind each count; calls no model. Without a queue it is made in a file thread before the answer (201, `status: done`); with a queue a worker on the `reports` lane makes it (202, `status: queued`). Download it with GET on the same path.',
  security: bearerSecurity,
  params: jobIdParams,
  querystring: reportQuerySchema,
  response: { 201: reportReplySchema, 202: reportReplySchema, ...errorAnswers(400, 401, 404, 429, 500) },
} as const;

const downloadSchema = {
  tags: ['reports'],
  summary: 'The newest report of the job (POST on the same path makes one)',
  description: 'The workbook of the newest report request. 404 when none was made; 409 (with Retry-After) while a worker on the reports lane is still making it; the request\'s error when it failed.',
  security: bearerSecurity,
  params: jobIdParams,
  response: { 200: fileAnswer('the report workbook', [XLSX]), ...errorAnswers(400, 401, 404, 409, 429, 500) },
} as const;

/** `POST /api/v3/jobs/:id/report[?by=COL]` makes a report, `GET` downloads the newest. */
export async function reportRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post<{ Params: JobIdParams; Querystring: ReportQuery }>('/api/v3/jobs/:id/report', { schema: startSchema }, async (request, reply) => {
    const job = await tenantJob(ctx.engine.store, request.params.id, request.tenant);
    reportableSpec(job);
    const { by } = request.query;
    const reportUrl = `/api/v3/jobs/${job.job_id}/report`;
    if (ctx.engine.queue) {
      const requestId = await ctx.engine.reports.request(job.job_id, { by });
      return reply.code(202).send({ session_id: job.job_id, request_id: requestId, status: 'queued', report_url: reportUrl });
    }
    // Every result read and a workbook written: a file thread's work, off the event loop.
    const made = await ctx.threads.run(ctx.threads.enter(request.tenant), { kind: 'report', jobId: job.job_id, ...(by ? { by } : {}) });
    return reply
      .code(201)
      .header('server-timing', made.serverTiming)
      .send({ session_id: job.job_id, status: 'done', report_url: reportUrl, ...reportView(made.value as ReportDone) });
  });

  app.get<{ Params: JobIdParams }>('/api/v3/jobs/:id/report', { schema: downloadSchema }, async (request, reply) => {
    const job = await tenantJob(ctx.engine.store, request.params.id, request.tenant);
    const state = await ctx.engine.reports.state(job.job_id);
    if (!state) throw new HttpError(404, 'REPORT_NOT_FOUND', `job ${job.job_id} has no report yet; make one with POST /api/v3/jobs/${job.job_id}/report`);
    if (state.state === 'queued') throw new HttpError(409, 'CONFLICT', `the report of job ${job.job_id} is being made on the reports lane (request ${state.requestId}); try again shortly`, { 'retry-after': RETRY_AFTER_SECONDS });
    if (state.state === 'failed') throw errorFromCode(state.code, state.message, `report ${state.requestId} failed: ${state.message}`);
    const file = await ctx.engine.files.localPath(state.fileId);
    return reply.header('content-type', XLSX).header('content-disposition', attachment(derivedName(job.source_name, '.report.xlsx'))).send(createReadStream(file));
  });
}
