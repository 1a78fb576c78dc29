import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError, unauthorized } from '../http-error.ts';
import { DEFAULT_TENANT, type TokenTable } from '../server-security.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whose jobs this request may see: the token's tenant, or `default` on a server without tokens. */
    tenant: string;
  }
  interface FastifyContextConfig {
    /** Answers without a token (health checks, the API document). */
    isPublic?: boolean;
  }
}

export interface AuthOptions {
  tokens: TokenTable;
  /** Requests per second per token (cheap, in memory) so one client cannot starve the others; 0: no limit. */
  requestsPerSecond: number;
}

/** The browsable docs are static pages with no job data in them. */
const PUBLIC_PREFIX = '/api/docs';

/**
 * Installs the bearer-token check on the root instance (not as an encapsulated plugin: it must
 * guard every route). Without tokens (a loopback-only server) every request is the default tenant.
 */
export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  const limiter = options.requestsPerSecond > 0 ? new RateLimiterMemory({ points: options.requestsPerSecond, duration: 1 }) : undefined;
  app.decorateRequest('tenant', DEFAULT_TENANT);
  app.addHook('onRequest', async (request) => {
    if (isPublic(request)) return;
    // Without tokens (loopback only) every caller shares one budget.
    const token = options.tokens.size ? tokenOf(request, options.tokens) : { tenant: DEFAULT_TENANT, index: -1 };
    request.tenant = token.tenant;
    if (limiter) await consume(limiter, `token-${token.index}`);
  });
}

function isPublic(request: FastifyRequest): boolean {
  return request.routeOptions.config?.isPublic === true || request.url.startsWith(PUBLIC_PREFIX);
}

function tokenOf(request: FastifyRequest, tokens: TokenTable): { tenant: string; index: number } {
  const header = request.headers.authorization;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) throw unauthorized('this server needs a bearer token: send Authorization: Bearer <token>');
  const found = tokens.lookup(match[1]);
  if (!found) throw unauthorized('the bearer token is not valid for this server');
  return found;
}

async function consume(limiter: RateLimiterMemory, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    throw new HttpError(429, 'RATE_LIMITED', `too many requests for this token; retry in ${seconds}s`, { 'retry-after': String(seconds) });
  }
}
