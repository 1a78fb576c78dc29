import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readLimits } from '../../engine.ts';
import { FanyiError, isFanyiError } from '../../errors.ts';
import { bearerSecurity, errorAnswers } from '../schemas/common-schemas.ts';
import type { RouteOptions, ServerContext } from '../server-context.ts';
import type { UploadSession } from '../upload-store.ts';

const uploadSchema = {
  tags: ['jobs'],
  summary: 'Upload a workbook (xlsx, csv, tsv) and analyse it',
  description:
    'multipart/form-data with the workbook in a field named `file`. Nothing is translated yet: start it with POST /api/v3/translate. The file is read in a worker thread, a few at a time per server and one at a time per tenant by default (`server.file_threads`, `file_threads_per_tenant`); the rest wait in line, and past `server.file_queue_per_tenant` waiting the answer is 429. The `Server-Timing` header says how long it waited (`wait`) and was read (`analyse`), in ms.',
  consumes: ['multipart/form-data'],
  security: bearerSecurity,
  response: {
    201: {
      type: 'object',
      properties: {
        session_id: { type: 'string' },
        file_name: { type: 'string' },
        analysis: { type: 'object', additionalProperties: true, description: 'sheets, language columns, source, tasks per language, estimate' },
      },
      required: ['session_id', 'file_name', 'analysis'],
    },
    ...errorAnswers(400, 401, 413, 415, 429, 500),
  },
} as const;

/** `POST /api/v3/upload` → `{session_id, analysis}`; the session id becomes the job id. */
export async function uploadRoute(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/api/v3/upload', { schema: uploadSchema }, async (request, reply) => {
    // Before the body: a client whose line is full is told so before it sends its whole file.
    ctx.threads.assertRoom(request.tenant);
    const session = await receive(request, ctx);
    try {
      const read = await ctx.threads.run(ctx.threads.enter(request.tenant), { kind: 'analyse', file: session.filePath });
      await ctx.uploads.save(session);
      return reply.code(201).header('server-timing', read.serverTiming).send({ session_id: session.sessionId, file_name: session.fileName, analysis: read.value });
    } catch (error) {
      await ctx.uploads.remove(session.sessionId);
      throw withClientName(error, session);
    }
  });
}

/** Streams the one file part to disk under a name the server chose, within the size limit. */
async function receive(request: FastifyRequest, ctx: ServerContext): Promise<UploadSession> {
  if (!request.isMultipart()) {
    throw new FanyiError('UNSUPPORTED_FORMAT', 'send the workbook as multipart/form-data, in a field named file');
  }
  const maxBytes = readLimits(ctx.engine.config).maxFileBytes;
  const part = await request.file({ limits: { fileSize: maxBytes, files: 1, fields: 10, parts: 11 } });
  if (!part) throw new FanyiError('USAGE', 'the upload holds no file; send the workbook in a multipart field named file');
  const session = await ctx.uploads.open(request.tenant, part.filename);
  try {
    await pipeline(part.file, createWriteStream(session.filePath));
    if (part.file.truncated) throw tooLarge(session.fileName, maxBytes);
  } catch (error) {
    await ctx.uploads.remove(session.sessionId);
    throw (error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge(session.fileName, maxBytes) : error;
  }
  return session;
}

function tooLarge(name: string, maxBytes: number): FanyiError {
  const mb = Math.round(maxBytes / 1024 / 1024);
  return new FanyiError('FILE_TOO_LARGE', `${name} is over the ${mb} MB upload limit; split it into smaller files or raise data_processing.cell_processing.max_file_mb`);
}

/** Messages from the readers name the stored file (`source.xlsx`); the client knows its own name. */
function withClientName(error: unknown, session: UploadSession): unknown {
  if (!isFanyiError(error)) return error;
  const stored = path.basename(session.filePath);
  const message = error.message.split(session.filePath).join(session.fileName).split(stored).join(session.fileName);
  return message === error.message ? error : new FanyiError(error.code, message, { cause: error });
}
