/**
 * One catalogue of user-facing errors. Every failure a user can cause or fix carries a stable
 * code, a message that says what to do, the CLI exit code and the HTTP status the API answers.
 * Anything that is not a FanyiError is an internal error (exit 1, HTTP 500).
 */
export const ERROR_CODES = {
  USAGE: { exitCode: 2, statusCode: 400 },
  FILE_NOT_FOUND: { exitCode: 2, statusCode: 404 },
  UNSUPPORTED_FORMAT: { exitCode: 2, statusCode: 415 },
  CORRUPT_FILE: { exitCode: 2, statusCode: 400 },
  ENCRYPTED_FILE: { exitCode: 2, statusCode: 400 },
  EMPTY_WORKBOOK: { exitCode: 2, statusCode: 400 },
  NO_SOURCE_COLUMN: { exitCode: 2, statusCode: 400 },
  /** `fanyi check --to`: no column of a requested language beside a source column. */
  NO_TARGET_COLUMN: { exitCode: 2, statusCode: 400 },
  /** A header row that cannot be read without a guess (two columns claiming one field and language). */
  BAD_LAYOUT: { exitCode: 2, statusCode: 400 },
  UNKNOWN_LANGUAGE: { exitCode: 2, statusCode: 400 },
  CELL_TOO_LONG: { exitCode: 2, statusCode: 400 },
  FILE_TOO_LARGE: { exitCode: 2, statusCode: 413 },
  NOTHING_TO_TRANSLATE: { exitCode: 2, statusCode: 400 },
  CONFIG_INVALID: { exitCode: 2, statusCode: 400 },
  JOB_NOT_FOUND: { exitCode: 2, statusCode: 404 },
  PROVIDER_AUTH: { exitCode: 2, statusCode: 502 },
  PROVIDER_REQUEST: { exitCode: 2, statusCode: 502 },
  /** 429 insufficient_quota: out of credit; waiting will not help, topping up will. */
  PROVIDER_QUOTA: { exitCode: 2, statusCode: 502 },
  /** The endpoint stopped answering; the job is kept and `fanyi resume` continues it. */
  PROVIDER_UNAVAILABLE: { exitCode: 2, statusCode: 503 },
  /** `--store` names a database that does not answer or refuses the login. */
  STORE_UNAVAILABLE: { exitCode: 2, statusCode: 503 },
} as const satisfies Record<string, { exitCode: number; statusCode: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class FanyiError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly statusCode: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FanyiError';
    this.code = code;
    this.exitCode = ERROR_CODES[code].exitCode;
    this.statusCode = ERROR_CODES[code].statusCode;
  }
}

/** True for a code of the catalogue (one that crossed a thread, or was stored with a job's event). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/**
 * An error that crossed a boundary as data (an event log, a thread message) made an error again:
 * a catalogue code becomes the same FanyiError (the same exit code and HTTP answer as where it
 * was thrown); anything else an internal error with `internal` as its message.
 */
export function errorFromCode(code: unknown, message: string, internal = message): Error {
  return isErrorCode(code) ? new FanyiError(code, message) : new Error(internal);
}

export function isFanyiError(error: unknown): error is FanyiError {
  return error instanceof FanyiError;
}
