import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { LinkInput } from '../../core/links/link.js';
import { problem } from '../problems.js';
import { AUTHED_ERRORS, IdempotencyHeaders, IdParams, errorResponses, page, security, WorkspaceQuery, PageQuery } from '../schemas/common.js';
import { BulkSchema, LinkCreateSchema, LinkListQuery, LinkUpdateSchema } from '../schemas/link.js';
import { actorOf, type RouteContext } from './context.js';


export const linkRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const { guard, links, presenter } = ctx;
  const tags = ['links'];
  const read = (summary: string) => ({ tags, summary, security: security('links:read') });
  const write = (summary: string) => ({ tags, summary, security: security('links:write') });

  app.get('/links', {
    onRequest: guard('links:read'),
    schema: { ...read('List links (keyset pagination)'), querystring: LinkListQuery, response: { 200: page(Type.Ref('Link')), ...errorResponses(...AUTHED_ERRORS) } },
  }, async (request) => {
    const { links: found, nextCursor } = await links.list(actorOf(request), request.query);
    return { data: found.map((l) => presenter.present(l)), nextCursor };
  });

  app.post('/links', {
    onRequest: guard('links:write'),
    schema: {
      ...write('Create a link'), querystring: WorkspaceQuery, headers: IdempotencyHeaders, body: LinkCreateSchema,
      response: { 201: Type.Ref('Link'), ...errorResponses(...AUTHED_ERRORS, 409, 413, 415) },
    },
  }, async (request, reply) => {
    const link = await links.create(actorOf(request), request.body as LinkInput);
    return reply.code(201).send(presenter.present(link));
  });

  app.post('/links/bulk', {
    onRequest: guard('links:write'),
    bodyLimit: 16 * 1024 * 1024,
    schema: {
      ...write('Create up to 1000 links; each succeeds or fails on its own'), querystring: WorkspaceQuery, headers: IdempotencyHeaders, body: BulkSchema,
      response: {
        200: Type.Object({ data: Type.Array(Type.Object({ link: Type.Optional(Type.Ref('Link')), error: Type.Optional(Type.Ref('Problem')) }, { description: 'Exactly one of link or error, in input order' })) }),
        ...errorResponses(...AUTHED_ERRORS, 413, 415),
      },
    },
  }, async (request) => {
    const results = await links.createMany(actorOf(request), request.body.links as LinkInput[]);
    return {
      data: results.map((r) => 'link' in r
        ? { link: presenter.present(r.link) }
        : { error: problem(ctx.baseUrl.origin, r.error.code, r.error.message, r.error.fieldErrors) }),
    };
  });

  app.get('/links/:id', {
    onRequest: guard('links:read'),
    schema: { ...read('Get a link'), params: IdParams, querystring: WorkspaceQuery, response: { 200: Type.Ref('Link'), ...errorResponses(...AUTHED_ERRORS, 404) } },
  }, async (request) => presenter.present(await links.get(actorOf(request), request.params.id)));

  app.patch('/links/:id', {
    onRequest: guard('links:write'),
    schema: {
      ...write('Update a link (fields given are changed; null clears)'), params: IdParams, querystring: WorkspaceQuery, body: LinkUpdateSchema,
      response: { 200: Type.Ref('Link'), ...errorResponses(...AUTHED_ERRORS, 404, 409, 413, 415) },
    },
  }, async (request) => presenter.present(await links.update(actorOf(request), request.params.id, request.body as LinkInput)));

  app.delete('/links/:id', {
    onRequest: guard('links:write'),
    schema: { ...write('Delete a link'), params: IdParams, querystring: WorkspaceQuery, response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(...AUTHED_ERRORS, 404) } },
  }, async (request, reply) => {
    await links.delete(actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });

  app.get('/tags', {
    onRequest: guard('links:read'),
    schema: {
      tags: ['links'], summary: 'List the workspace\'s tags', security: security('links:read'),
      querystring: Type.Object({ ...PageQuery, workspaceId: Type.Optional(Type.String()) }),
      response: { 200: page(Type.Object({ name: Type.String() })), ...errorResponses(...AUTHED_ERRORS) },
    },
  }, async (request) => {
    const { tags: names, nextCursor } = await links.tags(actorOf(request), request.query.cursor, request.query.limit);
    return { data: names.map((name) => ({ name })), nextCursor };
  });
};

