import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { JobOptions } from '../../engine.ts';
import type { JobRow } from '../../store/job-store.ts';
import { tenantJob } from '../job-view.ts';
import type { OutputEncoding } from '../../workbook/csv/output-encoding.ts';
import { bearerSecurity, errorResponses, fileAnswer, jobIdParams, type JobIdParams } from '../schemas/common-schemas.ts';
import { outputEncodingSchema } from '../schemas/job-schemas.ts';
import type { RouteOptions, ServerContext } from '../server-context.ts';

const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
} as const;

const exportSchema = {
  tags: ['jobs'],
  summary: 'The translated workbook; mid-run, what is translated so far',
  security: bearerSecurity,
  params: jobIdParams,
  querystring: {
    type: 'object',
    properties: { encoding: { ...outputEncodingSchema, description: `${outputEncodingSchema.description}; default: the job's choice` } },
    additionalProperties: false,
  },
  response: { 200: fileAnswer('the workbook', Object.values(CONTENT_TYPES)), ...errorResponses },
} as const;

/** `GET /api/v3/export/:id`: the completed output, or a fresh copy with the results so far. */
export async function exportRoute(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get<{ Params: JobIdParams; Querystring: { encoding?: OutputEncoding } }>('/api/v3/export/:id', { schema: exportSchema }, async (request, reply) => {
    const job = await tenantJob(ctx.engine.store, request.params.id, request.tenant);
    const format = (JSON.parse(job.options) as JobOptions).format;
    const { encoding } = request.query;
    // A completed job's output was written when it finished, and nothing changes it afterwards.
    if (!encoding && job.status === 'completed' && job.out_path && existsSync(job.out_path)) return send(reply, job, format, job.out_path);
    const temp = await exportNow(ctx, job, format, encoding);
    reply.raw.once('close', () => void rm(temp, { force: true }));
    return send(reply, job, format, temp);
  });
}

/** Engine.exportJob writes whatever is completed now (it reads the store, not the running pool). */
function exportNow(ctx: ServerContext, job: JobRow, format: JobOptions['format'], encoding?: OutputEncoding): Promise<string> {
  const ext = path.extname(job.out_path ?? '') || `.${format}`;
  return ctx.engine.exportJob(job.job_id, path.join(ctx.filesDir, 'exports', `${job.job_id}-${randomBytes(4).toString('hex')}${ext}`), { encoding });
}

function send(reply: FastifyReply, job: JobRow, format: JobOptions['format'], file: string): FastifyReply {
  return reply
    .header('content-type', CONTENT_TYPES[format])
    .header('content-disposition', attachment(translatedName(job.source_name, path.extname(file))))
    .send(createReadStream(file));
}

/** `game.xlsx` → `game.translated.xlsx`; the name was cleaned at upload, but CLI jobs' names were not. */
function translatedName(sourceName: string, ext: string): string {
  return derivedName(sourceName, `.translated${ext}`);
}

/** The source's base name (cleaned of control characters and quotes) with `suffix`: `game.xlsx` → `game<suffix>`. */
export function derivedName(sourceName: string, suffix: string): string {
  const base = path.basename(sourceName.replace(/\\/g, '/'), path.extname(sourceName)).replace(/[\u0000-\u001f\u007f"]/g, '') || 'workbook';
  return `${base}${suffix}`;
}

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name. */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/[\\"]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
