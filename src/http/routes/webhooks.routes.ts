import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EVENT_TYPES, type EventType } from '../../core/events/domain-event.js';
import type { Webhook, WebhookDelivery } from '../../core/webhooks/webhook.js';
import { AUTHED_ERRORS, IdParams, IdempotencyHeaders, errorResponses, page, security, WorkspaceQuery, PageQuery } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

const EventTypeSchema = Type.Unsafe<EventType>({ type: 'string', enum: [...EVENT_TYPES] });
const date = Type.String({ format: 'date-time' });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const WebhookSchema = Type.Object({
  id: Type.String(), url: Type.String({ format: 'uri' }), events: Type.Array(EventTypeSchema),
  linkIds: Type.Array(Type.String(), { description: 'Only events about these links (empty: all)' }),
  tags: Type.Array(Type.String(), { description: 'Only events about links with one of these tags (empty: all)' }),
  enabled: Type.Boolean(), disabledReason: nullable(Type.String({ description: 'Why Curt disabled it (410 Gone, 5 days of failures)' })),
  createdAt: date,
}, { $id: 'Webhook' });

export const WebhookDeliverySchema = Type.Object({
  id: Type.String(), eventId: Type.String({ description: 'The webhook-id header: the same for every attempt of an event' }),
  eventType: Type.String(), attempt: Type.Integer({ minimum: 1 }), status: Type.Union([Type.Literal('delivered'), Type.Literal('failed')]),
  responseStatus: nullable(Type.Integer()), durationMs: Type.Integer(), createdAt: date,
  responseBody: nullable(Type.String({ description: 'First KiB of the response' })),
  error: nullable(Type.String({ description: 'Network error, timeout, refused address, or why the status failed' })),
  nextAttemptAt: nullable(Type.String({ format: 'date-time', description: 'When the next automatic attempt is due' })),
}, { $id: 'WebhookDelivery' });

const WithSecret = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.Optional(Type.String({ description: 'whsec_…: shown in this answer only (absent from idempotent replays)' })),
});

const view = (w: Webhook) => ({
  id: w.id, url: w.url, events: w.events, linkIds: w.linkIds, tags: w.tags, enabled: w.enabled, disabledReason: w.disabledReason, createdAt: w.createdAt.toISOString(),
});
const deliveryView = (d: WebhookDelivery) => ({
  id: d.id, eventId: d.eventId, eventType: d.eventType, attempt: d.attempt, status: d.status, responseStatus: d.responseStatus, durationMs: d.durationMs,
  createdAt: d.createdAt.toISOString(), responseBody: d.responseExcerpt, error: d.error, nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
});

const input = {
  url: Type.String({ maxLength: 2048, description: 'Absolute http(s) URL on a public address' }),
  events: Type.Array(EventTypeSchema, { minItems: 1, maxItems: EVENT_TYPES.length * 2 }),
  linkIds: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 25 })),
  enabled: Type.Optional(Type.Boolean({ description: 'true re-enables a disabled webhook' })),
};
const DeliveryParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), deliveryId: Type.String({ minLength: 1, maxLength: 64 }) });

