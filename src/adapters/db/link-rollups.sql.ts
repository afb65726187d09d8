import { sql } from 'kysely';
import { DIMENSIONS } from '../../core/analytics/dimensions.js';
import type { Db } from './database.js';
import { DIMENSION_COLUMNS, registerOf, sketchAggregate } from './raw-rollup-sql.js';
import { claimBucket, rollStale, type RollBudget } from './rollup-claims.sql.js';
import { HOUR_MS } from '../../core/time-units.js';

/**
 * Builds the per-link dimension rollups (click_rollups_hourly rows with a link id and a
 * dimension) of closed hours from raw clicks: one GROUP BY per workspace and hour instead of
 * ~10 row writes per click at ingest. Hours to roll are the stale rows of click_link_rollups,
 * each claimed in the transaction that writes its rows (rollup-claims.sql.ts).
 * Until an hour is rolled, analytics read its per-link breakdowns from raw clicks.
 */
export class LinkRollups {
  constructor(private readonly db: Db, private readonly graceMs = 5 * 60_000) {}

  /** Rolls closed hours, oldest first, within the budget (rollup-claims.sql.ts); returns how many it rolled. */
  async run(now = Date.now(), budget: RollBudget = {}): Promise<number> {
    return rollStale(this.db, 'click_link_rollups', now - HOUR_MS - this.graceMs, budget, (workspaceId, bucket) => this.roll(workspaceId, bucket));
  }

  /** Rebuilds one workspace-hour; false if another process claimed it first. */
  async roll(workspaceId: string, hourMs: number): Promise<boolean> {
    const from = new Date(hourMs).toISOString();
    const to = new Date(hourMs + HOUR_MS).toISOString();
    return this.db.transaction().execute(async (tx) => {
      if (!(await claimBucket(tx, 'click_link_rollups', workspaceId, hourMs))) return false;
      const values = sql.join(DIMENSIONS.map((d) => sql`(${d}, c.${sql.ref(DIMENSION_COLUMNS[d])})`));
      const { index, rank } = registerOf(sql`c.visitor_id`);
      // Values never disappear from an hour (raw rows only grow until retention drops whole
      // days), so replacing each row is enough; no delete needed.
      await sql`
        insert into click_rollups_hourly as r (workspace_id, link_id, dimension, bucket, bot, value, clicks, visitors)
        select ${workspaceId}, link_id, dimension, ${from}::timestamptz, bot, value, sum(n), ${sketchAggregate(sql`idx`, sql`rnk`)}
        from (
          select c.link_id, d.dimension, c.bot, coalesce(d.value, '') as value, ${index} as idx, max(${rank}) as rnk, count(*) as n
          from clicks c cross join lateral (values ${values}) as d(dimension, value)
          where c.workspace_id = ${workspaceId} and c.at >= ${from}::timestamptz and c.at < ${to}::timestamptz
          group by 1, 2, 3, 4, 5
        ) g
        group by link_id, dimension, bot, value
        on conflict (workspace_id, link_id, dimension, bucket, bot, value) do update set clicks = excluded.clicks, visitors = excluded.visitors`
        .execute(tx);
      return true;
    });
  }
}
