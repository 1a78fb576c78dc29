import { SESSION_ID_PATTERN } from '../upload-store.ts';

/** JSON schemas shared by the routes: fastify validates requests and serializes replies with them, and the OpenAPI document is built from them. */

export const nullableNumber = { type: ['number', 'null'] } as const;
export const nullableString = { type: ['string', 'null'] } as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every error answer: a stable code and a message that says what to do. Never a stack trace.',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', examples: ['JOB_NOT_FOUND'] },
    message: { type: 'string' },
    details: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
  required: ['statusCode', 'code', 'message'],
} as const;

/**
 * Every error status the API answers, with when. Each has the `Error` body; the table in the
 * README repeats it. Routes declare the statuses they can give through {@link errorAnswers}.
 */
export const ERROR_STATUSES = {
  400: 'malformed JSON, parameters or body (`BAD_REQUEST`, the schema errors in `details`), or input fanyi cannot use (`USAGE`, `CORRUPT_FILE`, `EMPTY_WORKBOOK`, `NO_SOURCE_COLUMN`, `UNKNOWN_LANGUAGE`, `NOTHING_TO_TRANSLATE`, …)',
  401: 'no bearer token, or one this server does not know (`UNAUTHORIZED`, with `WWW-Authenticate: Bearer`); only on a server with tokens',
  404: 'no such job or upload session for this token (`JOB_NOT_FOUND`); another tenant’s job answers exactly the same; no report of the job asked for yet (`REPORT_NOT_FOUND`)',
  409: 'the job’s state does not allow it (`CONFLICT`): resume a completed or cancelled job, pause a finished one, start a session twice; a report still being made on the reports lane (with `Retry-After`)',
  413: 'over the upload size, cell count or uncompressed size, or more than `system.max_memory_usage` to read (`FILE_TOO_LARGE`), or a JSON body over 1 MB',
  415: 'not a workbook fanyi reads, or not the expected content type (`UNSUPPORTED_FORMAT`)',
  429: 'over this token’s request rate, or (uploads, starts) the tenant already has `server.file_queue_per_tenant` waiting for a file thread (`RATE_LIMITED`); `Retry-After` says in how many seconds to try again',
  500: 'an internal error (`INTERNAL`); the server log has the details, the answer never does',
  503: 'the server is shutting down (`PROVIDER_UNAVAILABLE`, `UNAVAILABLE`); try again once it is back',
} as const;

export type ErrorStatus = keyof typeof ERROR_STATUSES;

const retryAfter = { 'retry-after': { type: 'string', description: 'seconds to wait before the next request' } } as const;

/** The `response` entries for these error statuses: the `Error` body, described. */
export function errorAnswers<S extends ErrorStatus>(...statuses: S[]): Record<S, { description: string; $ref: 'Error#' }> {
  const answers = {} as Record<S, { description: string; $ref: 'Error#' }>;
  for (const status of statuses) answers[status] = { description: ERROR_STATUSES[status], $ref: 'Error#', ...(status === 429 ? { headers: retryAfter } : {}) };
  return answers;
}

/**
 * A 200 that is a file (or text) in one of `mediaTypes`. Declared per answer, not with `produces`,
 * so the error answers of the same route stay `application/json` in the document.
 */
export function fileAnswer(description: string, mediaTypes: readonly string[]) {
  const schema = { type: 'string', format: 'binary' } as const;
  return { description, content: Object.fromEntries(mediaTypes.map((type) => [type, { schema }])) };
}

/** What any route behind the token check may answer besides its own: 401, 429 and 500. */
export const protectedErrors = errorAnswers(401, 429, 500);

/** A protected route with a job id in its path (and maybe a query): 400, 401, 404, 429, 500. */
export const errorResponses = errorAnswers(400, 401, 404, 429, 500);

export const jobIdParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: SESSION_ID_PATTERN, description: 'job id (the session id from upload)' } },
  required: ['id'],
  additionalProperties: false,
} as const;

export interface JobIdParams {
  id: string;
}

export const pageProperties = {
  page: { type: 'integer', minimum: 1, default: 1 },
  page_size: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
} as const;

export interface PageQuery {
  page: number;
  page_size: number;
}

export const bearerSecurity = [{ bearer: [] }];
