import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FanyiError } from '../../errors.ts';
import { parseLanguageList } from '../../tasks/plan-targets.ts';
import { estimateOf, languagesOf } from '../analysis-view.ts';
import { conflict } from '../http-error.ts';
import { bearerSecurity, errorAnswers } from '../schemas/common-schemas.ts';
import { translateBodySchema, translateReplySchema, type TranslateBody } from '../schemas/job-schemas.ts';
import type { RouteOptions, ServerContext } from '../server-context.ts';
import type { UploadSession } from '../upload-store.ts';

const translateSchema = {
  tags: ['jobs'],
  summary: 'Start translating an uploaded workbook',
  description:
    'Stores the job and answers at once; the job runs in the background. Poll GET /api/v3/status/{session_id}. Without a queue the file is split into tasks before the answer; with one (`serve --queue`) the answer comes once the job is stored `analyzing` and its preparation queued, and a worker on the ingestion lane splits it (a file with nothing to translate then ends the job `failed`, with the reason).',
  security: bearerSecurity,
  body: translateBodySchema,
  response: { 202: translateReplySchema, ...errorAnswers(400, 401, 404, 409, 413, 415, 429, 500, 503) },
} as const;

/** `POST /api/v3/translate` `{session_id, options}` → `{task_count, estimated_time}`. */
export async function translateRoute(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post<{ Body: TranslateBody }>('/api/v3/translate', { schema: translateSchema }, async (request, reply) => {
    const { session_id: sessionId, options } = request.body;
    const session = await ctx.uploads.get(sessionId, request.tenant);
    if (!session) throw new FanyiError('JOB_NOT_FOUND', `no upload session ${sessionId}; upload the workbook first with POST /api/v3/upload`);
    if (await ctx.engine.store.getJob(sessionId)) throw conflict(`session ${sessionId} was already started; poll GET /api/v3/status/${sessionId}`);
    if (ctx.runner.isClosing) throw new FanyiError('PROVIDER_UNAVAILABLE', 'the server is shutting down; start the job again once it is back');
    if (ctx.engine.queue && session.fileId) {
      // The ingestion worker reads the upload from the stored files, on whatever machine it runs.
      const job = await ctx.engine.submitJob({ ...jobInput(ctx, session, options), sourceFile: session.fileId });
      return reply.code(202).send({ session_id: job.jobId, status: job.status, status_url: `/api/v3/status/${job.jobId}` });
    }
    const { job, prepared } = await createJob(ctx, session, options);
    ctx.runner.start(job.job_id);
    return reply.code(202).send({
      session_id: job.job_id,
      status: job.status,
      task_count: prepared.tally.tasks,
      unique_texts: prepared.uniqueTexts,
      batches: prepared.batches.length,
      languages: languagesOf(prepared),
      estimated_time: estimateOf(prepared, ctx.engine.config).estimated_seconds,
      status_url: `/api/v3/status/${job.job_id}`,
    });
  });
}

async function createJob(ctx: ServerContext, session: UploadSession, options: TranslateBody['options']) {
  const input = jobInput(ctx, session, options);
  const analysed = await ctx.engine.analyse(input);
  if (!analysed.prepared.tally.tasks) {
    throw new FanyiError('NOTHING_TO_TRANSLATE', 'every target cell already holds text; name another language in options.to, or set options.overwrite');
  }
  // The output is written when the job completes; the job id keeps two jobs' outputs apart.
  const outPath = path.join(ctx.filesDir, 'outputs', `${session.sessionId}${path.extname(session.filePath) === '.bin' ? `.${analysed.document.format}` : path.extname(session.filePath)}`);
  return ctx.engine.createJob({ ...input, outPath }, analysed);
}

/**
 * The job an upload session becomes. Its output path is set here only when the extension tells
 * the format; an `.bin` upload's output is named once the analysis knows it (createJob), and
 * with a queue it is left to export (the API's export writes it on demand).
 */
function jobInput(ctx: ServerContext, session: UploadSession, options: TranslateBody['options']) {
  const to = languages(options.to);
  const from = options.from ? parseLanguageList([options.from], 'options.from')[0] : undefined;
  const ext = path.extname(session.filePath);
  const outPath = ext === '.bin' ? undefined : path.join(ctx.filesDir, 'outputs', `${session.sessionId}${ext}`);
  return { file: session.filePath, to, from, overwrite: options.overwrite ?? false, outPath, encoding: options.encoding, lane: options.lane, tenant: session.tenant, jobId: session.sessionId, sourceName: session.fileName };
}

/** `["pt-BR","th"]` or `"pt-BR,th"`; canonical codes, or UNKNOWN_LANGUAGE naming the bad one. */
function languages(to: string[] | string | undefined): string[] | undefined {
  if (to === undefined) return undefined;
  // Commas inside items too: ajv's array coercion turns "pt-BR,th" into ["pt-BR,th"].
  const list = (Array.isArray(to) ? to : [to]).flatMap((item) => item.split(',')).map((s) => s.trim()).filter(Boolean);
  return list.length ? parseLanguageList(list, 'options.to') : undefined;
}
