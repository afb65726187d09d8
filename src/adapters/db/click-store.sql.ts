import { sql, type Transaction } from 'kysely';
import type { ClickEvent } from '../../core/analytics/click.js';
import { VisitorSketch } from '../../core/analytics/hll.js';
import type { ClickStore, PreparedClicks } from '../../core/analytics/ports.js';
import type { Database } from './schema.js';
import type { Db } from './database.js';
import { RAW_COPY_COLUMNS, prepareClicks, rawColumns, type RawColumns, type SqlPreparedClicks } from './click-batch.js';
import { copyRows } from './copy-from.js';
import { isUniqueViolation } from './errors.js';
import { ClickPartitions } from './click-partitions.sql.js';

/** A stored sketch past this size (appended entries piling up) is rewritten in canonical form. */
const COMPACT_BYTES = 8192;

/**
 * Click ingest on PostgreSQL/PGlite. A batch's parameters are worked out first (click-batch.ts,
 * assuming every event is new), then one transaction writes, in two statements:
 *  1. raw rows by COPY;
 *  2. the rest at once (writable CTEs):
 *     - hourly rollups of the events, aggregated in memory first: counts are added in SQL, and
 *       visitor sketches are appended in SQL without being read (see hll.ts); rows that grew
 *       past COMPACT_BYTES come back, and are then read, merged and rewritten;
 *     - the hours written are marked for LinkRollups (per-link dimension rows), the days for
 *       DailyRollups (daily rows, built from the hourly ones once the day is closed);
 *     - links.clicks, the per-link counter that maxClicks is enforced from.
 * If the COPY finds an event stored before (a redelivered batch), the transaction is rolled
 * back and the batch written again through an INSERT that skips such events and names them;
 * the rest of the batch is prepared again without them.
 * Few statements because a statement's round trip waits for the event loop, which is busy
 * preparing the next batch meanwhile: with ten per batch (savepoints, one statement per table),
 * writing took twice the database's own time. Rows are written in key order so concurrent
 * ingest processes cannot deadlock.
 */
export class SqlClickStore implements ClickStore {
  private readonly partitions: ClickPartitions;

  constructor(private readonly db: Db) {
    this.partitions = new ClickPartitions(db);
  }

  prepare(events: readonly ClickEvent[]): Promise<SqlPreparedClicks> {
    return prepareClicks(events, true);
  }

  /** prepare without yielding, then write: for callers with one batch (seeding tools, tests). */
  async ingest(events: readonly ClickEvent[]): Promise<ClickEvent[]> {
    return this.write(await prepareClicks(events, false));
  }

  async write(prepared: PreparedClicks): Promise<ClickEvent[]> {
    const batch = prepared as SqlPreparedClicks;
    if (batch.events.length === 0) return [];
    await this.partitions.ensureFor(batch.days.buckets);
    try {
      return await this.db.transaction().execute(async (tx) => {
        try {
          await copyRows(tx, 'clicks', RAW_COPY_COLUMNS, batch.raw);
        } catch (error) {
          throw isUniqueViolation(error) ? new StoredBefore() : error;
        }
        await writeCounts(tx, batch);
        return [...batch.events];
      });
    } catch (error) {
      if (!(error instanceof StoredBefore)) throw error;
    }
    return this.db.transaction().execute(async (tx) => {
      const known = await insertRaw(tx, rawColumns(batch.events));
      const rest = known.size === 0 ? batch : await prepareClicks(batch.events.filter((e) => !known.has(e.id)), false);
      if (rest.events.length === 0) return [];
      await writeCounts(tx, rest);
      return [...rest.events];
    });
  }
}

/** The batch's COPY met an event stored before: the batch is redelivered, at least in part. */
class StoredBefore extends Error {}

/**
 * Raw rows from column arrays (array-literals.ts: node-postgres' generic serialisation cost
 * ~10 µs per click; a JSON parameter is cheaper in Node but costs PostgreSQL more than that
 * saves). Returns the ids that were already stored: normally none, so nothing comes back to
 * parse (RETURNING every id cost ~1 µs per click in Node).
 */
async function insertRaw(tx: Transaction<Database>, c: RawColumns): Promise<Set<string>> {
  const result = await sql<{ id: string }>`
    with batch as materialized (
      select * from unnest(${c.id}::uuid[], ${c.ms}::bigint[], ${c.workspaceId}::text[], ${c.linkId}::text[],
        ${c.domain}::text[], ${c.referrer}::text[], ${c.referrerHost}::text[], ${c.country}::text[], ${c.device}::text[],
        ${c.browser}::text[], ${c.os}::text[], ${c.language}::text[], ${c.utmSource}::text[], ${c.utmMedium}::text[],
        ${c.utmCampaign}::text[], ${c.utmTerm}::text[], ${c.utmContent}::text[], ${c.bot}::bool[], ${c.visitorId}::uuid[])
        as t(id, ms, workspace_id, link_id, domain, referrer, referrer_host, country, device, browser, os, language,
          utm_source, utm_medium, utm_campaign, utm_term, utm_content, bot, visitor_id)
    ), added as (
      insert into clicks (id, at, workspace_id, link_id, domain, referrer, referrer_host, country, device, browser, os,
        language, utm_source, utm_medium, utm_campaign, utm_term, utm_content, bot, visitor_id)
      select id, 'epoch'::timestamptz + ms * interval '1 millisecond', workspace_id, link_id, domain, referrer, referrer_host,
        country, device, browser, os, language, utm_source, utm_medium, utm_campaign, utm_term, utm_content, bot, visitor_id
      from batch
      on conflict (id, at) do nothing
      returning id
    )
    select id from batch where id not in (select id from added)`.execute(tx);
  return new Set(result.rows.map((r) => r.id));
}