/** Webhooks (SPEC §4/§5): Standard Webhooks signatures, retries, a delivery log, manual retry and a test ping. */
export const webhookRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const tags = ['webhooks'];
  const read = { onRequest: ctx.guard('webhooks:read') };
  const write = { onRequest: ctx.guard('webhooks:write') };

  app.get('/webhooks', { ...read, schema: { tags, summary: 'List the workspace\'s webhooks', security: security('webhooks:read'),
    querystring: Type.Object({ ...PageQuery, workspaceId: Type.Optional(Type.String()) }),
    response: { 200: page(Type.Ref('Webhook')), ...errorResponses(...AUTHED_ERRORS) } },
  }, async (request) => {
    const result = await ctx.webhooks.list(actorOf(request), request.query.cursor, request.query.limit);
    return { data: result.items.map(view), nextCursor: result.nextCursor };
  });

  app.post('/webhooks', { ...write, config: { idempotencyRedact: ['secret'] }, schema: {
    tags, summary: 'Create a webhook; its signing secret is in this answer only', security: security('webhooks:write'), querystring: WorkspaceQuery, headers: IdempotencyHeaders,
    body: Type.Object(input), response: { 201: WithSecret, ...errorResponses(...AUTHED_ERRORS, 409, 413, 415) } },
  }, async (request, reply) => {
    const webhook = await ctx.webhooks.create(actorOf(request), request.body);
    return reply.code(201).send({ ...view(webhook), secret: webhook.secret });
  });

  app.get('/webhooks/:id', { ...read, schema: { tags, summary: 'Get a webhook', security: security('webhooks:read'), params: IdParams, querystring: WorkspaceQuery,
    response: { 200: Type.Ref('Webhook'), ...errorResponses(...AUTHED_ERRORS, 404) } },
  }, async (request) => view(await ctx.webhooks.get(actorOf(request), request.params.id)));

  app.patch('/webhooks/:id', { ...write, schema: { tags, summary: 'Change a webhook\'s URL, filters or enabled state', security: security('webhooks:write'), params: IdParams, querystring: WorkspaceQuery,
    body: Type.Partial(Type.Object(input), { minProperties: 1 }), response: { 200: Type.Ref('Webhook'), ...errorResponses(...AUTHED_ERRORS, 404, 413, 415) } },
  }, async (request) => view(await ctx.webhooks.update(actorOf(request), request.params.id, request.body)));

  app.delete('/webhooks/:id', { ...write, schema: { tags, summary: 'Delete a webhook and its delivery log', security: security('webhooks:write'), params: IdParams, querystring: WorkspaceQuery,
    response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(...AUTHED_ERRORS, 404) } },
  }, async (request, reply) => {
    await ctx.webhooks.delete(actorOf(request), request.params.id);
    return reply.code(204).send(null);
  });

  app.post('/webhooks/:id/rotate-secret', { ...write, config: { idempotencyRedact: ['secret'] }, schema: {
    tags, summary: 'New signing secret; the old one keeps signing alongside for 24 h', security: security('webhooks:write'), params: IdParams, querystring: WorkspaceQuery, headers: IdempotencyHeaders,
    response: { 200: WithSecret, ...errorResponses(...AUTHED_ERRORS, 404) } },
  }, async (request) => {
    const webhook = await ctx.webhooks.rotateSecret(actorOf(request), request.params.id);
    return { ...view(webhook), secret: webhook.secret };
  });

  app.get('/webhooks/:id/deliveries', { ...read, schema: { tags, summary: 'Delivery log, newest first', security: security('webhooks:read'), params: IdParams,
    querystring: Type.Object({ ...PageQuery, workspaceId: Type.Optional(Type.String()) }),
    response: { 200: page(Type.Ref('WebhookDelivery')), ...errorResponses(...AUTHED_ERRORS, 404) } },
  }, async (request) => {
    const result = await ctx.webhooks.deliveries(actorOf(request), request.params.id, request.query.cursor, request.query.limit);
    return { data: result.items.map(deliveryView), nextCursor: result.nextCursor };
  });

  app.post('/webhooks/:id/deliveries/:deliveryId/retry', { ...write, schema: {
    tags, summary: 'Queue one more attempt of a delivery\'s event', security: security('webhooks:write'), params: DeliveryParams, querystring: WorkspaceQuery, headers: IdempotencyHeaders,
    response: { 202: Type.Object({ jobId: Type.String() }), ...errorResponses(...AUTHED_ERRORS, 404, 409, 503) } },
  }, async (request, reply) => reply.code(202).send(await ctx.webhooks.retry(actorOf(request), request.params.id, request.params.deliveryId)));

  app.post('/webhooks/:id/test', { ...write, schema: {
    tags, summary: 'Send a signed webhook.test ping now and answer with its result', security: security('webhooks:write'), params: IdParams, querystring: WorkspaceQuery, headers: IdempotencyHeaders,
    response: { 200: Type.Ref('WebhookDelivery'), ...errorResponses(...AUTHED_ERRORS, 404) } },
  }, async (request) => deliveryView(await ctx.webhooks.test(actorOf(request), request.params.id)));
};
