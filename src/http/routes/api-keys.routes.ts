import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiKey } from '../../core/api-keys/ports.js';
import { SCOPES } from '../../core/auth/scopes.js';
import { decodeTimeCursor, encodeTimeCursor } from '../../core/pagination.js';
import { AUTHED_ERRORS, IdParams, IdempotencyHeaders, errorResponses, page, security as securityFor, WorkspaceQuery, PageQuery } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

export const ApiKeySchema = Type.Object({
  id: Type.String(), name: Type.String(), scopes: Type.Array(Type.String()), hint: Type.String({ description: 'e.g. curt_…a1B2' }),
  createdAt: Type.String({ format: 'date-time' }), lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  rateLimit: Type.Union([Type.Integer(), Type.Null()], { description: 'Requests per minute for this key; null = the default (600)' }),
}, { $id: 'ApiKey' });

const view = (k: ApiKey) => ({ id: k.id, name: k.name, scopes: k.scopes, hint: k.hint, createdAt: k.createdAt.toISOString(), lastUsedAt: k.lastUsedAt?.toISOString() ?? null, rateLimit: k.rateLimit });

/**
 * Keys act for their creator and never exceed the creator's role. Members see and revoke
 * their own keys, workspace admins all of the workspace's; a key needs workspace:admin.
 */
export const apiKeyRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const security = securityFor('workspace:admin');
  const tags = ['api-keys'];
  const keyGuard = ctx.guard();

  app.get('/api-keys', {
    onRequest: keyGuard,
    schema: { tags, summary: 'List active API keys', security,
      querystring: Type.Object({ ...PageQuery, workspaceId: Type.Optional(Type.String()) }),
      response: { 200: page(Type.Ref('ApiKey')), ...errorResponses(...AUTHED_ERRORS) } },
  }, async (request) => {
    const actor = actorOf(request);
    const result = await ctx.apiKeys.list(actor, decodeTimeCursor(request.query.cursor), request.query.limit);
    return { data: result.items.map(view), nextCursor: result.next ? encodeTimeCursor(result.next.createdAt, result.next.id) : null };
  });

  app.post('/api-keys', {
    onRequest: keyGuard,
    config: { idempotencyRedact: ['key'] },
    schema: { tags, summary: 'Create an API key; the key is in this answer only', security, querystring: WorkspaceQuery, headers: IdempotencyHeaders,
      body: Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })), scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1 }),
        rateLimit: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()], { description: 'Requests per minute for this key; null or absent = the default (600)' })) }),
      response: { 201: Type.Object({ ...ApiKeySchema.properties, key: Type.Optional(Type.String({ description: 'Shown once; absent from idempotent replays' })) }), ...errorResponses(...AUTHED_ERRORS, 413, 415) } },
  }, async (request, reply) => {
    const created = await ctx.apiKeys.create(actorOf(request), request.body);
    return reply.code(201).send({ ...view(created.apiKey), key: created.key });
  });

  app.delete('/api-keys/:id', {
    onRequest: keyGuard,
    schema: { tags, summary: 'Revoke an API key (effective at once)', security, params: IdParams, querystring: WorkspaceQuery,
      response: { 204: Type.Null({ description: 'Revoked' }), ...errorResponses(...AUTHED_ERRORS, 404) } },
  }, async (request, reply) => {
    await ctx.apiKeys.revoke(actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
};
