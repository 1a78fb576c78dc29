import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FanyiError } from '../../errors.ts';
import { parseLanguageList } from '../../tasks/plan-targets.ts';
import { conflict } from '../http-error.ts';
import { bearerSecurity, errorAnswers } from '../schemas/common-schemas.ts';
import { translateBodySchema, translateReplySchema, type TranslateBody } from '../schemas/job-schemas.ts';
import type { ThreadRun } from '../file-threads/file-threads.ts';
import type { RouteOptions, ServerContext } from '../server-context.ts';
import type { UploadSession } from '../upload-store.ts';

const translateSchema = {
  tags: ['jobs'],
  summary: 'Start translating an uploaded workbook',
  description:
    'Stores the job and answers; the job runs in the background. Poll GET /api/v3/status/{session_id}. Without a queue the job is stored `analyzing`, then split into tasks and stored in a worker thread (in line with uploads: `server.file_threads`, 429 past `server.file_queue_per_tenant` waiting) before the answer, which carries the counts; `Server-Timing` says how long it waited and was prepared. With a queue (`serve --queue`) the answer comes once the job is stored `analyzing` and its preparation queued, and a worker on the ingestion lane splits it. Either way a file with nothing to translate ends the job `failed`, with the reason (without a queue the answer is that 400 too).',
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
    // The stored file, not this machine's copy: whoever prepares the job reads it from the store.
    const input = { ...jobInput(ctx, session, options), sourceFile: session.fileId };
    if (ctx.engine.queue) {
      const job = await ctx.engine.submitJob(input);
      return reply.code(202).send({ session_id: job.jobId, status: job.status, status_url: `/api/v3/status/${job.jobId}` });
    }
    const prepared = await prepareInThread(ctx, request.tenant, input);
    ctx.runner.start(sessionId);
    return reply
      .code(202)
      .header('server-timing', prepared.serverTiming)
      .send({ session_id: sessionId, status: 'queued', ...(prepared.value as object), status_url: `/api/v3/status/${sessionId}` });
  });
}

/**
 * Without a queue: the job is stored `analyzing` (a second start of the session is a 409 from
 * here on, and status polls see it), then planned and stored in a file thread, and the answer
 * waits for that thread, not on the event loop, so it keeps its counts. A failure (nothing to
 * translate, a damaged file) leaves the job `failed` with the reason, as the ingestion lane does
 * with a queue, and answers as it did when the job was made on the event loop.
 */
async function prepareInThread(ctx: ServerContext, tenant: string, input: ReturnType<typeof jobInput> & { sourceFile: string }): Promise<ThreadRun> {
  // A place in line first: a tenant over its bound is refused (429) before anything is stored.
  const ticket = ctx.threads.enter(tenant);
  const { jobId } = input;
  try {
    await ctx.engine.storePendingJob(input);
  } catch (error) {
    ticket.release();
    throw error;
  }
  let prepared: ThreadRun;
  try {
    prepared = await ctx.threads.run(ticket, { kind: 'prepare', jobId });
  } catch (error) {
    await failIfStillAnalyzing(ctx, jobId, error);
    throw error;
  }
  if (prepared.value === null) throw conflict(`session ${jobId} was cancelled while it was being prepared`);
  return prepared;
}

/** A thread that crashed (or was ended at shutdown) stored nothing: the job would stay `analyzing` with no one to prepare it. */
async function failIfStillAnalyzing(ctx: ServerContext, jobId: string, error: unknown): Promise<void> {
  if ((await ctx.engine.store.getJob(jobId))?.status !== 'analyzing') return;
  const message = error instanceof Error ? error.message : String(error);
  await ctx.engine.store.setJobStatus(jobId, 'failed', `preparing the job failed: ${message}`);
}

/**
 * The job an upload session becomes. Its output path is set here only when the extension tells
 * the format; an `.bin` upload's output is left to export (the API's export writes it on demand
 * in the format the analysis found).
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
