/**
 * Response headers Curt sends on every route, added to each documented response so the
 * OpenAPI document lists them without every route repeating them.
 */
const REQUEST_ID = { type: 'string', description: 'The request id: the caller\'s X-Request-Id when well-formed, else generated' };
const REPLAYED = { type: 'string', enum: ['true'], description: 'Present when the answer replays an earlier request with the same Idempotency-Key' };
const RETRY_AFTER = { type: 'integer', description: 'Seconds to wait before retrying' };

const RATE_LIMIT_POLICY = { type: 'string', description: 'IETF draft-ietf-httpapi-ratelimit-headers: the caller\'s quota, e.g. "api";q=600;w=60 (per API key, or per user for sessions)' };
const RATE_LIMIT = { type: 'string', description: 'IETF draft: what is left and when the window resets, e.g. "api";r=599;t=60' };

type Responses = Record<string, Record<string, unknown>>;

/** `limited`: an authenticated route, whose answers carry the caller's RateLimit headers (SPEC §4). */
export function withStandardHeaders(method: string | string[], responses: Responses | undefined, limited = false): Responses | undefined {
  if (!responses) return responses;
  const post = Array.isArray(method) ? method.includes('POST') : method === 'POST';
  return Object.fromEntries(Object.entries(responses).map(([status, response]) => {
    const headers: Record<string, unknown> = { ...(response.headers as object | undefined), 'X-Request-Id': REQUEST_ID };
    if (post && /^[24]/.test(status)) headers['Idempotent-Replayed'] = REPLAYED;
    if (status === '429' || status === '503') headers['Retry-After'] = RETRY_AFTER;
    if (limited && (/^2/.test(status) || status === '429')) {
      headers['RateLimit-Policy'] ??= RATE_LIMIT_POLICY;
      headers.RateLimit ??= RATE_LIMIT;
    }
    return [status, { ...response, headers }];
  }));
}
