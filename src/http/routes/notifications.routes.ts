import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NOTIFICATION_TYPES, type Notification, type Preference } from '../../core/notifications/notification.js';
import { AUTHED_ERRORS, IdParams, errorResponses, page, security, PageQuery } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

const TypeSchema = Type.Enum([...NOTIFICATION_TYPES]);
export const NotificationSchema = Type.Object({
  id: Type.String(), type: TypeSchema, workspaceId: Type.String(), title: Type.String(), body: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'What the notification is about; fields depend on the type' }),
  readAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]), createdAt: Type.String({ format: 'date-time' }),
}, { $id: 'Notification' });
const PreferenceSchema = Type.Object({ type: TypeSchema, inApp: Type.Boolean(), email: Type.Boolean() });
const Preferences = Type.Object({
  preferences: Type.Array(PreferenceSchema),
  emailAvailable: Type.Boolean({ description: 'false when the instance has no SMTP server (SMTP_URL unset): nothing is e-mailed' }),
});

const view = (n: Notification) => ({
  id: n.id, type: n.type, workspaceId: n.workspaceId, title: n.title, body: n.body, data: n.data,
  readAt: n.readAt?.toISOString() ?? null, createdAt: n.createdAt.toISOString(),
});

/**
 * The caller's own notifications (a user's inbox; an API key sees its creator's, in its own
 * workspace only) and their preferences. Any valid credential; another user's notification is 404.
 */
export const notificationRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const tags = ['notifications'];
  const anyone = ctx.guard();
  const base = { tags, security: security() };
  const preferencesView = (preferences: Preference[]) => ({ preferences, emailAvailable: ctx.notifications.emailEnabled });

  app.get('/notifications', { onRequest: anyone, schema: { ...base, summary: 'The caller\'s notifications, newest first',
    querystring: Type.Object({ ...PageQuery, unread: Type.Boolean({ default: false, description: 'Only unread ones' })}),
    response: { 200: page(Type.Ref('Notification')), ...errorResponses(...AUTHED_ERRORS) } } },
  async (request) => {
    const { unread, cursor, limit } = request.query;
    const result = await ctx.notifications.list(actorOf(request), { unread, cursor, limit });
    return { data: result.notifications.map(view), nextCursor: result.nextCursor };
  });

  app.post('/notifications/:id/read', { onRequest: anyone, schema: { ...base, summary: 'Mark a notification read (again: no change)', params: IdParams,
    response: { 200: Type.Ref('Notification'), ...errorResponses(...AUTHED_ERRORS, 404) } } },
  async (request) => view(await ctx.notifications.markRead(actorOf(request), request.params.id)));

  app.get('/notifications/preferences', { onRequest: anyone, schema: { ...base, summary: 'Which notifications the caller receives in-app and by e-mail (default: all)',
    response: { 200: Preferences, ...errorResponses(...AUTHED_ERRORS) } } },
  async (request) => preferencesView(await ctx.notifications.preferences(actorOf(request))));

  app.put('/notifications/preferences', { onRequest: anyone, schema: { ...base, summary: 'Set preferences for the listed types (others keep theirs)',
    body: Type.Object({ preferences: Type.Array(PreferenceSchema, { maxItems: NOTIFICATION_TYPES.length }) }),
    response: { 200: Preferences, ...errorResponses(...AUTHED_ERRORS, 413, 415) } } },
  async (request) => preferencesView(await ctx.notifications.setPreferences(actorOf(request), request.body.preferences)));
};
