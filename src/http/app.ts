import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { ProblemSchema } from './schemas/common.js';
import { ClickSchema, LiveEventSchema } from './schemas/click.js';
import { LinkSchema, RuleSchema, UtmSchema, VariantSchema } from './schemas/link.js';
import { UserSchema, authRoutes } from './routes/auth.routes.js';
import { ApiKeySchema, apiKeyRoutes } from './routes/api-keys.routes.js';
import type { RouteContext } from './routes/context.js';
import { registerProblemDocs } from './routes/docs.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { linkRoutes } from './routes/links.routes.js';
import { clickRoutes } from './routes/clicks.routes.js';
import { eventRoutes } from './routes/events.routes.js';
import { analyticsRoutes } from './routes/analytics.routes.js';
import { meRoutes } from './routes/me.routes.js';
import { qrRoutes } from './routes/qr.routes.js';
import { DomainSchema, domainRoutes } from './routes/domains.routes.js';
import { MemberSchema, WorkspaceSchema, workspaceRoutes } from './routes/workspaces.routes.js';
import { registerErrorHandling } from './plugins/errors.js';
import { JobSchema, jobRoutes } from './routes/jobs.routes.js';
import { WebhookDeliverySchema, WebhookSchema, webhookRoutes } from './routes/webhooks.routes.js';
import { createSchemaController } from './validation.js';
import { withStandardHeaders } from './openapi-headers.js';
import { registerIdempotency } from './plugins/idempotency.js';
import type { IdempotencyService } from '../core/idempotency/idempotency-service.js';
import { passwordRoutes, type PasswordRouteDeps } from './redirect/password.routes.js';
import { NotificationSchema, notificationRoutes } from './routes/notifications.routes.js';
import { milestoneRoutes } from './routes/milestones.routes.js';
import { InvitationSchema } from './routes/workspaces.routes.js';
import type { RedirectHandler } from './redirect/redirect-handler.js';
import { registerMetrics, type MetricsEndpoint } from './routes/metrics.routes.js';
import { registerLoadShedding, type LoadShedder } from './plugins/load-shedding.js';

export interface AppOptions {
  logLevel: string;
  trustProxy: boolean | number | string[];
  serveApi: boolean;
  serveRedirects: boolean;
  routes: RouteContext;
  idempotency: IdempotencyService;
  /** Built after the logger exists, so the hot path logs through it. */
  redirects: (app: FastifyInstance) => { handler: RedirectHandler; password: Omit<PasswordRouteDeps, 'handler'> };
  /** GET /metrics and request timings (every role); null: no /metrics route. */
  metrics?: { endpoint: MetricsEndpoint; token: string | null } | null;
  /** Load shedding of every route but /healthz, /readyz and /metrics. */
  shedder?: LoadShedder | null;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const API_ERRORS = `Errors are application/problem+json (RFC 9457); see /docs/problems. POST routes accept Idempotency-Key.`;

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  let hotPath: RedirectHandler | null = null;
  const app = Fastify({
    logger: { level: options.logLevel },
    // A hop count is supported at run time (proxy-addr) though the types omit it.
    trustProxy: options.trustProxy as boolean | string[],
    bodyLimit: 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 256 },
    genReqId: (req) => { const given = req.headers['x-request-id']; return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID(); },
    schemaController: createSchemaController(),
    serverFactory: (handler) => createServer({ keepAliveTimeout: 65_000 }, (req: IncomingMessage, res: ServerResponse) => {
      if (hotPath !== null && (req.method === 'GET' || req.method === 'HEAD') && hotPath.handle(req, res)) return;
      handler(req, res);
    }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The API speaks JSON only: drop Fastify's default text/plain parser so such bodies get 415.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request, reply) => { reply.header('X-Request-Id', request.id); });
  for (const schema of [ProblemSchema, LinkSchema, RuleSchema, VariantSchema, UtmSchema, UserSchema, ApiKeySchema, DomainSchema, WorkspaceSchema, MemberSchema, ClickSchema, LiveEventSchema, JobSchema, WebhookSchema, WebhookDeliverySchema, NotificationSchema, InvitationSchema]) app.addSchema(schema);
  registerErrorHandling(app, options.routes.baseUrl.origin);
  if (options.shedder) registerLoadShedding(app, options.shedder, options.routes.baseUrl.origin);

  if (options.serveApi) {
    // Registered before any route so that every route, /healthz included, is documented.
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'Curt API', version: '1', description: API_ERRORS },
        servers: [{ url: options.routes.baseUrl.origin }],
        components: { securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer curt_… (scopes per route)' },
          session: { type: 'apiKey', in: 'cookie', name: 'curt_session', description: 'Dashboard session; writes need a same-origin Origin' },
        } },
      },
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
      transform: ({ schema, url, route }) => ({
        url,
        schema: schema ? { ...schema, response: withStandardHeaders(route.method, schema.response as never, Array.isArray(schema.security) && schema.security.length > 0) } as typeof schema : schema,
      }),
    });
  }
  // Before every route: its request-duration hook must apply to them all.
  if (options.metrics) registerMetrics(app, options.metrics.endpoint, options.metrics.token, options.routes.baseUrl.origin);
  await app.register(healthRoutes(options.routes));
  if (options.serveApi) {
    await app.register(cookie);
    registerIdempotency(app, options.idempotency);
    await app.register(async (api) => {
      await api.register(authRoutes(options.routes));
      await api.register(meRoutes(options.routes));
      await api.register(apiKeyRoutes(options.routes));
      await api.register(linkRoutes(options.routes));
      await api.register(qrRoutes(options.routes));
      await api.register(domainRoutes(options.routes));
      await api.register(workspaceRoutes(options.routes));
      await api.register(clickRoutes(options.routes));
      await api.register(eventRoutes(options.routes));
      await api.register(analyticsRoutes(options.routes));
      await api.register(jobRoutes(options.routes));
      await api.register(webhookRoutes(options.routes));
      await api.register(notificationRoutes(options.routes));
      await api.register(milestoneRoutes(options.routes));
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    }, { prefix: '/api/v1' });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { url: '/api/v1/openapi.json' } as object });
    registerProblemDocs(app);
  }
  if (options.serveRedirects) {
    const redirects = options.redirects(app);
    hotPath = redirects.handler;
    await app.register((scope) => passwordRoutes(scope, { ...redirects.password, handler: redirects.handler }));
  }
  return app;
}
