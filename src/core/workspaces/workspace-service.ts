import type { Actor } from '../auth/actor.js';
import { normalizeEmail } from '../auth/credentials.js';
import type { Membership, UserRepository } from '../auth/ports.js';
import { isRole, type Role } from '../auth/scopes.js';
import { DomainError, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { decodeTimeCursor, encodeTimeCursor } from '../pagination.js';
import type { Invitation, MemberInvitations } from './invitation.js';
import type { Member, MembershipChange, Workspace, WorkspaceRemovalListener, WorkspaceRepository } from './workspace.js';

export interface WorkspaceView extends Workspace { role: Role }

/** An existing account becomes a member; an address without one is invited (when invitations are on). */
export type AddMemberResult = { member: Member; invitation?: never } | { invitation: Invitation; member?: never };

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

/**
 * Workspaces and their members. Viewers and members read; admins rename and manage
 * non-owners; only owners grant or take ownership or delete. The last owner stays.
 * An API key acts only in its own workspace and needs workspace:admin to change it.
 */
export class WorkspaceService {
  constructor(
    private readonly workspaces: WorkspaceRepository,
    private readonly users: UserRepository,
    private readonly now: () => Date = () => new Date(),
    private readonly invitations: MemberInvitations | null = null,
    private readonly removal: WorkspaceRemovalListener | null = null,
  ) {}

  async list(actor: Actor): Promise<Membership[]> {
    const all = await this.users.memberships(actor.userId);
    return actor.kind === 'api-key' ? all.filter((m) => m.workspaceId === actor.workspaceId) : all;
  }

  async create(actor: Actor, name: unknown): Promise<WorkspaceView> {
    if (actor.kind !== 'session') throw new DomainError('forbidden', 'workspaces are created by signed-in users, not API keys');
    const workspace: Workspace = { id: newId('ws'), name: checkName(name), personalFor: null, createdAt: this.now() };
    await this.workspaces.create(workspace, actor.userId);
    return { ...workspace, role: 'owner' };
  }

  async get(actor: Actor, id: string): Promise<WorkspaceView> {
    const role = await this.roleIn(actor, id, 'viewer');
    return { ...(await this.workspaces.get(id))!, role };
  }

  async rename(actor: Actor, id: string, name: unknown): Promise<WorkspaceView> {
    const clean = checkName(name);
    const role = await this.roleIn(actor, id, 'admin');
    await this.workspaces.rename(id, clean);
    return { ...(await this.workspaces.get(id))!, role };
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.roleIn(actor, id, 'owner');
    const workspace = (await this.workspaces.get(id))!;
    if (workspace.personalFor !== null) throw new DomainError('conflict', 'a personal workspace cannot be deleted');
    const removed = await this.workspaces.delete(id);
    this.removal?.linksRemoved(removed.links);
    for (const domain of removed.domains) this.removal?.domainRemoved(domain);
  }

  async members(actor: Actor, id: string, cursor: string | undefined, limit: number): Promise<{ members: Member[]; nextCursor: string | null }> {
    await this.roleIn(actor, id, 'viewer');
    const at = decodeTimeCursor(cursor);
    const rows = await this.workspaces.members(id, at ? { createdAt: at.createdAt, userId: at.id } : null, limit + 1);
    const members = rows.slice(0, limit);
    const last = members.at(-1);
    return { members, nextCursor: rows.length > limit && last ? encodeTimeCursor(last.createdAt, last.userId) : null };
  }

  /**
   * Adds an existing account and notifies them; invites an address without one when
   * invitations are on (e-mail configured, sign-up not closed), else refuses it.
   */
  async addMember(actor: Actor, id: string, email: unknown, role: unknown): Promise<AddMemberResult> {
    const wanted = checkRole(role);
    const mine = await this.roleIn(actor, id, 'admin');
    this.mayGrant(mine, wanted);
    const normalized = typeof email === 'string' ? normalizeEmail(email) : { pointer: '/email', detail: 'is required' };
    if (typeof normalized !== 'string') throw invalid([normalized]);
    const user = await this.users.findByEmail(normalized);
    const workspace = (await this.workspaces.get(id))!;
    if (!user) {
      if (!this.invitations?.available) throw invalid([{ pointer: '/email', detail: 'has no Curt account; ask them to sign up first' }]);
      return { invitation: await this.invitations.invite(workspace, normalized, wanted, actor.userId) };
    }
    if (!(await this.workspaces.addMember(id, user.id, wanted))) throw new DomainError('conflict', `${normalized} is already a member`);
    await this.invitations?.memberAdded(workspace, user.id, wanted, actor.userId);
    return { member: (await this.workspaces.member(id, user.id))! };
  }

  async setRole(actor: Actor, id: string, userId: string, role: unknown): Promise<Member> {
    const wanted = checkRole(role);
    const mine = await this.roleIn(actor, id, 'admin');
    const target = await this.workspaces.member(id, userId);
    if (!target) throw notFound('member');
    this.mayGrant(mine, target.role);
    this.mayGrant(mine, wanted);
    this.outcome(await this.workspaces.setRole(id, userId, wanted));
    return { ...target, role: wanted };
  }

  /** Admins remove non-owners, owners anyone; everyone may leave. */
  async removeMember(actor: Actor, id: string, userId: string): Promise<void> {
    const self = actor.kind === 'session' && actor.userId === userId;
    const mine = await this.roleIn(actor, id, self ? 'viewer' : 'admin');
    const target = await this.workspaces.member(id, userId);
    if (!target) throw notFound('member');
    if (!self) this.mayGrant(mine, target.role);
    this.outcome(await this.workspaces.removeMember(id, userId));
  }

  /** The caller's role in the workspace, at least `needed`; outsiders get 404, not 403. */
  private async roleIn(actor: Actor, workspaceId: string, needed: Role): Promise<Role> {
    if (actor.kind === 'api-key') {
      if (RANK[needed] >= RANK.admin && !actor.scopes.has('workspace:admin')) {
        throw new DomainError('insufficient-scope', 'this request needs the workspace:admin scope');
      }
      if (needed === 'owner') throw new DomainError('forbidden', 'only an owner, signed in, may do this');
      if (workspaceId !== actor.workspaceId) throw notFound('workspace');
      return actor.scopes.has('workspace:admin') ? 'admin' : 'viewer';
    }
    const role = await this.users.role(actor.userId, workspaceId);
    if (!role) throw notFound('workspace');
    if (RANK[role] < RANK[needed]) throw new DomainError('forbidden', `this needs the ${needed} role; you are ${role}`);
    return role;
  }

  private mayGrant(mine: Role, role: Role): void {
    if (role === 'owner' && mine !== 'owner') throw new DomainError('forbidden', 'only owners grant, change or remove ownership');
  }

  private outcome(change: MembershipChange): void {
    if (change === 'missing') throw notFound('member');
    if (change === 'last-owner') throw new DomainError('conflict', 'a workspace keeps at least one owner; make someone else owner first');
  }
}

function checkName(name: unknown): string {
  const clean = typeof name === 'string' ? name.trim() : '';
  if (clean.length < 1 || clean.length > 100) throw invalid([{ pointer: '/name', detail: 'must be 1 to 100 characters' }]);
  return clean;
}

function checkRole(role: unknown): Role {
  if (typeof role !== 'string' || !isRole(role)) throw invalid([{ pointer: '/role', detail: 'must be owner, admin, member or viewer' }]);
  return role;
}
