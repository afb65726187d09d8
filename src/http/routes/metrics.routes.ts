import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../schemas/common.js';
import { problem, sendProblem } from '../problems.js';

/** What GET /metrics serves (src/adapters/metrics/curt-metrics.ts). */
export interface MetricsEndpoint {
  contentType: string;
  render(): Promise<string>;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * GET /metrics (Prometheus text, every role, outside /api/v1) and the request-duration hook.
 * Registered on the root instance, before the routes, so the hook sees every routed request.
 * With `token` (CURT_METRICS_TOKEN), scrapes must send `Authorization: Bearer <token>`.
 */
export function registerMetrics(app: FastifyInstance, metrics: MetricsEndpoint, token: string | null, origin: string): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern keeps label cardinality bounded; unmatched URLs share one label.
    metrics.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  const expected = token === null ? null : digest(`Bearer ${token}`);
  app.get('/metrics', {
    logLevel: 'warn',
    schema: {
      tags: ['operations'],
      summary: 'Prometheus metrics (text exposition format)',
      description: 'Request durations, redirect outcomes and cache hits, click buffer and stream, job queue, webhook outcomes, database pool, load shedding, process. '
        + 'With CURT_METRICS_TOKEN set, send Authorization: Bearer <token>.',
      response: {
        200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } },
        ...errorResponses(401),
      },
    },
  }, async (request, reply) => {
    if (expected !== null) {
      const given = request.headers.authorization;
      if (typeof given !== 'string' || !timingSafeEqual(digest(given), expected)) {
        reply.header('WWW-Authenticate', 'Bearer realm="metrics"');
        return sendProblem(reply, problem(origin, 'unauthorized', 'GET /metrics needs Authorization: Bearer <CURT_METRICS_TOKEN>'));
      }
    }
    return reply.header('Cache-Control', 'no-store').type(metrics.contentType).send(await metrics.render());
  });
}
