import { sql } from 'kysely';
import { DIMENSIONS } from '../../core/analytics/dimensions.js';
import { VisitorSketch } from '../../core/analytics/hll.js';
import { DAY_MS, MINUTE_MS, WEEK_MS, utcWeekStart } from '../../core/time-units.js';
import { linksWithRollups } from './analytics-sql.js';
import { boolArray, numberArray, textArray } from './array-literals.js';
import type { Db } from './database.js';
import { byRollupKey, type RollupKey } from './rollup-groups.js';
import { sketchOffsets } from './rollup-rows.js';
import { claimBucket, rollStale, type RollBudget, type RollupStateTable } from './rollup-claims.sql.js';

/** One row being built: its key, clicks and the union of its source rows' sketches. */
interface PeriodRow extends RollupKey {
  visitors: VisitorSketch;
}

interface SourceRow { link_id: string; dimension: string; bot: boolean; value: string; clicks: number; visitors: Uint8Array }

/** A coarser rollup table built per closed period from a finer one. */
interface Period {
  /** Which periods are stale, per workspace (rollup-claims.sql.ts). */
  state: RollupStateTable;
  source: 'click_rollups_hourly' | 'click_rollups_daily';
  target: 'click_rollups_daily' | 'click_rollups_weekly';
  lengthMs: number;
}

/**
 * Builds the rows of closed periods of a coarser rollup table from the finer table's rows: the
 * workspace level (totals and every dimension) and per-link totals, as canonical sketches.
 * Periods to roll are the stale rows of the state table, each claimed in the transaction that
 * writes its rows (rollup-claims.sql.ts). Until a period is rolled, analytics read the finer rows.
 *
 * Rollup rows, not raw clicks, are the source: they outlive raw clicks (retention), and reading
 * ~24 rows per value (7 for a week) is cheaper than grouping every click again.
 */
abstract class PeriodRollups {
  constructor(protected readonly db: Db, private readonly period: Period, private readonly graceMs: number) {}

  /** Rolls closed workspace-periods, oldest first, within the budget (rollup-claims.sql.ts); returns how many it rolled. */
  async run(now = Date.now(), budget: RollBudget = {}): Promise<number> {
    const { state, lengthMs } = this.period;
    return rollStale(this.db, state, now - lengthMs - this.graceMs, budget, (workspaceId, bucket) => this.roll(workspaceId, bucket));
  }

  /** Rebuilds one workspace-period; false if another process claimed it first. */
  async roll(workspaceId: string, startMs: number): Promise<boolean> {
    const { state, source, target, lengthMs } = this.period;
    const from = new Date(startMs).toISOString();
    const to = new Date(startMs + lengthMs).toISOString();
    return this.db.transaction().execute(async (tx) => {
      if (!(await claimBucket(tx, state, workspaceId, startMs))) return false;
      // Two index range scans: the workspace level by dimension, per-link totals link by link.
      const rows = await sql<SourceRow>`
        select r.link_id, r.dimension, r.bot, r.value, r.clicks, r.visitors from ${sql.table(source)} r
        where r.workspace_id = ${workspaceId} and r.link_id = '' and r.dimension = any(${['', ...DIMENSIONS]}::text[])
          and r.bucket >= ${from}::timestamptz and r.bucket < ${to}::timestamptz
        union all
        select r.link_id, r.dimension, r.bot, r.value, r.clicks, r.visitors from ${sql.table(source)} r
        where r.workspace_id = ${workspaceId} and r.link_id = any(array(${linksWithRollups(workspaceId)})) and r.dimension = ''
          and r.bucket >= ${from}::timestamptz and r.bucket < ${to}::timestamptz`.execute(tx);
      const merged = merge(workspaceId, startMs, rows.rows);
      if (merged.length > 0) await writeRows(tx, target, workspaceId, startMs, merged);
      await this.rolled(tx, workspaceId, startMs);
      return true;
    });
  }

  /** Runs in the transaction that wrote a period's rows. */
  protected async rolled(_tx: Db, _workspaceId: string, _startMs: number): Promise<void> {}
}

