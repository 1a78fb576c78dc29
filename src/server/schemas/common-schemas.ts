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

/** The answers every protected route may give besides its own. */
export const errorResponses = {
  400: { $ref: 'Error#' },
  401: { $ref: 'Error#' },
  404: { $ref: 'Error#' },
  429: { $ref: 'Error#' },
} as const;

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
