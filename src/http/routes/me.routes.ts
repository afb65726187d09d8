import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AUTHED_ERRORS, errorResponses, security } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

export const meRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/me', {
    onRequest: ctx.guard(),
    schema: {
      tags: ['auth'], summary: 'Who is calling, in which workspace, with which scopes', security: security(),
      querystring: Type.Object({ workspaceId: Type.Optional(Type.String()) }),
      response: {
        200: Type.Object({
          user: Type.Ref('User'),
          auth: Type.Object({ kind: Type.Union([Type.Literal('session'), Type.Literal('api-key')]), workspaceId: Type.String(), scopes: Type.Array(Type.String()) }),
          workspaces: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), personal: Type.Boolean(), role: Type.String() })),
        }),
        ...errorResponses(...AUTHED_ERRORS, 404),
      },
    },
  }, async (request) => {
    const actor = actorOf(request);
    const user = await ctx.accounts.findUser(actor.userId);
    const memberships = await ctx.accounts.memberships(actor.userId);
    return {
      user: { ...user, createdAt: user.createdAt.toISOString() },
      auth: { kind: actor.kind, workspaceId: actor.workspaceId, scopes: [...actor.scopes] },
      // A key sees only its own workspace; a session sees every membership.
      workspaces: memberships.filter((m) => actor.kind === 'session' || m.workspaceId === actor.workspaceId)
        .map((m) => ({ id: m.workspaceId, name: m.workspaceName, personal: m.personal, role: m.role })),
    };
  });
};
