import { sql, type Selectable } from 'kysely';
import type { Link, RedirectType, Rule, Utm, Variant } from '../../../core/links/link.js';
import type { LinkEvents } from '../../../core/links/link-events.js';
import type { LinkQuery, LinkRepository, NewLink } from '../../../core/links/ports.js';
import type { Db } from '../database.js';
import { isUniqueViolation } from '../errors.js';
import { recordEvents } from '../outbox.sql.js';
import type { LinksTable } from '../schema.js';

type Row = Selectable<LinksTable>;

function toLink(r: Row): Link {
  return {
    id: r.id, workspaceId: r.workspace_id, domain: r.domain, slug: r.slug, url: r.url, title: r.title,
    description: r.description, tags: r.tags, redirectType: r.redirect_type as RedirectType, forwardQuery: r.forward_query,
    expiresAt: r.expires_at, expiredUrl: r.expired_url, maxClicks: r.max_clicks, passwordHash: r.password_hash,
    rules: r.rules as Rule[], variants: r.variants as Variant[], utm: r.utm as Utm, archived: r.archived,
    clicks: r.clicks, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toRow(l: NewLink) {
  return {
    id: l.id, workspace_id: l.workspaceId, domain: l.domain, slug: l.slug, url: l.url, url_hash: l.urlHash,
    title: l.title, description: l.description, tags: l.tags, redirect_type: l.redirectType, forward_query: l.forwardQuery,
    expires_at: l.expiresAt, expired_url: l.expiredUrl, max_clicks: l.maxClicks, password_hash: l.passwordHash,
    rules: JSON.stringify(l.rules), variants: JSON.stringify(l.variants), utm: JSON.stringify(l.utm), archived: l.archived,
    created_by: l.createdBy, created_at: l.createdAt, updated_at: l.updatedAt,
  };
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Links in SQL. With `events`, every change also writes its link.created/updated/deleted
 * event to the outbox in the same transaction (the composition root always passes it;
 * tests and benchmarks that only need storage may leave it out).
 */
export class SqlLinkRepository implements LinkRepository {
  constructor(private readonly db: Db, private readonly events: LinkEvents | null = null) {}

  async insertMany(links: NewLink[]): Promise<boolean[]> {
    if (links.length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      const inserted = await tx.insertInto('links').values(links.map(toRow))
        .onConflict((oc) => oc.columns(['domain', 'slug']).doNothing()).returning('id').execute();
      const ids = new Set(inserted.map((r) => r.id));
      const created = links.filter((l) => ids.has(l.id));
      await this.rememberTags(tx, created);
      if (this.events) await recordEvents(tx, created.map(({ urlHash: _hash, ...link }) => this.events!.event('link.created', link)));
      return links.map((l) => ids.has(l.id));
    });
  }

  async findById(workspaceId: string, id: string): Promise<Link | null> {
    const row = await this.db.selectFrom('links').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toLink(row) : null;
  }

  async findBySlug(domain: string, slug: string): Promise<Link | null> {
    const row = await this.db.selectFrom('links').selectAll().where('domain', '=', domain).where('slug', '=', slug).executeTakeFirst();
    return row ? toLink(row) : null;
  }

  async list(q: LinkQuery): Promise<Link[]> {
    const column = q.sort === 'clicks' ? 'clicks' : 'created_at';
    let query = this.db.selectFrom('links').selectAll().where('workspace_id', '=', q.workspaceId);
    if (q.domain !== undefined) query = query.where('domain', '=', q.domain);
    if (q.tag !== undefined) query = query.where(sql<boolean>`tags @> ARRAY[${q.tag}]::text[]`);
    if (q.urlHash !== undefined) query = query.where('url_hash', '=', q.urlHash);
    if (q.search !== undefined) {
      // The same expression as links_search_idx (a pg_trgm GIN index), so the index serves it.
      const pattern = `%${escapeLike(q.search)}%`;
      query = query.where(sql<boolean>`(slug || ' ' || url || ' ' || coalesce(title, '')) ilike ${pattern}`);
    }
    if (q.after) {
      const after = q.after;
      const value = column === 'clicks' ? Number(after.value) : new Date(String(after.value));
      query = query.where((eb) => eb(eb.refTuple(column, 'id'), q.order === 'desc' ? '<' : '>', eb.tuple(value as never, after.id)));
    }
    const rows = await query.orderBy(column, q.order).orderBy('id', q.order).limit(q.limit).execute();
    return rows.map(toLink);
  }

  async update(link: NewLink): Promise<'ok' | 'slug-taken' | 'missing'> {
    try {
      return await this.db.transaction().execute(async (tx) => {
        const { id, workspace_id, created_at, created_by, ...fields } = toRow(link);
        const row = await tx.updateTable('links').set(fields).where('id', '=', id).where('workspace_id', '=', workspace_id).returningAll().executeTakeFirst();
        if (!row) return 'missing';
        await this.rememberTags(tx, [link]);
        if (this.events) await recordEvents(tx, [this.events.event('link.updated', toLink(row))]);
        return 'ok';
      });
    } catch (error) {
      if (isUniqueViolation(error, 'links_domain_slug_key')) return 'slug-taken';
      throw error;
    }
  }

  async delete(workspaceId: string, id: string): Promise<Link | null> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.deleteFrom('links').where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) return null;
      const link = toLink(row);
      if (this.events) await recordEvents(tx, [this.events.event('link.deleted', link)]);
      return link;
    });
  }

  async listTags(workspaceId: string, after: string | null, limit: number): Promise<string[]> {
    let query = this.db.selectFrom('tags').select('name').where('workspace_id', '=', workspaceId);
    if (after !== null) query = query.where('name', '>', after);
    return (await query.orderBy('name').limit(limit).execute()).map((r) => r.name);
  }

  private async rememberTags(tx: Db, links: NewLink[]): Promise<void> {
    const pairs = new Map<string, { workspace_id: string; name: string }>();
    for (const l of links) for (const name of l.tags) pairs.set(`${l.workspaceId}\u0000${name}`, { workspace_id: l.workspaceId, name });
    if (pairs.size === 0) return;
    await tx.insertInto('tags').values([...pairs.values()]).onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing()).execute();
  }
}

/** A links row as a Link (for adapters that read links in their own queries). */
export const linkFromRow = toLink;
