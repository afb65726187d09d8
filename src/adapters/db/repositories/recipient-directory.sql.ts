import type { Recipient, RecipientDirectory } from '../../../core/notifications/notification.js';
import type { Db } from '../database.js';

/** Notification recipients from memberships, users and links. */
export class SqlRecipientDirectory implements RecipientDirectory {
  constructor(private readonly db: Db) {}

  async members(workspaceId: string, userIds: readonly string[]): Promise<Recipient[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db.selectFrom('memberships as m').innerJoin('users as u', 'u.id', 'm.user_id').select(['u.id', 'u.email'])
      .where('m.workspace_id', '=', workspaceId).where('m.user_id', 'in', [...userIds]).orderBy('u.id').execute();
    return rows.map((r) => ({ userId: r.id, email: r.email }));
  }

  async admins(workspaceId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('memberships').select('user_id').where('workspace_id', '=', workspaceId)
      .where('role', 'in', ['owner', 'admin']).orderBy('user_id').execute();
    return rows.map((r) => r.user_id);
  }

  async linkCreator(linkId: string): Promise<string | null> {
    const row = await this.db.selectFrom('links').select('created_by').where('id', '=', linkId).executeTakeFirst();
    return row?.created_by ?? null;
  }
}
