import { sql } from 'kysely';
import type { DomainDirectory } from '../../../core/domains/host-policy.js';
import type { Db } from '../database.js';

export class SqlDomainDirectory implements DomainDirectory {
  constructor(private readonly db: Db) {}

  async registered(hosts: string[]): Promise<Set<string>> {
    if (hosts.length === 0) return new Set();
    const rows = await this.db.selectFrom('domains').select(sql<string>`lower(host)`.as('host'))
      .where(sql`lower(host)`, 'in', hosts.map((h) => h.toLowerCase())).execute();
    return new Set(rows.map((r) => r.host));
  }

  async ownedBy(workspaceId: string, host: string): Promise<boolean> {
    const row = await this.db.selectFrom('domains').select('id').where('workspace_id', '=', workspaceId)
      .where(sql`lower(host)`, '=', host.toLowerCase()).executeTakeFirst();
    return row !== undefined;
  }
}
