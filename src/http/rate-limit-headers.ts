import type { FastifyReply } from 'fastify';
import type { LimitDecision, RateLimiter } from '../core/auth/ports.js';
import { DomainError } from '../core/errors.js';

/**
 * draft-ietf-httpapi-ratelimit-headers, as structured-field lists of one member each: a
 * string (the policy name) with integer parameters, e.g. `"api";q=600;w=60` and
 * `"api";r=599;t=60`. Policy names are fixed identifiers, so they need no escaping.
 */
export const rateLimitPolicy = (limiter: RateLimiter) => `"${limiter.name}";q=${limiter.limit};w=${limiter.windowSeconds}`;
export const rateLimitState = (limiter: RateLimiter, decision: LimitDecision) => `"${limiter.name}";r=${decision.remaining};t=${decision.resetSeconds}`;

/** Sets both headers; past the quota, throws 429 quota-exceeded with Retry-After (the window's rest). */
export function enforceLimit(reply: FastifyReply, limiter: RateLimiter, decision: LimitDecision, detail: string): void {
  reply.header('RateLimit-Policy', rateLimitPolicy(limiter));
  reply.header('RateLimit', rateLimitState(limiter, decision));
  if (!decision.allowed) throw new DomainError('quota-exceeded', detail, [], decision.resetSeconds);
}

/** For the OpenAPI document: the two headers on a rate-limited route's responses. */
export const rateLimitHeaderDocs = (policy: string, example: { q: number; w: number }) => ({
  'RateLimit-Policy': { type: 'string', description: `IETF draft: "${policy}";q=${example.q};w=${example.w}` },
  RateLimit: { type: 'string', description: `IETF draft: "${policy}";r=${example.q - 1};t=${example.w}` },
});
