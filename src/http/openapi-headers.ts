/**
 * Response headers Curt sends on every route, added to each documented response so the
 * OpenAPI document lists them without every route repeating them.
 */
const REQUEST_ID = { type: 'string', description: 'The request id: the caller\'s X-Request-Id when well-formed, else generated' };
const REPLAYED = { type: 'string', enum: ['true'], description: 'Present when the answer replays an earlier request with the same Idempotency-Key' };
const RETRY_AFTER = { type: 'integer', description: 'Seconds to wait before retrying' };

type Responses = Record<string, Record<string, unknown>>;

export function withStandardHeaders(method: string | string[], responses: Responses | undefined): Responses | undefined {
  if (!responses) return responses;
  const post = Array.isArray(method) ? method.includes('POST') : method === 'POST';
  return Object.fromEntries(Object.entries(responses).map(([status, response]) => {
    const headers: Record<string, unknown> = { ...(response.headers as object | undefined), 'X-Request-Id': REQUEST_ID };
    if (post && /^[24]/.test(status)) headers['Idempotent-Replayed'] = REPLAYED;
    if (status === '429' || status === '503') headers['Retry-After'] = RETRY_AFTER;
    return [status, { ...response, headers }];
  }));
}
