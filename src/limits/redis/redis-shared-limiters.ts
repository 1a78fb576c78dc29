import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { LimitedEndpoint, LimiterFactory } from '../rate-limiter.ts';
import { RedisEndpointLimiter, type RedisEndpointLimiterOptions } from './redis-endpoint-limiter.ts';

export interface SharedLimitersOptions extends Pick<RedisEndpointLimiterOptions, 'slotTtlMs' | 'refreshMs' | 'idleTtlMs' | 'burstMs' | 'onStatus' | 'lanes'> {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`); never logged. */
  redisUrl: string;
  /** Prefix of every key, so several deployments can share one Redis. Default `fanyi:limits`. */
  prefix?: string;
}

/** The factory to hand to `createProvider`, and the connection behind it. */
export interface SharedLimiters {
  limiterFor: LimiterFactory;
  /** Rejects waiting calls, flushes settles and closes the connection. */
  close(): Promise<void>;
}

/**
 * One Redis connection and a limiter per endpoint on it, every worker that calls the same
 * endpoint (base URL, model, key name) drawing on one budget. The connection reconnects by itself
 * (ioredis); commands fail fast while it is down (no offline queue) and the limiters wait the
 * outage out, so a call never hangs on a command that will not come back.
 */
export function createSharedLimiters(options: SharedLimitersOptions): SharedLimiters {
  const redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // The limiters report outages themselves; without a listener ioredis would print every failed reconnect.
  redis.on('error', () => {});
  const prefix = options.prefix ?? 'fanyi:limits';
  const limiters = new Set<RedisEndpointLimiter>();
  const { slotTtlMs, refreshMs, idleTtlMs, burstMs, onStatus, lanes } = options;
  return {
    limiterFor: (endpoint) => {
      const limiter = new RedisEndpointLimiter({ redis, key: `${prefix}:{${endpointId(endpoint)}}`, rpm: endpoint.rpm, tpm: endpoint.tpm, maxConcurrency: endpoint.maxConcurrency, slotTtlMs, refreshMs, idleTtlMs, burstMs, onStatus, lanes });
      limiters.add(limiter);
      return limiter;
    },
    close: async () => {
      await Promise.all([...limiters].map((limiter) => limiter.close()));
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/**
 * Which budget an endpoint draws on: the provider limits a key on a model at a base URL. The key
 * is named by its environment variable, never included, so Redis holds nothing secret.
 */
export function endpointId(endpoint: Pick<LimitedEndpoint, 'baseUrl' | 'model' | 'apiKeyEnv' | 'name'>): string {
  const identity = [endpoint.baseUrl ?? '', endpoint.model, endpoint.apiKeyEnv ?? endpoint.name].join('\n');
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}
