import type { FastifyInstance } from 'fastify';
import { FanyiError, isFanyiError } from '../../errors.ts';
import type { JobRow, JobStatus } from '../../store/job-store.ts';
import { purgeJob } from '../../store/purge-jobs.ts';
import { ACTIVE_JOB_STATUSES, CLOSED_JOB_STATUSES, FINISHED_JOB_STATUSES } from '../../store/statuses.ts';
import { conflict } from '../http-error.ts';
import { tenantJob } from '../job-view.ts';
import { bearerSecurity, errorAnswers, jobIdParams, type JobIdParams } from '../schemas/common-schemas.ts';
import { controlReplySchema, deleteReplySchema, groupQuerySchema, type GroupQuery } from '../schemas/control-schemas.ts';
import type { RouteOptions, ServerContext } from '../server-context.ts';

type Action = 'pause' | 'resume' | 'cancel';

const DESCRIPTIONS: Record<Action, string> = {
  pause:
    'Stops claiming the job’s batches (with `?group=`, only those groups’ batches), in every process sharing the store. ' +
    'Batches already claimed finish: their calls are under way and paid for, and their results are committed. The job then reads `paused`.',
  resume:
    'Runs a paused job again (also one a stopped server left paused, or a failed one), letting every paused group go and retrying cells that failed on transient errors. ' +
    'With `?group=`, lets only those groups go; the job runs again unless the job itself was paused.',
  cancel:
    'Aborts the job’s in-flight LLM calls (the HTTP requests are closed), hands its batches back and marks it `cancelled`: it is never claimed again. ' +
    'Results committed so far stay and can still be exported.',
};

/** Job states an action cannot apply to: 409. */
const REFUSED: Record<Action, readonly JobStatus[]> = {
  // A finished job has nothing left to stop.
  pause: FINISHED_JOB_STATUSES,
  // A failed job may be resumed (its transient failures retried); a closed one never.
  resume: CLOSED_JOB_STATUSES,
  cancel: ['completed'],
};

const controlSchema = (action: Action) =>
  ({
    tags: ['control'],
    summary: `${action[0].toUpperCase()}${action.slice(1)} a job${action === 'cancel' ? '' : ' or some of its groups'}`,
    description: DESCRIPTIONS[action],
    security: bearerSecurity,
    params: jobIdParams,
    ...(action === 'cancel' ? {} : { querystring: groupQuerySchema }),
    response: { 200: controlReplySchema, ...errorAnswers(400, 401, 404, 409, 429, 500) },
  }) as const;

/** `POST /api/v3/pause/:id`, `/resume/:id`, `/cancel/:id` (seed 000 §3.2.3 per group with `?group=`). */
export async function controlRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post<{ Params: JobIdParams; Querystring: GroupQuery }>(`/api/v3/${action}/:id`, { schema: controlSchema(action) }, async (request) => {
      const job = await tenantJob(ctx.engine.store, request.params.id, request.tenant);
      if (REFUSED[action].includes(job.status)) throw conflict(`job ${job.job_id} is ${job.status}; it cannot be ${action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'cancelled'}`);
      const groups = request.query?.group ? await knownGroups(ctx, job, request.query.group) : undefined;
      if (action === 'pause') await ctx.runner.pause(job.job_id, groups);
      else if (action === 'resume') {
        // The job runs with its own stored endpoints; one whose key this server lacks answers 400 now, not a silent failure later.
        await ctx.engine.assertRunnable(job.job_id);
        await ctx.runner.resume(job.job_id, groups);
      }
      else await ctx.runner.cancel(job.job_id);
      return controlReply(ctx, job.job_id, action, groups);
    });
  }
}

const deleteSchema = {
  tags: ['control'],
  summary: 'Delete a finished or paused job',
  description:
    'Deletes the job with its tasks, logs, calls, events and checkpoints, and the stored files nothing else names (its upload, its source unless another job of the same workbook uses it, checkpoint increments, its output on this server). ' +
    'What it translated stays in translation memory. A job that may be running (analyzing, queued, running) answers 409: pause or cancel it first. Same as `fanyi purge <id>`.',
  security: bearerSecurity,
  params: jobIdParams,
  response: { 200: deleteReplySchema, ...errorAnswers(401, 404, 409, 429, 500) },
} as const;

/** `DELETE /api/v3/jobs/:id`: `fanyi purge` for one of the tenant's jobs. */
export async function deleteJobRoute(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.delete<{ Params: JobIdParams }>('/api/v3/jobs/:id', { schema: deleteSchema }, async (request) => {
    const job = await tenantJob(ctx.engine.store, request.params.id, request.tenant);
    if ((ACTIVE_JOB_STATUSES as readonly string[]).includes(job.status) && job.status !== 'paused') throw conflict(`job ${job.job_id} is ${job.status}; pause or cancel it before deleting it`);
    const purged = await purgeJob({ store: ctx.engine.store, files: ctx.engine.files, filesDir: ctx.filesDir }, job.job_id).catch((error: unknown) => {
      // Batches still in flight after a pause: a conflict of timing, not a bad request.
      throw isFanyiError(error) && /in flight/.test(error.message) ? conflict(error.message) : error;
    });
    return { session_id: purged.jobId, deleted: true, tasks: purged.rows.tasks ?? 0, files_deleted: purged.files.length };
  });
}

/** The requested groups, each checked against the job's: a typo must not silently pause nothing. */
async function knownGroups(ctx: ServerContext, job: JobRow, list: string): Promise<string[]> {
  const groups = [...new Set(list.split(',').map((g) => g.trim()))];
  const known = new Set((await ctx.engine.store.progressByGroup(job.job_id)).map((g) => g.groupId));
  const unknown = groups.filter((g) => !known.has(g));
  if (unknown.length) throw new FanyiError('USAGE', `job ${job.job_id} has no group ${unknown.join(', ')}; its groups: ${[...known].join(', ')}`);
  return groups;
}

async function controlReply(ctx: ServerContext, jobId: string, action: Action, groups?: string[]) {
  const { store } = ctx.engine;
  const [job, paused, leased] = await Promise.all([store.getJob(jobId), store.pausedGroups(jobId), store.leasedBatches(jobId)]);
  const what = groups ? `group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}` : `job ${jobId}`;
  const message =
    action === 'pause'
      ? `${what} paused${leased.length ? `; ${leased.length} claimed batches finish first` : ''}`
      : action === 'resume'
        ? `${what} resumed`
        : `job ${jobId} cancelled; its in-flight calls were aborted`;
  return { session_id: jobId, status: job!.status, paused_groups: paused, in_flight_batches: leased.length, message };
}
