import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * The state tables of the rollup passes: per workspace and bucket (an hour for LinkRollups, a
 * UTC day for DailyRollups, an ISO week for WeeklyRollups), stale until the pass has built the
 * bucket's rows. Ingest marks the hours and days it writes to (click-store.sql.ts); a day's
 * roll marks its week (period-rollups.sql.ts).
 */
export type RollupStateTable = 'click_link_rollups' | 'click_day_rollups' | 'click_week_rollups';

/** How much one run of a rollup pass may do: at most `limit` buckets, and no more once `budgetMs` of wall time has gone. */
export interface RollBudget {
  limit?: number;
  budgetMs?: number;
}

/**
 * Passes run every minute: by default each rolls for up to 30 s, so it keeps up with however
 * many workspaces are active as long as their rolls fit in half a minute of one connection
 * (a count alone, e.g. 24 buckets, fell behind for good past ~1,400 active workspaces).
 */
const DEFAULT_ROLL_BUDGET_MS = 30_000;
/** Stale buckets read at a time. */
const PAGE = 200;

/**
 * Rolls stale buckets that started at or before `startedBy` (epoch ms), oldest first, with
 * `roll` (false when another process claimed it first), within the budget; returns how many it
 * rolled. The budget is checked after each roll, so every run makes progress.
 */
export async function rollStale(db: Db, table: RollupStateTable, startedBy: number, budget: RollBudget,
  roll: (workspaceId: string, bucket: number) => Promise<boolean>): Promise<number> {
  const limit = budget.limit ?? Infinity;
  const until = performance.now() + (budget.budgetMs ?? DEFAULT_ROLL_BUDGET_MS);
  let rolled = 0;
  while (rolled < limit) {
    // Rolled buckets are no longer stale, so the next page starts after them.
    const page = await staleBuckets(db, table, startedBy, Math.min(PAGE, limit - rolled));
    if (page.length === 0) break;
    for (const due of page) {
      if (await roll(due.workspaceId, due.bucket)) rolled++;
      if (rolled >= limit || performance.now() >= until) return rolled;
    }
  }
  return rolled;
}

/** Stale buckets that started at or before `startedBy` (epoch ms), oldest first. */
async function staleBuckets(db: Db, table: RollupStateTable, startedBy: number, limit: number): Promise<{ workspaceId: string; bucket: number }[]> {
  const rows = await sql<{ workspace_id: string; bucket_ms: number }>`
    select workspace_id, (extract(epoch from bucket) * 1000)::bigint as bucket_ms from ${sql.table(table)}
    where stale and bucket <= ${new Date(startedBy).toISOString()}::timestamptz
    order by bucket limit ${limit}`.execute(db);
  return rows.rows.map((r) => ({ workspaceId: r.workspace_id, bucket: Number(r.bucket_ms) }));
}

/**
 * Marks a bucket rolled, in the transaction that writes its rows: false if it is not stale
 * (another process claimed it first). A late click that marks it stale again waits for this
 * transaction, so it is either in the rows or makes the next pass redo the bucket.
 */
export async function claimBucket(tx: Db, table: RollupStateTable, workspaceId: string, bucket: number): Promise<boolean> {
  const claimed = await sql`update ${sql.table(table)} set stale = false, rolled_at = now()
    where workspace_id = ${workspaceId} and bucket = ${new Date(bucket).toISOString()}::timestamptz and stale returning 1`.execute(tx);
  return claimed.rows.length > 0;
}
