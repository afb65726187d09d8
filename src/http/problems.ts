import type { FastifyReply } from 'fastify';
import type { ErrorCode, FieldError } from '../core/errors.js';

/** The one table from domain error codes to HTTP. Codes are stable: clients switch on them. */
export const PROBLEMS: Record<ErrorCode, { status: number; title: string }> = {
  'bad-request': { status: 400, title: 'Malformed request' },
  unauthorized: { status: 401, title: 'Authentication required' },
  'invalid-credentials': { status: 401, title: 'Invalid credentials' },
  forbidden: { status: 403, title: 'Forbidden' },
  'insufficient-scope': { status: 403, title: 'Insufficient scope' },
  'signup-closed': { status: 403, title: 'Sign-up closed' },
  'not-found': { status: 404, title: 'Not found' },
  'slug-taken': { status: 409, title: 'Slug already taken' },
  'email-taken': { status: 409, title: 'E-mail already registered' },
  conflict: { status: 409, title: 'Conflict' },
  'idempotency-in-progress': { status: 409, title: 'Request with this Idempotency-Key in progress' },
  'link-expired': { status: 410, title: 'Link expired' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused with a different request' },
  'validation-failed': { status: 422, title: 'Validation failed' },
  'quota-exceeded': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
  'job-not-retryable': { status: 409, title: 'Job not retryable' },
  overloaded: { status: 503, title: 'Overloaded' },
};

export interface Problem {
  type: string;
  code: ErrorCode;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

export function problem(baseUrl: string, code: ErrorCode, detail: string, errors: FieldError[] = []): Problem {
  const { status, title } = PROBLEMS[code];
  const body: Problem = { type: `${baseUrl}/docs/problems#${code}`, code, title, status, detail };
  if (errors.length > 0) body.errors = errors;
  return body;
}

export function sendProblem(reply: FastifyReply, body: Problem, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined) reply.header('Retry-After', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return reply.code(body.status).type('application/problem+json').send(body);
}
