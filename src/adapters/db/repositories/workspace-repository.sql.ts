import type { Role } from '../../../core/auth/scopes.js';
import type { Member, MembershipChange, RemovedWorkspace, Workspace, WorkspaceRepository } from '../../../core/workspaces/workspace.js';
import type { Db } from '../database.js';
import { isUniqueViolation } from '../errors.js';
import { toDomain } from './domain-repository.sql.js';

type MemberRow = { user_id: string; email: string; role: string; created_at: Date };
const toMember = (r: MemberRow): Member => ({ userId: r.user_id, email: r.email, role: r.role as Role, createdAt: r.created_at });

export class SqlWorkspaceRepository implements WorkspaceRepository {
  constructor(private readonly db: Db) {}

  async create(w: Workspace, ownerId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('workspaces').values({ id: w.id, name: w.name, personal_for: w.personalFor, created_at: w.createdAt }).execute();
      await tx.insertInto('memberships').values({ workspace_id: w.id, user_id: ownerId, role: 'owner' }).execute();
    });
  }

  async get(id: string): Promise<Workspace | null> {
    const row = await this.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { id: row.id, name: row.name, personalFor: row.personal_for, createdAt: row.created_at } : null;
  }

  async rename(id: string, name: string): Promise<void> {
    await this.db.updateTable('workspaces').set({ name }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<RemovedWorkspace> {
    return this.db.transaction().execute(async (tx) => {
      // Links and domains first, explicitly rather than by cascade: the caller needs what they were.
      const links = await tx.deleteFrom('links').where('workspace_id', '=', id).returning(['domain', 'slug']).execute();
      const domains = (await tx.deleteFrom('domains').where('workspace_id', '=', id).returningAll().execute()).map(toDomain);
      await tx.deleteFrom('workspaces').where('id', '=', id).execute();
      return { links, domains };
    });
  }

  private memberQuery() {
    return this.db.selectFrom('memberships as m').innerJoin('users as u', 'u.id', 'm.user_id').select(['m.user_id', 'u.email', 'm.role', 'm.created_at']);
  }

  async members(workspaceId: string, after: { createdAt: Date; userId: string } | null, limit: number): Promise<Member[]> {
    let query = this.memberQuery().where('m.workspace_id', '=', workspaceId);
    if (after) query = query.where((eb) => eb(eb.refTuple('m.created_at', 'm.user_id'), '>', eb.tuple(after.createdAt, after.userId)));
    return (await query.orderBy('m.created_at').orderBy('m.user_id').limit(limit).execute()).map(toMember);
  }

  async member(workspaceId: string, userId: string): Promise<Member | null> {
    const row = await this.memberQuery().where('m.workspace_id', '=', workspaceId).where('m.user_id', '=', userId).executeTakeFirst();
    return row ? toMember(row) : null;
  }

  async addMember(workspaceId: string, userId: string, role: Role): Promise<boolean> {
    try {
      await this.db.insertInto('memberships').values({ workspace_id: workspaceId, user_id: userId, role }).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  setRole(workspaceId: string, userId: string, role: Role): Promise<MembershipChange> {
    return this.changeKeepingAnOwner(workspaceId, userId, role !== 'owner', (tx) =>
      tx.updateTable('memberships').set({ role }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute());
  }

  removeMember(workspaceId: string, userId: string): Promise<MembershipChange> {
    return this.changeKeepingAnOwner(workspaceId, userId, true, (tx) =>
      tx.deleteFrom('memberships').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute());
  }

  /** Locks the workspace row so two owners cannot both step down at once. */
  private changeKeepingAnOwner(workspaceId: string, userId: string, losesOwnership: boolean, change: (tx: Db) => Promise<unknown>): Promise<MembershipChange> {
    return this.db.transaction().execute(async (tx) => {
      await tx.selectFrom('workspaces').select('id').where('id', '=', workspaceId).forUpdate().execute();
      const current = await tx.selectFrom('memberships').select('role').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).executeTakeFirst();
      if (!current) return 'missing';
      if (current.role === 'owner' && losesOwnership) {
        const owners = await tx.selectFrom('memberships').select('user_id').where('workspace_id', '=', workspaceId).where('role', '=', 'owner').limit(2).execute();
        if (owners.length < 2) return 'last-owner';
      }
      await change(tx);
      return 'ok';
    });
  }
}
