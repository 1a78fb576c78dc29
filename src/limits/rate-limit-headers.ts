/**
 * OpenAI's `x-ratelimit-*` headers (also sent by DashScope, DeepSeek, vLLM behind LiteLLM…):
 * `limit-requests`, `remaining-requests`, `reset-requests` (`250ms`, `1.5s`, `6m0s`), and the same
 * for tokens. Missing or unparsable fields are left undefined.
 */
export interface RateLimitSnapshot {
  limitRequests?: number;
  remainingRequests?: number;
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export function parseRateLimitHeaders(headers: HeaderSource | undefined): RateLimitSnapshot | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return (Array.isArray(value) ? value[0] : value) ?? undefined;
  };
  const snapshot: RateLimitSnapshot = {
    limitRequests: number(get('x-ratelimit-limit-requests')),
    remainingRequests: number(get('x-ratelimit-remaining-requests')),
    resetRequestsMs: duration(get('x-ratelimit-reset-requests')),
    limitTokens: number(get('x-ratelimit-limit-tokens')),
    remainingTokens: number(get('x-ratelimit-remaining-tokens')),
    resetTokensMs: duration(get('x-ratelimit-reset-tokens')),
  };
  return Object.values(snapshot).some((v) => v !== undefined) ? snapshot : undefined;
}

function number(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `250ms`, `1.5s`, `6m0s`, `1h2m3s`; a bare number is seconds. */
export function duration(raw: string | undefined): number | undefined {
  if (!raw) return undefined;
  const bare = Number(raw);
  if (Number.isFinite(bare)) return bare * 1000;
  let total = 0;
  let matched = '';
  for (const part of raw.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(part[1]) * UNIT_MS[part[2]];
    matched += part[0];
  }
  return matched.length === raw.trim().length && matched ? total : undefined;
}
