import { sql } from 'kysely';
import { DIMENSIONS } from '../../core/analytics/dimensions.js';
import { VisitorSketch } from '../../core/analytics/hll.js';
import { DAY_MS, MINUTE_MS } from '../../core/time-units.js';
import { linksWithRollups } from './analytics-sql.js';
import { boolArray, numberArray, textArray } from './array-literals.js';
import type { Db } from './database.js';
import { byRollupKey, type RollupKey } from './rollup-groups.js';
import { sketchOffsets } from './rollup-rows.js';
import { claimBucket, rollStale } from './rollup-claims.sql.js';

/** One daily row being built: its key, clicks and the union of its hours' sketches. */
interface DayRow extends RollupKey {
  visitors: VisitorSketch;
}

/**
 * Builds the daily rollups of closed UTC days from their hourly rows (migration 0009): the
 * workspace level (totals and every dimension) and per-link totals, as canonical sketches. Days
 * to roll are the stale rows of click_day_rollups, each claimed in the transaction that writes
 * its rows (rollup-claims.sql.ts). Until a day is rolled, analytics read its hourly rows.
 *
 * Hourly rows, not raw clicks, are the source: they outlive raw clicks (retention), and reading
 * ~24 rows per value is cheaper than grouping every click of the day again.
 */
export class DailyRollups {
  constructor(private readonly db: Db, private readonly graceMs = 5 * MINUTE_MS) {}

  /**
   * Rolls up to `limit` closed workspace-days, oldest first; returns how many it rolled. Each
   * active workspace has one a day, and a small one rolls in milliseconds: the default keeps up
   * with ~100 a minute.
   */
  async run(now = Date.now(), limit = 100): Promise<number> {
    return rollStale(this.db, 'click_day_rollups', now - DAY_MS - this.graceMs, limit, (workspaceId, bucket) => this.roll(workspaceId, bucket));
  }

  /** Rebuilds one workspace-day; false if another process claimed it first. */
  async roll(workspaceId: string, dayMs: number): Promise<boolean> {
    const from = new Date(dayMs).toISOString();
    const to = new Date(dayMs + DAY_MS).toISOString();
    return this.db.transaction().execute(async (tx) => {
      if (!(await claimBucket(tx, 'click_day_rollups', workspaceId, dayMs))) return false;
      // Two index range scans: the workspace level by dimension, per-link totals link by link.
      const hourly = await sql<{ link_id: string; dimension: string; bot: boolean; value: string; clicks: number; visitors: Uint8Array }>`
        select r.link_id, r.dimension, r.bot, r.value, r.clicks, r.visitors from click_rollups_hourly r
        where r.workspace_id = ${workspaceId} and r.link_id = '' and r.dimension = any(${['', ...DIMENSIONS]}::text[])
          and r.bucket >= ${from}::timestamptz and r.bucket < ${to}::timestamptz
        union all
        select r.link_id, r.dimension, r.bot, r.value, r.clicks, r.visitors from click_rollups_hourly r
        where r.workspace_id = ${workspaceId} and r.link_id = any(array(${linksWithRollups(workspaceId)})) and r.dimension = ''
          and r.bucket >= ${from}::timestamptz and r.bucket < ${to}::timestamptz`.execute(tx);
      const rows = merge(workspaceId, dayMs, hourly.rows);
      if (rows.length > 0) await writeDay(tx, workspaceId, dayMs, rows);
      return true;
    });
  }
}

function merge(workspaceId: string, dayMs: number, hourly: readonly { link_id: string; dimension: string; bot: boolean; value: string; clicks: number; visitors: Uint8Array }[]): DayRow[] {
  const rows = new Map<string, DayRow>();
  for (const h of hourly) {
    const key = `${h.link_id}\u0000${h.dimension}\u0000${h.bot ? 1 : 0}\u0000${h.value}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { workspaceId, linkId: h.link_id, dimension: h.dimension, bucket: dayMs, bot: h.bot, value: h.value, clicks: 0, visitors: VisitorSketch.empty() };
      rows.set(key, row);
    }
    row.clicks += Number(h.clicks);
    row.visitors.mergeStored(h.visitors);
  }
  return [...rows.values()].sort(byRollupKey);
}

/**
 * Replaces the day's rows: values never disappear from a day's hourly rows, so every daily row
 * the day had (written at ingest before 0009, or by an earlier roll) is among these keys.
 */
async function writeDay(tx: Db, workspaceId: string, dayMs: number, rows: readonly DayRow[]): Promise<void> {
  const sketches = rows.map((r) => r.visitors.toBytes());
  const lengths = sketches.map((s) => s.length);
  const bytes = Buffer.concat(sketches);
  const text = (pick: (r: DayRow) => string) => textArray(rows.map(pick));
  await sql`
    insert into click_rollups_daily as r (workspace_id, link_id, dimension, bucket, bot, value, clicks, visitors)
    select ${workspaceId}, l, d, ${new Date(dayMs).toISOString()}::timestamptz, bo, v, c, substring(${bytes}::bytea from o for n)
    from unnest(${text((r) => r.linkId)}::text[], ${text((r) => r.dimension)}::text[], ${boolArray(rows.map((r) => r.bot))}::bool[],
      ${text((r) => r.value)}::text[], ${numberArray(rows.map((r) => r.clicks))}::bigint[], ${numberArray(sketchOffsets(lengths))}::int[],
      ${numberArray(lengths)}::int[]) as t(l, d, bo, v, c, o, n)
    on conflict (workspace_id, link_id, dimension, bucket, bot, value) do update set clicks = excluded.clicks, visitors = excluded.visitors`
    .execute(tx);
}
