/**
 * HTTP-only failures that have no CLI meaning (authentication, conflicts, API rate limit). Every
 * other user-facing error is a FanyiError from `src/errors.ts`; the error handler maps both.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

export const unauthorized = (message: string): HttpError =>
  new HttpError(401, 'UNAUTHORIZED', message, { 'www-authenticate': 'Bearer realm="fanyi"' });

export const conflict = (message: string): HttpError => new HttpError(409, 'CONFLICT', message);
