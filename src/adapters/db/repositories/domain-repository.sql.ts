import { sql, type Selectable } from 'kysely';
import type { Domain, DomainRepository } from '../../../core/domains/domain.js';
import type { DomainDirectory } from '../../../core/domains/host-policy.js';
import type { Db } from '../database.js';
import { isUniqueViolation } from '../errors.js';
import type { DomainsTable } from '../schema.js';

export const toDomain = (r: Selectable<DomainsTable>): Domain => ({ id: r.id, workspaceId: r.workspace_id, host: r.host, notFoundUrl: r.not_found_url, createdAt: r.created_at });

export class SqlDomainRepository implements DomainRepository, DomainDirectory {
  constructor(private readonly db: Db) {}

  async list(workspaceId: string, after: { createdAt: Date; id: string } | null, limit: number): Promise<Domain[]> {
    let query = this.db.selectFrom('domains').selectAll().where('workspace_id', '=', workspaceId);
    if (after) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
    return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(toDomain);
  }

  async all(): Promise<Domain[]> {
    return (await this.db.selectFrom('domains').selectAll().execute()).map(toDomain);
  }

  async insert(d: Domain): Promise<boolean> {
    try {
      await this.db.insertInto('domains').values({ id: d.id, workspace_id: d.workspaceId, host: d.host, not_found_url: d.notFoundUrl, created_at: d.createdAt }).execute();
      return true;
    } catch (error) {
      if (isUniqueViolation(error, 'domains_host_key')) return false;
      throw error;
    }
  }

  async setNotFoundUrl(workspaceId: string, id: string, url: string | null): Promise<Domain | null> {
    const row = await this.db.updateTable('domains').set({ not_found_url: url }).where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
    return row ? toDomain(row) : null;
  }

  async delete(workspaceId: string, id: string): Promise<{ outcome: 'ok'; domain: Domain } | { outcome: 'missing' | 'in-use' }> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.selectFrom('domains').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) return { outcome: 'missing' as const };
      const used = await tx.selectFrom('links').select('id').where('domain', '=', row.host).limit(1).executeTakeFirst();
      if (used) return { outcome: 'in-use' as const };
      await tx.deleteFrom('domains').where('id', '=', id).execute();
      return { outcome: 'ok' as const, domain: toDomain(row) };
    });
  }

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