/**
 * Daily rows of closed UTC days from their hourly rows (migration 0009), 5 minutes after the
 * day closed. Each roll marks the day's week stale (migration 0011), in its transaction, so
 * weekly rows are rebuilt from whatever the daily rows become.
 */
export class DailyRollups extends PeriodRollups {
  constructor(db: Db, graceMs = 5 * MINUTE_MS) {
    super(db, { state: 'click_day_rollups', source: 'click_rollups_hourly', target: 'click_rollups_daily', lengthMs: DAY_MS }, graceMs);
  }

  protected override async rolled(tx: Db, workspaceId: string, dayMs: number): Promise<void> {
    await markWeekStale(tx, workspaceId, utcWeekStart(dayMs));
  }
}

/**
 * Weekly rows of closed ISO weeks from their daily rows (migration 0011), 10 minutes after the
 * week closed: after the roll of its last day, which marks it stale again anyway. A week rolled
 * while one of its days is stale is rolled again once that day is (DailyRollups marks it).
 */
export class WeeklyRollups extends PeriodRollups {
  constructor(db: Db, graceMs = 10 * MINUTE_MS) {
    super(db, { state: 'click_week_rollups', source: 'click_rollups_daily', target: 'click_rollups_weekly', lengthMs: WEEK_MS }, graceMs);
  }
}

/** Marks a workspace's week stale, in the caller's transaction. */
async function markWeekStale(tx: Db, workspaceId: string, weekMs: number): Promise<void> {
  await sql`insert into click_week_rollups (workspace_id, bucket, stale)
    values (${workspaceId}, ${new Date(weekMs).toISOString()}::timestamptz, true)
    on conflict (workspace_id, bucket) do update set stale = true where not click_week_rollups.stale`.execute(tx);
}

function merge(workspaceId: string, startMs: number, source: readonly SourceRow[]): PeriodRow[] {
  const rows = new Map<string, PeriodRow>();
  for (const s of source) {
    const key = `${s.link_id}\u0000${s.dimension}\u0000${s.bot ? 1 : 0}\u0000${s.value}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = { workspaceId, linkId: s.link_id, dimension: s.dimension, bucket: startMs, bot: s.bot, value: s.value, clicks: 0, visitors: VisitorSketch.empty() };
      rows.set(key, row);
    }
    row.clicks += Number(s.clicks);
    row.visitors.mergeStored(s.visitors);
  }
  return [...rows.values()].sort(byRollupKey);
}

/**
 * Replaces the period's rows: values never disappear from the finer rows, so every row the
 * period had (written at ingest before 0009, or by an earlier roll) is among these keys.
 */
async function writeRows(tx: Db, target: Period['target'], workspaceId: string, startMs: number, rows: readonly PeriodRow[]): Promise<void> {
  const sketches = rows.map((r) => r.visitors.toBytes());
  const lengths = sketches.map((s) => s.length);
  const bytes = Buffer.concat(sketches);
  const text = (pick: (r: PeriodRow) => string) => textArray(rows.map(pick));
  await sql`
    insert into ${sql.table(target)} as r (workspace_id, link_id, dimension, bucket, bot, value, clicks, visitors)
    select ${workspaceId}, l, d, ${new Date(startMs).toISOString()}::timestamptz, bo, v, c, substring(${bytes}::bytea from o for n)
    from unnest(${text((r) => r.linkId)}::text[], ${text((r) => r.dimension)}::text[], ${boolArray(rows.map((r) => r.bot))}::bool[],
      ${text((r) => r.value)}::text[], ${numberArray(rows.map((r) => r.clicks))}::bigint[], ${numberArray(sketchOffsets(lengths))}::int[],
      ${numberArray(lengths)}::int[]) as t(l, d, bo, v, c, o, n)
    on conflict (workspace_id, link_id, dimension, bucket, bot, value) do update set clicks = excluded.clicks, visitors = excluded.visitors`
    .execute(tx);
}
