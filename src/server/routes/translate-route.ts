import type { FastifyInstance } from 'fastify';
import { parseLanguageList } from '../../tasks/plan-targets.ts';
import { prepareInThread, sessionOutPath, startableSession } from '../start-job.ts';
import { bearerSecurity, errorAnswers } from '../schemas/common-schemas.ts';
import { translateBodySchema, translateReplySchema, type TranslateBody } from '../schemas/job-schemas.ts';
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
    const session = await startableSession(ctx, sessionId, request.tenant);
    // The stored file, not this machine's copy: whoever prepares the job reads it from the store.
    const input = { ...jobInput(ctx, session, options), sourceFile: session.fileId };
    if (ctx.engine.queue) {
      const job = await ctx.engine.submitJob(input);
      return reply.code(202).send({ session_id: job.jobId, status: job.status, status_url: `/api/v3/status/${job.jobId}` });
    }
    const prepared = await prepareInThread(ctx, request.tenant, sessionId, () => ctx.engine.storePendingJob(input));
    ctx.runner.start(sessionId);
    return reply
      .code(202)
      .header('server-timing', prepared.serverTiming)
      .send({ session_id: sessionId, status: 'queued', ...(prepared.value as object), status_url: `/api/v3/status/${sessionId}` });
  });
}

/** The job an upload session becomes. */
function jobInput(ctx: ServerContext, session: UploadSession, options: TranslateBody['options']) {
  const to = languages(options.to);
  const from = options.from ? parseLanguageList([options.from], 'options.from')[0] : undefined;
  return { file: session.filePath, to, from, overwrite: options.overwrite ?? false, outPath: sessionOutPath(ctx, session), encoding: options.encoding, lane: options.lane, tenant: session.tenant, jobId: session.sessionId, sourceName: session.fileName };
}

/** `["pt-BR","th"]` or `"pt-BR,th"`; canonical codes, or UNKNOWN_LANGUAGE naming the bad one. */
function languages(to: string[] | string | undefined): string[] | undefined {
  if (to === undefined) return undefined;
  // Commas inside items too: ajv's array coercion turns "pt-BR,th" into ["pt-BR,th"].
  const list = (Array.isArray(to) ? to : [to]).flatMap((item) => item.split(',')).map((s) => s.trim()).filter(Boolean);
  return list.length ? parseLanguageList(list, 'options.to') : undefined;
}
