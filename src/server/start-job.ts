/**
 * Starting a job from an upload session (`POST /api/v3/translate`, `POST /api/v3/map`): the
 * session checked, the output placed, the job prepared in a file thread when there is no queue.
 */
import path from 'node:path';
import { FanyiError } from '../errors.ts';
import { conflict } from './http-error.ts';
import type { ThreadRun } from './file-threads/file-threads.ts';
import type { ServerContext } from './server-context.ts';
import type { UploadSession } from './upload-store.ts';

/** The tenant's upload session, not started yet, on a server that is not shutting down. */
export async function startableSession(ctx: ServerContext, sessionId: string, tenant: string): Promise<UploadSession & { fileId: string }> {
  const session = await ctx.uploads.get(sessionId, tenant);
  if (!session) throw new FanyiError('JOB_NOT_FOUND', `no upload session ${sessionId}; upload the workbook first with POST /api/v3/upload`);
  if (await ctx.engine.store.getJob(sessionId)) throw conflict(`session ${sessionId} was already started; poll GET /api/v3/status/${sessionId}`);
  if (ctx.runner.isClosing) throw new FanyiError('PROVIDER_UNAVAILABLE', 'the server is shutting down; start the job again once it is back');
  return session;
}

/**
 * The output of a session's job. Set only when the extension tells the format; an `.bin` upload's
 * output is left to export (the API's export writes it on demand in the format the analysis found).
 */
export function sessionOutPath(ctx: ServerContext, session: UploadSession): string | undefined {
  const ext = path.extname(session.filePath);
  return ext === '.bin' ? undefined : path.join(ctx.filesDir, 'outputs', `${session.sessionId}${ext}`);
}

/**
 * Without a queue: the job is stored `analyzing` by `storePending` (a second start of the session
 * is a 409 from here on, and status polls see it), then planned and stored in a file thread, and
 * the answer waits for that thread, not on the event loop, so it keeps its counts. A failure
 * (nothing to translate, a damaged file, a prompt naming no column of it) leaves the job `failed`
 * with the reason, as the ingestion lane does with a queue, and answers as it did when the job
 * was made on the event loop. Translations and map jobs alike (the thread tells them apart).
 */
export async function prepareInThread(ctx: ServerContext, tenant: string, jobId: string, storePending: () => Promise<unknown>): Promise<ThreadRun> {
  // A place in line first: a tenant over its bound is refused (429) before anything is stored.
  const ticket = ctx.threads.enter(tenant);
  try {
    await storePending();
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
