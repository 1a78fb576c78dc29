import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Errors of a database connection that dropped (the server restarted, an admin killed the
 * session, the network blinked), as pg and mysql2 report them. The statement failed with its
 * connection; the next one gets a new connection from the pool. SQLite has no connection to lose.
 */
const TRANSIENT_CODES = new Set([
  // Node sockets
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  // PostgreSQL: admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now, connection_failure
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
]);

/** pg's own wording when the socket closes under a query; it sets no code. */
const TRANSIENT_MESSAGE = /^Connection terminated( unexpectedly)?$|Client has encountered a connection error/;

export function isTransientStoreError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && TRANSIENT_CODES.has(code)) || TRANSIENT_MESSAGE.test(error.message);
}

/** How long a follower keeps retrying a store that keeps dropping connections before it gives up. */
export const TRANSIENT_RETRY_MS = 60_000;

/**
 * Runs `read` again while it fails on a dropped connection, for up to {@link TRANSIENT_RETRY_MS}.
 * Only for reads and idempotent writes: a write whose connection dropped may or may not have
 * committed.
 */
export async function retryTransient<T>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + TRANSIENT_RETRY_MS;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    try {
      return await read();
    } catch (error) {
      if (!isTransientStoreError(error) || Date.now() + delay > deadline || signal?.aborted) throw error;
      await sleep(delay);
    }
  }
}
