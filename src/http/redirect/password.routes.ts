import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { PasswordHasher, RateLimiter } from '../../core/auth/ports.js';
import { isExhausted, locationFor } from '../../core/redirect/redirect-target.js';
import { RedirectResolver } from '../../core/redirect/redirect-resolver.js';
import { DomainError } from '../../core/errors.js';
import { passwordPage } from './pages.js';
import type { RedirectHandler, RedirectHandlerDeps } from './redirect-handler.js';

export interface PasswordRouteDeps {
  resolver: RedirectResolver;
  hasher: PasswordHasher;
  handler: RedirectHandler;
  hosts: RedirectHandlerDeps['hosts'];
  /** Guesses per address and link. */
  attempts: RateLimiter;
}

/**
 * POST /{slug} from the password form. Success answers 303 so the browser GETs the
 * destination: a 307/308 would re-send the password to it. Form bodies are accepted
 * only in this scope, never by the JSON API.
 */
export async function passwordRoutes(app: FastifyInstance, deps: PasswordRouteDeps): Promise<void> {
  await app.register(formbody, { bodyLimit: 4096 });
  app.post<{ Params: { '*': string }; Body: { password?: string } }>('/*', { schema: { hide: true } as object }, async (request, reply) => {
    const slug = request.params['*'];
    const domain = deps.hosts.domainFor(request.headers.host);
    const key = RedirectResolver.key(domain, slug);
    const target = deps.resolver.cached(key) ?? (await deps.resolver.load(domain, slug, key));
    if (!target || !target.passwordHash || isExhausted(target, Date.now())) throw new DomainError('not-found', `no route for POST /${slug}`);
    const decision = await deps.attempts.consume(`${request.ip}:${target.linkId}`);
    if (!decision.allowed) throw new DomainError('quota-exceeded', 'too many password attempts; wait and try again', [], decision.resetSeconds);
    const given = typeof request.body?.password === 'string' ? request.body.password : '';
    if (!(await deps.hasher.verify(target.passwordHash, given))) {
      deps.handler.html(request.raw, reply.raw, 401, passwordPage(slug, true));
      return reply.hijack();
    }
    await deps.attempts.reset(`${request.ip}:${target.linkId}`);
    deps.resolver.countClick(target, deps.handler.visit(request.raw, domain, ''));
    return reply.code(303).header('Location', locationFor(target, '')).header('Cache-Control', 'private, max-age=0').send();
  });
}
