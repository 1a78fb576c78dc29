import { FanyiError } from '../errors.ts';

/** Which queue back end a `--queue` URL names. */
export type QueueLocation = { kind: 'redis' | 'postgres'; url: string };

/**
 * `redis://…` / `rediss://…` (BullMQ on Redis) or `postgres://…` / `postgresql://…` (BullMQ 6's
 * PostgreSQL back end, for teams that run one service). Throws a usage error for anything else.
 */
export function parseQueueUrl(url: string): QueueLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'redis', url };
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', url };
  throw new FanyiError('USAGE', `unknown queue URL '${redactQueueUrl(url)}' (use redis://host:6379 or postgres://user@host/db)`);
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactQueueUrl(url: string): string {
  return url.replace(/(\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}
