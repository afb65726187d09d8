import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * The state tables of the rollup passes: per workspace and bucket (an hour for LinkRollups, a
 * UTC day for DailyRollups), stale until the pass has built the bucket's rows. Ingest marks
 * the buckets it writes to (click-store.sql.ts).
 */
export type RollupStateTable = 'click_link_rollups' | 'click_day_rollups';

/**
 * Rolls up to `limit` stale buckets that started at or before `startedBy` (epoch ms), oldest
 * first, with `roll` (false when another process claimed it first); returns how many it rolled.
 */
export async function rollStale(db: Db, table: RollupStateTable, startedBy: number, limit: number,
  roll: (workspaceId: string, bucket: number) => Promise<boolean>): Promise<number> {
  let rolled = 0;
  for (const due of await staleBuckets(db, table, startedBy, limit)) if (await roll(due.workspaceId, due.bucket)) rolled++;
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
