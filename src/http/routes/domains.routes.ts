import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Domain } from '../../core/domains/domain.js';
import { AUTHED_ERRORS, IdParams, IdempotencyHeaders, errorResponses, page, security, WorkspaceQuery, PageQuery } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

export const DomainSchema = Type.Object({
  id: Type.String(), host: Type.String(), notFoundUrl: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String({ format: 'date-time' }),
}, { $id: 'Domain' });
const view = (d: Domain) => ({ id: d.id, host: d.host, notFoundUrl: d.notFoundUrl, createdAt: d.createdAt.toISOString() });

/** Custom domains: point DNS at Curt, register the host here, then create links with `domain`. */
export const domainRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const tags = ['domains'];
  app.get('/domains', {
    onRequest: ctx.guard('links:read'),
    schema: { tags, summary: 'List the workspace\'s custom domains', security: security('links:read'),
      querystring: Type.Object({ ...PageQuery, workspaceId: Type.Optional(Type.String()) }),
      response: { 200: page(Type.Ref('Domain')), ...errorResponses(...AUTHED_ERRORS) } },
  }, async (request) => {
    const result = await ctx.domains.list(actorOf(request), request.query.cursor, request.query.limit);
    return { data: result.domains.map(view), nextCursor: result.nextCursor };
  });

  app.post('/domains', {
    onRequest: ctx.guard('domains:write'),
    schema: { tags, summary: 'Register a custom domain', security: security('domains:write'), querystring: WorkspaceQuery, headers: IdempotencyHeaders,
      body: Type.Object({ host: Type.String({ maxLength: 253 }), notFoundUrl: Type.Optional(Type.Union([Type.String({ maxLength: 8192 }), Type.Null()])) }),
      response: { 201: Type.Ref('Domain'), ...errorResponses(...AUTHED_ERRORS, 409, 413, 415) } },
  }, async (request, reply) => reply.code(201).send(view(await ctx.domains.create(actorOf(request), request.body))));

  app.patch('/domains/:id', {
    onRequest: ctx.guard('domains:write'),
    schema: { tags, summary: 'Set where unknown slugs on the domain go', security: security('domains:write'), params: IdParams, querystring: WorkspaceQuery,
      body: Type.Object({ notFoundUrl: Type.Union([Type.String({ maxLength: 8192 }), Type.Null()]) }),
      response: { 200: Type.Ref('Domain'), ...errorResponses(...AUTHED_ERRORS, 404, 413, 415) } },
  }, async (request) => view(await ctx.domains.update(actorOf(request), request.params.id, request.body)));

  app.delete('/domains/:id', {
    onRequest: ctx.guard('domains:write'),
    schema: { tags, summary: 'Remove a custom domain (it must have no links)', security: security('domains:write'), params: IdParams, querystring: WorkspaceQuery,
      response: { 204: Type.Null({ description: 'Removed' }), ...errorResponses(...AUTHED_ERRORS, 404, 409) } },
  }, async (request, reply) => {
    await ctx.domains.delete(actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });
};
