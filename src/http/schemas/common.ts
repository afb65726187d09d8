import { Type, type TSchema } from 'typebox';
import { PAGE_DEFAULT, PAGE_MAX } from '../../core/pagination.js';
import { PROBLEMS } from '../problems.js';

export const FieldErrorSchema = Type.Object({
  pointer: Type.String({ description: 'JSON Pointer to the offending field' }),
  detail: Type.String(),
});

export const ProblemSchema = Type.Object({
  type: Type.String({ format: 'uri', description: '{CURT_BASE_URL}/docs/problems#<code>' }),
  code: Type.Union(Object.keys(PROBLEMS).map((c) => Type.Literal(c))),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  errors: Type.Optional(Type.Array(FieldErrorSchema)),
}, { $id: 'Problem', description: 'RFC 9457 problem details' });

const problemRef = (description: string) => ({ description, content: { 'application/problem+json': { schema: Type.Ref('Problem') } } });

/** Shared error responses spread into each route's schema, so the OpenAPI lists them all. */
export function errorResponses(...statuses: number[]): Record<number, unknown> {
  const text: Record<number, string> = {
    400: 'Malformed request (e.g. invalid JSON)', 401: 'Missing or invalid credentials', 403: 'Authenticated but not allowed (scope, role, CSRF)',
    404: 'Not found (also for other workspaces\' objects)', 409: 'Conflict', 410: 'Gone', 413: 'Body too large', 415: 'Content-Type is not application/json',
    422: 'Invalid field; see errors[]', 429: 'Rate limited; see Retry-After', 503: 'Temporarily unavailable',
  };
  return Object.fromEntries(statuses.map((s) => [s, problemRef(text[s] ?? 'Error')]));
}

export const AUTHED_ERRORS = [400, 401, 403, 422, 429] as const;

/** ?limit= and ?cursor= of every paged list (SPEC §4). */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: PAGE_MAX, default: PAGE_DEFAULT, description: 'Page size' }),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor from the previous page' })),
};

export const page = <T extends TSchema>(item: T) => Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

/** A session chooses its workspace with ?workspaceId= (default: personal); a key may only name its own. */
export const WorkspaceQuery = Type.Object({ workspaceId: Type.Optional(Type.String({ maxLength: 64 })) });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'Replays the first response for 24 h for the same body' })),
});

/** OpenAPI security requirement: an API key with this scope, or the dashboard session. */
export function security(scope?: string): Array<Record<string, string[]>> {
  return [{ apiKey: scope ? [scope] : [] }, { session: [] }];
}