/**
 * Rollups, the hours and days to roll, and link counters, in one statement. A new rollup row
 * stores the batch's sketch; an existing one gets the batch's entries appended (no read). The
 * sketches travel as one binary parameter, cut apart by offset and length in SQL. The hours
 * and days written need their per-link dimension rows and daily rows (re)built: a late click
 * in an hour or a day already rolled makes it stale again; same transaction, so the passes
 * never miss one.
 */
async function writeCounts(tx: Transaction<Database>, batch: SqlPreparedClicks): Promise<void> {
  const { hourly: c, hours, days, links } = batch;
  const grown = await sql<{ workspace_id: string; link_id: string; dimension: string; bucket_ms: number; bot: boolean; value: string }>`
    with up as (
      insert into click_rollups_hourly as r (workspace_id, link_id, dimension, bucket, bot, value, clicks, visitors)
      select w, l, d, 'epoch'::timestamptz + b * interval '1 millisecond', bo, v, c, substring(${c.sketches}::bytea from o for n)
      from unnest(${c.workspaceId}::text[], ${c.linkId}::text[], ${c.dimension}::text[], ${c.bucket}::bigint[], ${c.bot}::bool[],
        ${c.value}::text[], ${c.clicks}::bigint[], ${c.offsets}::int[], ${c.lengths}::int[]) as t(w, l, d, b, bo, v, c, o, n)
      on conflict (workspace_id, link_id, dimension, bucket, bot, value) do update
        set clicks = r.clicks + excluded.clicks, visitors = r.visitors || substring(excluded.visitors from 2)
      returning workspace_id, link_id, dimension, bucket, bot, value, length(visitors) as size
    ), hours as (
      insert into click_link_rollups (workspace_id, bucket, stale)
      select w, 'epoch'::timestamptz + b * interval '1 millisecond', true
      from unnest(${hours.workspaceIds}::text[], ${hours.buckets}::bigint[]) as t(w, b)
      on conflict (workspace_id, bucket) do update set stale = true where not click_link_rollups.stale
    ), days as (
      insert into click_day_rollups (workspace_id, bucket, stale)
      select w, 'epoch'::timestamptz + b * interval '1 millisecond', true
      from unnest(${days.workspaceIds}::text[], ${days.buckets}::bigint[]) as t(w, b)
      on conflict (workspace_id, bucket) do update set stale = true where not click_day_rollups.stale
    ), counted as (
      update links set clicks = links.clicks + c.n
      from unnest(${links.ids}::text[], ${links.clicks}::bigint[]) as c(id, n)
      where links.id = c.id
    )
    select workspace_id, link_id, dimension, (extract(epoch from bucket) * 1000)::bigint as bucket_ms, bot, value
    from up where size > ${COMPACT_BYTES}`.execute(tx);
  if (grown.rows.length > 0) await compact(tx, grown.rows);
}

/** Rewrites grown rows' sketches in canonical form (dense past ~1365 visitors: 4,097 bytes). */
async function compact(tx: Transaction<Database>,
  keys: { workspace_id: string; link_id: string; dimension: string; bucket_ms: number; bot: boolean; value: string }[]): Promise<void> {
  const col = <T>(pick: (k: (typeof keys)[number]) => T): T[] => keys.map(pick);
  const rows = await sql<{ n: number; visitors: Uint8Array }>`
    select t.n, r.visitors from click_rollups_hourly r
    join unnest(${col((k) => k.workspace_id)}::text[], ${col((k) => k.link_id)}::text[], ${col((k) => k.dimension)}::text[],
      ${col((k) => k.bucket_ms)}::bigint[], ${col((k) => k.bot)}::bool[], ${col((k) => k.value)}::text[])
      with ordinality as t(w, l, d, b, bo, v, n)
      on r.workspace_id = t.w and r.link_id = t.l and r.dimension = t.d
        and r.bucket = 'epoch'::timestamptz + t.b * interval '1 millisecond' and r.bot = t.bo and r.value = t.v`.execute(tx);
  const canonical = rows.rows.map((row) => {
    const sketch = VisitorSketch.empty();
    sketch.mergeStored(row.visitors);
    return { n: Number(row.n), visitors: Buffer.from(sketch.toBytes()).toString('hex') };
  });
  await sql`
    update click_rollups_hourly r set visitors = decode(c.x, 'hex')
    from unnest(${col((k) => k.workspace_id)}::text[], ${col((k) => k.link_id)}::text[], ${col((k) => k.dimension)}::text[],
      ${col((k) => k.bucket_ms)}::bigint[], ${col((k) => k.bot)}::bool[], ${col((k) => k.value)}::text[])
      with ordinality as t(w, l, d, b, bo, v, n)
    join unnest(${canonical.map((c) => c.n)}::bigint[], ${canonical.map((c) => c.visitors)}::text[]) as c(n, x) on c.n = t.n
    where r.workspace_id = t.w and r.link_id = t.l and r.dimension = t.d
      and r.bucket = 'epoch'::timestamptz + t.b * interval '1 millisecond' and r.bot = t.bo and r.value = t.v`.execute(tx);
}
