import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../schemas/common.js';
import { problem, sendProblem } from '../problems.js';
import type { RouteContext } from './context.js';

export const healthRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const Status = Type.Object({ status: Type.String() });

  app.get('/healthz', { logLevel: 'warn', schema: { tags: ['operations'], summary: 'The process is alive', response: { 200: Status } } },
    async () => ({ status: 'ok' }));

  app.get('/readyz', {
    logLevel: 'warn',
    schema: { tags: ['operations'], summary: 'Database (and Redis, when configured) reachable', response: { 200: Status, ...errorResponses(503) } },
  }, async (request, reply) => {
    try {
      await ctx.ready();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ err: error }, 'not ready');
      // ready() names what is down (composition/metrics-wiring.ts: NotReady).
      const down = (error as { unreachable?: unknown } | null)?.unreachable;
      const detail = Array.isArray(down) && down.length > 0 ? `unreachable: ${down.join(', ')}` : 'a backing service is unreachable';
      return sendProblem(reply, problem(ctx.baseUrl.origin, 'unavailable', detail), 5);
    }
  });
};
