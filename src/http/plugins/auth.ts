import '@fastify/cookie';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ApiKeyService } from '../../core/api-keys/api-key-service.js';
import type { AccountService } from '../../core/auth/account-service.js';
import { requireScope, type Actor } from '../../core/auth/actor.js';
import type { SessionActorResolver } from '../../core/auth/actor-resolver.js';
import type { Scope } from '../../core/auth/scopes.js';
import { DomainError } from '../../core/errors.js';
import type { ApiQuotas } from '../../core/auth/api-quotas.js';
import { enforceLimit } from '../rate-limit-headers.js';

export const SESSION_COOKIE = 'curt_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export interface AuthDeps {
  accounts: AccountService;
  apiKeys: ApiKeyService;
  sessionActors: SessionActorResolver;
  baseUrl: URL;
  /** SPEC §4: per API key (or per session user) requests per minute; absent = unlimited. */
  quotas?: ApiQuotas;
}

/** An onRequest hook: callers are known before the body is even read. */
export type Guard = (scope?: Scope) => onRequestAsyncHookHandler;

/**
 * Builds preHandlers that resolve the caller (Bearer API key first, else the session
 * cookie), fix the workspace, spend the caller's API quota (RateLimit headers, 429),
 * check the scope, and refuse cross-site cookie writes.
 */
export function createGuard(deps: AuthDeps): Guard {
  return (scope) => async function guard(request: FastifyRequest, reply: FastifyReply) {
    const actor = await resolveActor(deps, request);
    // Spent by every authenticated request, before the scope check: refused calls count too.
    if (deps.quotas) {
      const { limiter, decision } = await deps.quotas.consume(actor);
      enforceLimit(reply, limiter, decision, actor.kind === 'api-key'
        ? `this API key may make ${limiter.limit} requests per ${limiter.windowSeconds} s`
        : `a signed-in user may make ${limiter.limit} requests per ${limiter.windowSeconds} s`);
    }
    if (scope) requireScope(actor, scope);
    request.actor = actor;
  };
}

async function resolveActor(deps: AuthDeps, request: FastifyRequest): Promise<Actor> {
  const workspaceId = (request.query as Record<string, unknown> | undefined)?.workspaceId;
  const requested = typeof workspaceId === 'string' && workspaceId !== '' ? workspaceId : undefined;
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const actor = match ? await deps.apiKeys.authenticate(match[1]!) : null;
    if (!actor) throw new DomainError('unauthorized', 'the API key is missing, malformed, unknown or revoked');
    if (requested !== undefined && requested !== actor.workspaceId) {
      throw new DomainError('forbidden', 'an API key acts only in its own workspace; drop workspaceId or use a key of that workspace');
    }
    return actor;
  }
  const token = request.cookies[SESSION_COOKIE];
  const user = token ? await deps.accounts.userForSession(token) : null;
  if (!user) throw new DomainError('unauthorized', 'sign in or send Authorization: Bearer curt_…');
  if (!SAFE_METHODS.has(request.method)) checkSameOrigin(deps.baseUrl, request);
  return deps.sessionActors.resolve(user, requested);
}

/** CSRF defence for cookie-authenticated writes, on top of SameSite=Lax. */
export function checkSameOrigin(baseUrl: URL, request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string | null = null;
    try { host = new URL(origin).host; } catch { /* "null" or garbage */ }
    if (origin === baseUrl.origin || (host !== null && host === request.headers.host)) return;
    throw new DomainError('forbidden', `cross-origin request from ${origin} refused`);
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') throw new DomainError('forbidden', 'cross-site request refused');
}
