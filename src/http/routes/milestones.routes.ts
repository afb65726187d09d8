import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MILESTONE_MAX, type Milestone } from '../../core/notifications/milestone-service.js';
import { AUTHED_ERRORS, IdParams, errorResponses, security, WorkspaceQuery } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

const Milestones = Type.Object({
  milestones: Type.Array(Type.Object({ threshold: Type.Integer(), reachedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) })),
});
const view = (milestones: Milestone[]) => ({ milestones: milestones.map((m) => ({ threshold: m.threshold, reachedAt: m.reachedAt?.toISOString() ?? null })) });

/** Click milestones: the user who sets them is notified once when the link's clicks cross each. */
export const milestoneRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const tags = ['links'];
  app.get('/links/:id/milestones', { onRequest: ctx.guard('links:read'), schema: { tags, summary: 'The link\'s click milestones', security: security('links:read'),
    params: IdParams, querystring: WorkspaceQuery, response: { 200: Milestones, ...errorResponses(...AUTHED_ERRORS, 404) } } },
  async (request) => view(await ctx.milestones.get(actorOf(request), request.params.id)));

  app.put('/links/:id/milestones', { onRequest: ctx.guard('links:write'), schema: { tags, security: security('links:write'),
    summary: 'Replace the link\'s click milestones; thresholds already passed count as reached (not notified)',
    params: IdParams, querystring: WorkspaceQuery,
    body: Type.Object({ thresholds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: MILESTONE_MAX }) }),
    response: { 200: Milestones, ...errorResponses(...AUTHED_ERRORS, 404, 413, 415) } } },
  async (request) => view(await ctx.milestones.set(actorOf(request), request.params.id, request.body.thresholds)));
};
