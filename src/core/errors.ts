/** Stable error codes; src/http/problems.ts maps each to an HTTP status and title. */
export type ErrorCode =
  | 'bad-request'
  | 'unauthorized'
  | 'invalid-credentials'
  | 'forbidden'
  | 'insufficient-scope'
  | 'signup-closed'
  | 'not-found'
  | 'slug-taken'
  | 'email-taken'
  | 'conflict'
  | 'idempotency-in-progress'
  | 'idempotency-key-reused'
  | 'validation-failed'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'link-expired'
  | 'quota-exceeded'
  | 'unavailable'
  | 'overloaded'
  | 'internal'
  | 'job-not-retryable';

export interface FieldError {
  /** JSON Pointer (RFC 6901) into the request body or query, e.g. "/url". */
  pointer: string;
  detail: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors: FieldError[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string) => new DomainError('not-found', `${what} not found`);

export function invalid(errors: FieldError[]): DomainError {
  const first = errors[0];
  const message = errors.length === 1 && first ? `${first.pointer}: ${first.detail}` : `${errors.length} fields are invalid`;
  return new DomainError('validation-failed', message, errors);
}
