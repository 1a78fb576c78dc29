import type { FastifyInstance } from 'fastify';
import { checkJobLane, DEFAULT_LANE } from '../../queue/queue-lanes.ts';
import { resolveMapRequest } from '../../map/map-request.ts';
import { bearerSecurity, errorAnswers } from '../schemas/common-schemas.ts';
import { mapBodySchema, mapReplySchema, type MapBody } from '../schemas/map-schemas.ts';
import type { RouteOptions } from '../server-context.ts';
import { prepareInThread, sessionOutPath, startableSession } from '../start-job.ts';

const mapSchema = {
  tags: ['jobs'],
  summary: 'Start a map job (an LLM result per row) on an uploaded table',
  description:
    "A built-in `recipe`, or a `prompt` template and a `schema` (JSON Schema of one row's result), over the table of an upload session (POST /api/v3/upload). Stored and answered like POST /api/v3/translate: without a queue the rows are planned in a file thread before the answer, which carries the counts; with a queue the answer comes once the job is stored `analyzing`, and a worker on the ingestion lane plans it. A prompt naming a column the table lacks ends the job `failed` with the reason (without a queue the answer is that 400 too). Results: GET /api/v3/export/{session_id} (a copy of the table with one column per schema property), counts: POST /api/v3/jobs/{session_id}/report.",
  security: bearerSecurity,
  body: mapBodySchema,
  response: { 202: mapReplySchema, ...errorAnswers(400, 401, 404, 409, 413, 415, 429, 500, 503) },
} as const;

/** `POST /api/v3/map` `{session_id, recipe | prompt + schema, …}` → `{session_id, kind: 'map', task_count, …}`. */
export async function mapRoute(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post<{ Body: MapBody }>('/api/v3/map', { schema: mapSchema }, async (request, reply) => {
    const body = request.body;
    const session = await startableSession(ctx, body.session_id, request.tenant);
    // Commas inside items too: ajv's array coercion turns "Summary,Text" into ["Summary,Text"].
    const columns = body.columns === undefined ? undefined : [body.columns].flat().flatMap((c) => c.split(',')).map((c) => c.trim()).filter(Boolean);
    const resolved = resolveMapRequest({ ...body, columns, groupBy: body.group_by });
    const lane = body.lane === undefined ? resolved.lane : checkJobLane(body.lane, 'lane');
    const input = {
      file: session.filePath,
      sourceFile: session.fileId,
      jobId: session.sessionId,
      tenant: session.tenant,
      sourceName: session.fileName,
      outPath: sessionOutPath(ctx, session),
      lane,
      map: resolved.map,
      classTable: resolved.classTable,
    };
    const answer = { session_id: session.sessionId, kind: 'map', lane: lane ?? DEFAULT_LANE, status_url: `/api/v3/status/${session.sessionId}` };
    if (ctx.engine.queue) {
      const job = await ctx.engine.submitMapJob(input);
      return reply.code(202).send({ ...answer, status: job.status });
    }
    const prepared = await prepareInThread(ctx, request.tenant, session.sessionId, () => ctx.engine.storePendingMapJob(input));
    ctx.runner.start(session.sessionId);
    return reply.code(202).header('server-timing', prepared.serverTiming).send({ ...answer, status: 'queued', ...(prepared.value as object) });
  });
}
