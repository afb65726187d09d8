import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AnalyticsQuerySchema, AnalyticsResultSchema } from '../schemas/analytics.js';
import { AUTHED_ERRORS, errorResponses, security } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

/** GET /analytics (SPEC §4): click time series and breakdowns of the caller's workspace. */
export const analyticsRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/analytics', {
    onRequest: ctx.guard('analytics:read'),
    schema: {
      tags: ['analytics'], summary: 'Clicks and visitors over time, or broken down by link or a click dimension', security: security('analytics:read'),
      querystring: AnalyticsQuerySchema,
      response: { 200: AnalyticsResultSchema, ...errorResponses(...AUTHED_ERRORS, 404) },
    },
  }, async (request) => ctx.analytics.query(actorOf(request), request.query));
};
