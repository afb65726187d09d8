import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EventPresenter } from '../event-presenter.js';
import { AUTHED_ERRORS, errorResponses, security, WorkspaceQuery } from '../schemas/common.js';
import { EVENT_STREAM_DEFAULTS, EventStream } from '../streams/event-stream.js';
import { actorOf, type RouteContext } from './context.js';

/** How long a shutdown waits for a client to take the end of its stream. */
const SHUTDOWN_GRACE_MS = 1000;

const DESCRIPTION = `Server-Sent Events of the workspace's events from the moment of connecting (no replay, no
Last-Event-ID): each event is \`event: <type>\`, \`id: <event id>\` and \`data: <LiveEvent JSON>\`. A comment line
is sent every 15 s. A client that falls too far behind is disconnected, and a shutting-down server ends the stream:
reconnect in both cases.`;

/** GET /events: the workspace's live events as Server-Sent Events. */
export const eventRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const presenter = new EventPresenter(ctx.baseUrl);
  const options = { ...EVENT_STREAM_DEFAULTS, ...ctx.eventStream };
  const open = new Set<EventStream>();
  let closing = false;

  // app.close() waits for every response to end, and these never end on their own.
  app.addHook('preClose', async () => {
    closing = true;
    await Promise.all([...open].map((stream) => stream.finish(SHUTDOWN_GRACE_MS)));
  });

  app.get('/events', {
    onRequest: ctx.guard('analytics:read'),
    exposeHeadRoute: false,
    schema: {
      tags: ['analytics'], summary: 'Live events (Server-Sent Events)', description: DESCRIPTION,
      security: security('analytics:read'), querystring: WorkspaceQuery,
      response: {
        200: { description: 'An endless text/event-stream', content: { 'text/event-stream': { schema: Type.Ref('LiveEvent') } } },
        ...errorResponses(...AUTHED_ERRORS),
      },
    },
  }, async (request, reply) => {
    const stream = new EventStream(options);
    open.add(stream);
    stream.once('close', () => open.delete(stream));
    try {
      const unsubscribe = await ctx.liveEvents.follow(actorOf(request), (event) => {
        stream.send(event.type, event.id, JSON.stringify(presenter.present(event)));
      });
      // Ends with the stream: client gone, too slow, or shutdown.
      if (stream.destroyed) unsubscribe();
      else stream.once('close', unsubscribe);
    } catch (error) {
      stream.destroy();
      throw error;
    }
    if (closing) void stream.finish(SHUTDOWN_GRACE_MS);
    return reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-accel-buffering', 'no')
      .send(stream);
  });
};
