import type { SyntheticLink } from '../clicks/synthetic/synthetic-clicks.js';
import type { Utm } from '../../core/links/link.js';
import type { Db } from './database.js';

/** What `curt seed-clicks` needs of a workspace: its owner (who creates seeded links) and its links. */
export class SeedTargets {
  constructor(private readonly db: Db) {}

  /** The workspace's first owner, or null when there is no such workspace. */
  async owner(workspaceId: string): Promise<string | null> {
    const row = await this.db.selectFrom('memberships').select('user_id').where('workspace_id', '=', workspaceId)
      .where('role', '=', 'owner').orderBy('created_at').orderBy('user_id').limit(1).executeTakeFirst();
    return row?.user_id ?? null;
  }

  /** Every link of the workspace that can be clicked (not archived), in creation order, with what a click carries. */
  async links(workspaceId: string): Promise<SyntheticLink[]> {
    const rows = await this.db.selectFrom('links').select(['id', 'domain', 'utm']).where('workspace_id', '=', workspaceId)
      .where('archived', '=', false).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, workspaceId, domain: r.domain, utm: r.utm as Utm }));
  }
}
