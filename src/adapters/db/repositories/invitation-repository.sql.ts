import { sql, type Selectable } from 'kysely';
import type { Role } from '../../../core/auth/scopes.js';
import type { Invitation, InvitationRepository } from '../../../core/workspaces/invitation.js';
import type { Db } from '../database.js';
import type { WorkspaceInvitationsTable } from '../schema.js';

const toInvitation = (r: Selectable<WorkspaceInvitationsTable>): Invitation => ({
  id: r.id, workspaceId: r.workspace_id, email: r.email, role: r.role as Role, invitedBy: r.invited_by, expiresAt: r.expires_at, createdAt: r.created_at,
});

export class SqlInvitationRepository implements InvitationRepository {
  constructor(private readonly db: Db) {}

  async upsert(i: Invitation, tokenHash: string): Promise<Invitation> {
    const result = await sql<Selectable<WorkspaceInvitationsTable>>`
      insert into workspace_invitations (id, workspace_id, email, role, token_hash, invited_by, expires_at, created_at)
      values (${i.id}, ${i.workspaceId}, ${i.email}, ${i.role}, ${tokenHash}, ${i.invitedBy}, ${i.expiresAt.toISOString()}::timestamptz, ${i.createdAt.toISOString()}::timestamptz)
      on conflict (workspace_id, lower(email)) where accepted_at is null do update
        set role = excluded.role, token_hash = excluded.token_hash, invited_by = excluded.invited_by,
          expires_at = excluded.expires_at, created_at = excluded.created_at
      returning *`.execute(this.db);
    return toInvitation(result.rows[0]!);
  }

  async findOpen(tokenHash: string, now: Date): Promise<Invitation | null> {
    const row = await this.db.selectFrom('workspace_invitations').selectAll().where('token_hash', '=', tokenHash)
      .where('accepted_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    return row ? toInvitation(row) : null;
  }

  async accept(id: string, userId: string, now: Date): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.updateTable('workspace_invitations').set({ accepted_at: now, accepted_by: userId })
        .where('id', '=', id).where('accepted_at', 'is', null).where('expires_at', '>', now)
        .returning(['workspace_id', 'role']).executeTakeFirst();
      if (!row) return false;
      await tx.insertInto('memberships').values({ workspace_id: row.workspace_id, user_id: userId, role: row.role })
        .onConflict((oc) => oc.columns(['workspace_id', 'user_id']).doNothing()).execute();
      return true;
    });
  }
}
