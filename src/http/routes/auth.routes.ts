import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { NewSession } from '../../core/auth/account-service.js';
import { SESSION_COOKIE, checkSameOrigin } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';
import { enforceLimit } from '../rate-limit-headers.js';
import type { RouteContext } from './context.js';

const Credentials = Type.Object({
  email: Type.String({ maxLength: 254, format: 'email' }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});
const UserSchema = Type.Object({ id: Type.String(), email: Type.String(), isAdmin: Type.Boolean(), createdAt: Type.String({ format: 'date-time' }) }, { $id: 'User' });
const RateHeaders = {
  'RateLimit-Policy': { type: 'string', description: 'IETF draft: "auth";q=10;w=60' },
  RateLimit: { type: 'string', description: 'IETF draft: "auth";r=9;t=60' },
};

export { UserSchema };

/** /auth/*: per-IP quota on every route (SPEC §4: 10/min), per-account quota on failed logins. */
export const authRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const { accounts, authIpLimiter: limiter } = ctx;

  app.addHook('onRequest', async (request, reply) => {
    const decision = await limiter.consume(request.ip);
    enforceLimit(reply, limiter, decision, `at most ${limiter.limit} requests per ${limiter.windowSeconds} s to /auth from one address`);
  });

  const startSession = (reply: FastifyReply, session: NewSession) => reply.setCookie(SESSION_COOKIE, session.token, {
    httpOnly: true, sameSite: 'lax', secure: ctx.secureCookies, path: '/', expires: session.expiresAt,
  });
  const userView = (s: NewSession) => ({ ...s.user, createdAt: s.user.createdAt.toISOString() });
  const base = { tags: ['auth'] };

  app.post('/auth/signup', {
    schema: { ...base, summary: 'Create an account and sign in (CURT_SIGNUP=open, or with an invitation\'s token under invite)',
      body: Type.Object({ ...Credentials.properties, inviteToken: Type.Optional(Type.String({ maxLength: 128, description: 'From the invitation e-mail\'s link: also joins the inviting workspace' })) }),
      response: { 201: { ...Type.Object({ user: Type.Ref('User') }), headers: RateHeaders }, ...errorResponses(400, 403, 409, 413, 415, 422, 429) } },
  }, async (request, reply) => {
    checkSameOrigin(ctx.baseUrl, request);
    const session = await accounts.signup(request.body.email, request.body.password, request.body.inviteToken);
    return startSession(reply, session).code(201).send({ user: userView(session) });
  });

  app.post('/auth/login', {
    schema: { ...base, summary: 'Sign in; sets the session cookie (a new id every time)', body: Credentials,
      response: { 200: { ...Type.Object({ user: Type.Ref('User') }), headers: RateHeaders }, ...errorResponses(400, 401, 403, 413, 415, 422, 429) } },
  }, async (request, reply) => {
    checkSameOrigin(ctx.baseUrl, request);
    const previous = request.cookies[SESSION_COOKIE];
    const session = await accounts.login(request.body.email, request.body.password);
    if (previous) await accounts.logout(previous);
    return startSession(reply, session).send({ user: userView(session) });
  });

  app.post('/auth/logout', {
    schema: { ...base, summary: 'End the session', response: { 204: Type.Null({ description: 'Signed out' }), ...errorResponses(403, 429) } },
  }, async (request: FastifyRequest, reply) => {
    checkSameOrigin(ctx.baseUrl, request);
    const token = request.cookies[SESSION_COOKIE];
    if (token) await accounts.logout(token);
    return reply.clearCookie(SESSION_COOKIE, { path: '/' }).code(204).send(null);
  });
};
