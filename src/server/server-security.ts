import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { FanyiError } from '../errors.ts';

/** The tenant every job belongs to when no token names one (CLI jobs, a loopback server without tokens). */
export const DEFAULT_TENANT = 'default';

/** Bearer tokens and the tenant each one may see. Never logged, stored or echoed. */
export class TokenTable {
  readonly #entries: Array<{ digest: Buffer; tenant: string }>;

  constructor(tokens: ReadonlyMap<string, string>) {
    this.#entries = [...tokens].map(([token, tenant]) => ({ digest: digest(token), tenant }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * The tenant of `token`, or undefined. Compares digests in constant time and visits every entry,
   * so neither a token's prefix nor its position can be learned from the response time.
   */
  tenantOf(token: string): string | undefined {
    return this.lookup(token)?.tenant;
  }

  /** The tenant of `token` and the token's position in the table (a key for per-token limits that is not the token). */
  lookup(token: string): { tenant: string; index: number } | undefined {
    const probe = digest(token);
    let found: { tenant: string; index: number } | undefined;
    for (const [index, entry] of this.#entries.entries()) if (timingSafeEqual(entry.digest, probe)) found ??= { tenant: entry.tenant, index };
    return found;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Parses `FANYI_TOKENS=token:tenant,token2:tenant2`. A token without a tenant belongs to
 * {@link DEFAULT_TENANT}. The message never repeats a token.
 */
export function parseTokens(value: string | undefined): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const [n, raw] of (value ?? '').split(',').entries()) {
    const item = raw.trim();
    if (!item) continue;
    const colon = item.lastIndexOf(':');
    const token = colon < 0 ? item : item.slice(0, colon);
    const tenant = colon < 0 ? DEFAULT_TENANT : item.slice(colon + 1);
    checkToken(token, tenant, `FANYI_TOKENS entry ${n + 1}`);
    tokens.set(token, tenant);
  }
  return tokens;
}

/** `server.tokens` of fanyi.yaml: each names the environment variable holding its token. */
export interface ConfiguredToken {
  token_env: string;
  tenant: string;
}

/**
 * Every token the server accepts: `server.tokens` (each read from its environment variable) and
 * `FANYI_TOKENS`. A missing variable, a weak token or one token given two tenants is an error
 * naming the variable or the entry, never the token.
 */
export function resolveTokens(configured: readonly ConfiguredToken[], env: NodeJS.ProcessEnv): Map<string, string> {
  const tokens = parseTokens(env.FANYI_TOKENS);
  for (const [n, { token_env: name, tenant }] of configured.entries()) {
    const where = `server.tokens[${n}] (${name})`;
    const token = env[name]?.trim();
    if (!token) throw new FanyiError('CONFIG_INVALID', `${where}: environment variable ${name} is not set; export it or remove the entry`);
    checkToken(token, tenant, where);
    const known = tokens.get(token);
    if (known !== undefined && known !== tenant) throw new FanyiError('CONFIG_INVALID', `${where}: the same token is already given to tenant ${known}; one token sees one tenant`);
    tokens.set(token, tenant);
  }
  return tokens;
}

function checkToken(token: string, tenant: string, where: string): void {
  if (token.length < 16 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new FanyiError('CONFIG_INVALID', `${where}: a token must be at least 16 printable characters without spaces`);
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(tenant)) {
    throw new FanyiError('CONFIG_INVALID', `${where}: the tenant must be 1–64 letters, digits, '.', '_' or '-'`);
  }
}

/** True for addresses only this machine can reach. `localhost` counts; names that may resolve elsewhere do not. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (bare.startsWith('::ffff:')) return isLoopbackHost(bare.slice(7));
  return bare === '::1';
}

/** Anything reachable from another machine must ask for a token: refuse to start otherwise. */
export function assertBindable(host: string, tokens: TokenTable): void {
  if (tokens.size || isLoopbackHost(host)) return;
  throw new FanyiError('USAGE', `refusing to listen on ${host} without tokens: anyone who can reach it could read and start jobs; set FANYI_TOKENS=token:tenant,… or server.tokens in fanyi.yaml, or use --host 127.0.0.1`);
}
