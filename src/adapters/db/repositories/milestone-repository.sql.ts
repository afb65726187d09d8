import { sql } from 'kysely';
import type { CrossedMilestone, Milestone, MilestoneRepository } from '../../../core/notifications/milestone-service.js';
import type { Db } from '../database.js';

interface CrossedRow { link_id: string; workspace_id: string; threshold: number; created_by: string | null; clicks: number; domain: string; slug: string; url: string }
const toCrossed = (r: CrossedRow): CrossedMilestone => ({
  linkId: r.link_id, workspaceId: r.workspace_id, threshold: Number(r.threshold), createdBy: r.created_by, clicks: Number(r.clicks), domain: r.domain, slug: r.slug, url: r.url,
});

export class SqlMilestoneRepository implements MilestoneRepository {
  constructor(private readonly db: Db) {}

  async list(linkId: string): Promise<Milestone[]> {
    const rows = await this.db.selectFrom('link_milestones').select(['threshold', 'reached_at']).where('link_id', '=', linkId).orderBy('threshold').execute();
    return rows.map((r) => ({ threshold: Number(r.threshold), reachedAt: r.reached_at }));
  }

  async replace(link: { id: string; workspaceId: string }, thresholds: readonly number[], userId: string, at: Date): Promise<Milestone[]> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('link_milestones').where('link_id', '=', link.id)
        .where(sql<boolean>`threshold <> all(${[...thresholds]}::bigint[])`).execute();
      if (thresholds.length === 0) return;
      // Thresholds the link has already passed count as reached now, without a notification.
      await sql`insert into link_milestones (link_id, workspace_id, threshold, created_by, reached_at, notified_at, created_at)
        select ${link.id}, ${link.workspaceId}, t, ${userId}, r, r, ${at.toISOString()}::timestamptz
        from unnest(${[...thresholds]}::bigint[]) as t,
          lateral (select case when t <= (select clicks from links where id = ${link.id}) then ${at.toISOString()}::timestamptz end as r) as x
        on conflict (link_id, threshold) do nothing`.execute(tx);
    });
    return this.list(link.id);
  }

  async pendingLinks(): Promise<string[]> {
    const rows = await this.db.selectFrom('link_milestones').select('link_id').distinct().where('reached_at', 'is', null).execute();
    return rows.map((r) => r.link_id);
  }

  async claimCrossed(linkIds: readonly string[] | null, at: Date): Promise<CrossedMilestone[]> {
    if (linkIds !== null && linkIds.length === 0) return [];
    const only = linkIds === null ? sql`` : sql`and m.link_id = any(${[...linkIds]}::text[])`;
    // Under concurrent claims PostgreSQL re-checks `reached_at is null` on the row the other
    // transaction updated, so each milestone is returned to exactly one caller.
    const result = await sql<CrossedRow>`update link_milestones m set reached_at = ${at.toISOString()}::timestamptz
      from links l
      where l.id = m.link_id and m.reached_at is null and m.threshold <= l.clicks ${only}
      returning m.link_id, m.workspace_id, m.threshold, m.created_by, l.clicks, l.domain, l.slug, l.url`.execute(this.db);
    return result.rows.map(toCrossed).sort((a, b) => (a.linkId < b.linkId ? -1 : a.linkId > b.linkId ? 1 : a.threshold - b.threshold));
  }

  async unannounced(before: Date): Promise<CrossedMilestone[]> {
    const result = await sql<CrossedRow>`select m.link_id, m.workspace_id, m.threshold, m.created_by, l.clicks, l.domain, l.slug, l.url
      from link_milestones m join links l on l.id = m.link_id
      where m.notified_at is null and m.reached_at < ${before.toISOString()}::timestamptz
      order by m.link_id, m.threshold`.execute(this.db);
    return result.rows.map(toCrossed);
  }

  async markNotified(linkId: string, threshold: number, at: Date): Promise<void> {
    await this.db.updateTable('link_milestones').set({ notified_at: at }).where('link_id', '=', linkId).where('threshold', '=', threshold).execute();
  }
}
