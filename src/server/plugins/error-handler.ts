import type { FastifyError, FastifyInstance } from 'fastify';
import { isFanyiError } from '../../errors.ts';
import { HttpError } from '../http-error.ts';

/** The body of every error answer (see `Error` in the OpenAPI document). */
export interface Problem {
  statusCode: number;
  code: string;
  message: string;
  details?: Array<Record<string, unknown>>;
}

/**
 * Maps every failure to `{statusCode, code, message}`: FanyiErrors through the catalogue's
 * statusCode, schema failures to 400 with the schema's words, fastify's own 4xx as they are, and
 * anything else to a bare 500 whose details go to the log only (never a stack trace in a response).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code }, problem.message);
    if (error instanceof HttpError) reply.headers(error.headers);
    return reply.code(problem.statusCode).send(problem);
  });
  app.setNotFoundHandler((request, reply) => {
    const route = request.url.split('?')[0];
    return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `no such endpoint: ${request.method} ${route} (see /api/docs)` });
  });
}

export function toProblem(error: FastifyError): Problem {
  if (isFanyiError(error) || error instanceof HttpError) return { statusCode: error.statusCode, code: error.code, message: error.message };
  if (error.validation) {
    return { statusCode: 400, code: 'BAD_REQUEST', message: error.message, details: error.validation.map((v) => ({ path: v.instancePath, message: v.message, params: v.params })) };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { statusCode: status, code: error.code ?? 'BAD_REQUEST', message: error.message };
  if (status === 503) return { statusCode: 503, code: 'UNAVAILABLE', message: 'the server is busy or shutting down; try again shortly' };
  return { statusCode: 500, code: 'INTERNAL', message: 'internal error; the server log has the details' };
}
