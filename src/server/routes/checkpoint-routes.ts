import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { jsonLines } from '../../checkpoints/json-lines.ts';
import { FanyiError } from '../../errors.ts';
import type { CheckpointRow } from '../../store/job-store.ts';
import { tenantJob } from '../job-view.ts';
import { bearerSecurity, errorResponses, fileAnswer, jobIdParams, type JobIdParams } from '../schemas/common-schemas.ts';
import { checkpointFileQuery, checkpointListSchema, checkpointParams, checkpointSchema } from '../schemas/control-schemas.ts';
import type { RouteOptions } from '../server-context.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.jsonl': 'application/x-ndjson',
};

const listSchema = {
  tags: ['jobs'],
  summary: "A job's checkpoints, newest first (seed 000 §5.1 `{checkpoints: list}`)",
  description: 'One is taken every `system.checkpoint_interval` seconds while the job runs, when something settled since the last; the last five are kept.',
  security: bearerSecurity,
  params: jobIdParams,
  response: { 200: checkpointListSchema, ...errorResponses },
} as const;

const createSchema = {
  tags: ['jobs'],
  summary: 'Take a checkpoint now',
  description: '201 with the new checkpoint; 200 with the latest one when nothing settled since it was taken.',
  security: bearerSecurity,
  params: jobIdParams,
  response: { 200: checkpointSchema, 201: checkpointSchema, ...errorResponses },
} as const;

const downloadSchema = {
  tags: ['jobs'],
  summary: "Download a checkpoint: the partial workbook, or with `?file=tasks` the task table (JSON lines)",
  security: bearerSecurity,
  params: checkpointParams,
  querystring: checkpointFileQuery,
  response: { 200: fileAnswer('the file', Object.values(CONTENT_TYPES)), ...errorResponses },
} as const;

/** `GET /api/v3/checkpoint/:id`, `POST` (take one now) and `GET /api/v3/checkpoint/:id/:checkpointId`. */
export async function checkpointRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const { store } = ctx.engine;

  app.get<{ Params: JobIdParams }>('/api/v3/checkpoint/:id', { schema: listSchema }, async (request) => {
    const job = await tenantJob(store, request.params.id, request.tenant);
    return { session_id: job.job_id, checkpoints: (await store.listCheckpoints(job.job_id)).map(checkpointView) };
  });

  app.post<{ Params: JobIdParams }>('/api/v3/checkpoint/:id', { schema: createSchema }, async (request, reply) => {
    const job = await tenantJob(store, request.params.id, request.tenant);
    const created = await ctx.engine.checkpoints.create(job.job_id, path.extname(job.source_path));
    const latest = created ?? (await store.listCheckpoints(job.job_id))[0];
    if (!latest) throw new FanyiError('NOTHING_TO_TRANSLATE', `job ${job.job_id} has nothing settled yet to checkpoint`);
    return reply.code(created ? 201 : 200).send(checkpointView(latest));
  });

  app.get<{ Params: { id: string; checkpointId: string }; Querystring: { file: 'workbook' | 'tasks' } }>('/api/v3/checkpoint/:id/:checkpointId', { schema: downloadSchema }, async (request, reply) => {
    const job = await tenantJob(store, request.params.id, request.tenant);
    const checkpoint = (await store.listCheckpoints(job.job_id)).find((c) => c.checkpointId === request.params.checkpointId);
    if (!checkpoint) throw new FanyiError('JOB_NOT_FOUND', `job ${job.job_id} has no checkpoint ${request.params.checkpointId} (list them with GET /api/v3/checkpoint/${job.job_id})`);
    const name = `${job.job_id}-${checkpoint.checkpointId}`;
    if (request.query.file === 'tasks') {
      // The checkpoint's task table: its increment after the earlier ones, streamed.
      const lines = Readable.from(jsonLines(ctx.engine.checkpoints.tasks(job.job_id, checkpoint)));
      return reply.header('content-type', CONTENT_TYPES['.jsonl']).header('content-disposition', `attachment; filename="${name}.tasks.jsonl"`).send(lines);
    }
    // The path comes from the store (named by the checkpointer), never from the request; built on first download.
    const file = await ctx.engine.checkpoints.workbook(job.job_id, checkpoint);
    const ext = path.extname(file);
    return reply
      .header('content-type', CONTENT_TYPES[ext] ?? 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${name}${ext}"`)
      .send(createReadStream(file));
  });
}

function checkpointView(c: CheckpointRow) {
  const base = `/api/v3/checkpoint/${c.jobId}/${c.checkpointId}`;
  const counts = (c.metadata as { counts?: Record<string, number> } | null)?.counts;
  return { checkpoint_id: c.checkpointId, created_at: new Date(c.createdAt).toISOString(), task_count: c.taskCount, counts, download_url: base, tasks_url: `${base}?file=tasks` };
}
