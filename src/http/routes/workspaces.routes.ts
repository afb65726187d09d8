import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ROLES } from '../../core/auth/scopes.js';
import type { Member } from '../../core/workspaces/workspace.js';
import type { WorkspaceView } from '../../core/workspaces/workspace-service.js';
import { AUTHED_ERRORS, IdempotencyHeaders, errorResponses, page, security, PageQuery } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
export const WorkspaceSchema = Type.Object({
  id: Type.String(), name: Type.String(), personal: Type.Boolean(), role: Type.String({ description: 'The caller\'s role' }), createdAt: Type.String({ format: 'date-time' }),
}, { $id: 'Workspace' });
export const MemberSchema = Type.Object({ userId: Type.String(), email: Type.String(), role: Type.String(), createdAt: Type.String({ format: 'date-time' }) }, { $id: 'Member' });
export const InvitationSchema = Type.Object({
  id: Type.String(), email: Type.String(), role: Type.String(), expiresAt: Type.String({ format: 'date-time' }), createdAt: Type.String({ format: 'date-time' }),
}, { $id: 'Invitation', description: 'A pending invitation of an address without an account; the sign-up link went to it by e-mail' });
const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
const MemberId = Type.Object({ id: Type.String({ maxLength: 64 }), userId: Type.String({ maxLength: 64 }) });

const view = (w: WorkspaceView) => ({ id: w.id, name: w.name, personal: w.personalFor !== null, role: w.role, createdAt: w.createdAt.toISOString() });
const memberView = (m: Member) => ({ userId: m.userId, email: m.email, role: m.role, createdAt: m.createdAt.toISOString() });

/** Roles: viewer and member read; admin renames and manages non-owners; owner manages owners and deletes. */
export const workspaceRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const tags = ['workspaces'];
  const anyone = ctx.guard();
  const reads = { tags, security: security() };
  const writes = { tags, security: security('workspace:admin') };

  app.get('/workspaces', { onRequest: anyone, schema: { ...reads, summary: 'Workspaces the caller belongs to (a key: its own)', response: { 200: page(Type.Ref('Workspace')), ...errorResponses(...AUTHED_ERRORS) } } },
    async (request) => ({
      data: (await ctx.workspaces.list(actorOf(request))).map((m) => ({ id: m.workspaceId, name: m.workspaceName, personal: m.personal, role: m.role, createdAt: m.createdAt.toISOString() })),
      nextCursor: null,
    }));

  app.post('/workspaces', { onRequest: anyone, schema: { tags, security: [{ session: [] }], summary: 'Create a workspace (signed-in users); the creator owns it', headers: IdempotencyHeaders,
    body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }), response: { 201: Type.Ref('Workspace'), ...errorResponses(...AUTHED_ERRORS, 413, 415) } } },
  async (request, reply) => reply.code(201).send(view(await ctx.workspaces.create(actorOf(request), request.body.name))));

  app.get('/workspaces/:id', { onRequest: anyone, schema: { ...reads, summary: 'A workspace', params: Id, response: { 200: Type.Ref('Workspace'), ...errorResponses(...AUTHED_ERRORS, 404) } } },
    async (request) => view(await ctx.workspaces.get(actorOf(request), request.params.id)));

  app.patch('/workspaces/:id', { onRequest: anyone, schema: { ...writes, summary: 'Rename a workspace (admin)', params: Id,
    body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }), response: { 200: Type.Ref('Workspace'), ...errorResponses(...AUTHED_ERRORS, 404, 413, 415) } } },
  async (request) => view(await ctx.workspaces.rename(actorOf(request), request.params.id, request.body.name)));

  app.delete('/workspaces/:id', { onRequest: anyone, schema: { tags, security: [{ session: [] }], summary: 'Delete a workspace and everything in it (owner; not a personal one)', params: Id,
    response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(...AUTHED_ERRORS, 404, 409) } } },
  async (request, reply) => { await ctx.workspaces.delete(actorOf(request), request.params.id); return reply.code(204).send(null); });

  app.get('/workspaces/:id/members', { onRequest: anyone, schema: { ...reads, summary: 'Members and their roles', params: Id,
    querystring: Type.Object({ ...PageQuery }),
    response: { 200: page(Type.Ref('Member')), ...errorResponses(...AUTHED_ERRORS, 404) } } },
  async (request) => {
    const result = await ctx.workspaces.members(actorOf(request), request.params.id, request.query.cursor, request.query.limit);
    return { data: result.members.map(memberView), nextCursor: result.nextCursor };
  });

  app.post('/workspaces/:id/members', { onRequest: anyone, schema: { ...writes, params: Id, headers: IdempotencyHeaders,
    summary: 'Add an account as a member (201), or e-mail an address without one an invitation (202; needs SMTP and sign-up not closed)',
    body: Type.Object({ email: Type.String({ maxLength: 254 }), role: RoleSchema }),
    response: { 201: Type.Ref('Member'), 202: Type.Object({ invitation: Type.Ref('Invitation') }), ...errorResponses(...AUTHED_ERRORS, 404, 409, 413, 415) } } },
  async (request, reply) => {
    const result = await ctx.workspaces.addMember(actorOf(request), request.params.id, request.body.email, request.body.role);
    if (result.member) return reply.code(201).send(memberView(result.member));
    const i = result.invitation;
    return reply.code(202).send({ invitation: { id: i.id, email: i.email, role: i.role, expiresAt: i.expiresAt.toISOString(), createdAt: i.createdAt.toISOString() } });
  });

  app.patch('/workspaces/:id/members/:userId', { onRequest: anyone, schema: { ...writes, summary: 'Change a member\'s role (the last owner stays owner)', params: MemberId,
    body: Type.Object({ role: RoleSchema }), response: { 200: Type.Ref('Member'), ...errorResponses(...AUTHED_ERRORS, 404, 409, 413, 415) } } },
  async (request) => memberView(await ctx.workspaces.setRole(actorOf(request), request.params.id, request.params.userId, request.body.role)));

  app.delete('/workspaces/:id/members/:userId', { onRequest: anyone, schema: { ...writes, summary: 'Remove a member, or leave (the last owner cannot)', params: MemberId,
    response: { 204: Type.Null({ description: 'Removed' }), ...errorResponses(...AUTHED_ERRORS, 404, 409) } } },
  async (request, reply) => { await ctx.workspaces.removeMember(actorOf(request), request.params.id, request.params.userId); return reply.code(204).send(null); });
};
