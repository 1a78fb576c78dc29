/**
 * What the server and its file threads say to each other (node:worker_threads messages, so
 * structured-cloned: plain data, no classes, no functions).
 */
import { errorFromCode, FanyiError, isErrorCode } from '../../errors.ts';

export { isErrorCode };
import type { EmbeddedEngineOptions } from '../../presets.ts';

/** What every file thread starts with (its workerData). */
export interface FileThreadSetup {
  /**
   * How the server's engine was made (presets.ts createEmbeddedEngine): a thread preparing a job
   * opens its own engine on the same store with it. A second connection to the same database:
   * SQLite in WAL mode, PostgreSQL and MySQL all allow it; an in-memory SQLite store does not.
   */
  engine: EmbeddedEngineOptions;
}

/**
 * `analyse`: read and plan an upload, answer the analysis view. `prepare`: fill a job stored
 * `analyzing` (a translation or a map job). `report`: make a map job's report (Engine.report).
 */
export type FileThreadRequest = { kind: 'analyse'; file: string } | { kind: 'prepare'; jobId: string } | { kind: 'report'; jobId: string; by?: string };

/** A finished request, and the thread's heap after it (a thread left holding much is not kept). */
export type FileThreadReply = ({ ok: true; value: unknown } | { ok: false; error: WireError }) & { heapBytes: number };

/** An error as it crosses threads: a FanyiError keeps its code, anything else its stack (for the log). */
export interface WireError {
  code?: string;
  message: string;
  stack?: string;
}

export function toWire(error: unknown): WireError {
  if (error instanceof FanyiError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { message: error.message, stack: error.stack };
  return { message: String(error) };
}

/**
 * The error again on the server's side: a catalogue code becomes the same FanyiError (the same
 * HTTP answer as when the file was read on the event loop); anything else stays an internal error.
 */
export function fromWire(error: WireError): Error {
  const rebuilt = errorFromCode(error.code, error.message, `file thread: ${error.message}`);
  if (!isErrorCode(error.code) && error.stack) rebuilt.stack = `file thread: ${error.stack}`;
  return rebuilt;
}
