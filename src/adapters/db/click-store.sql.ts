import { sql, type Transaction } from 'kysely';
import type { ClickEvent } from '../../core/analytics/click.js';
import { VisitorSketch } from '../../core/analytics/hll.js';
import type { ClickStore } from '../../core/analytics/ports.js';
import type { Database } from './schema.js';
import type { Db } from './database.js';
import { ClickPartitions } from './click-partitions.sql.js';
import { boolArray, numberArray, textArray } from './array-literals.js';
import { newRollupRows, sketchBytes, type RollupRow } from './rollup-rows.js';
import { DAY_MS, HOUR_MS } from '../../core/time-units.js';

/** A stored sketch past this size (appended entries piling up) is rewritten in canonical form. */
const COMPACT_BYTES = 8192;

type RollupTable = 'click_rollups_hourly' | 'click_rollups_daily';

/**
 * Click ingest on PostgreSQL/PGlite. One transaction per batch:
 *  1. raw rows, `ON CONFLICT (id, at) DO NOTHING`, so only new events count;
 *  2. rollups of the new events, aggregated in memory first: counts are added in SQL, and
 *     visitor sketches are appended in SQL without being read (see hll.ts), except rows
 *     that grew past COMPACT_BYTES, which are read, merged and rewritten;
 *  3. the hours written are marked for LinkRollups (per-link dimension rows);
 *  4. links.clicks, the per-link counter that maxClicks is enforced from.
 * Rows are written in key order so concurrent ingest processes cannot deadlock.
 */
export class SqlClickStore implements ClickStore {
  private readonly partitions: ClickPartitions;

  constructor(private readonly db: Db) {
    this.partitions = new ClickPartitions(db);
  }

  async ingest(events: ClickEvent[]): Promise<ClickEvent[]> {
    if (events.length === 0) return [];
    await this.partitions.ensureFor(events.map((e) => e.at.getTime()));
    return this.db.transaction().execute(async (tx) => {
      const known = await insertRaw(tx, events);
      const stored = known.size === 0 ? events : events.filter((e) => !known.has(e.id));
      if (stored.length === 0) return [];
      const { hourly, daily } = aggregate(stored);
      await upsertRollups(tx, 'click_rollups_hourly', hourly);
      await upsertRollups(tx, 'click_rollups_daily', daily);
      await markHoursToRoll(tx, stored);
      await addLinkClicks(tx, stored);
      return stored;
    });
  }
}

/**
 * Raw rows from column arrays, their literals built directly (array-literals.ts: node-postgres'
 * generic serialisation cost ~10 µs per click; a JSON parameter is cheaper in Node but costs
 * PostgreSQL more than that saves). Returns the ids that were already stored: normally none,
 * so nothing comes back to parse (RETURNING every id cost ~1 µs per click in Node).
 */
async function insertRaw(tx: Transaction<Database>, events: readonly ClickEvent[]): Promise<Set<string>> {
  const text = (pick: (e: ClickEvent) => string | null) => textArray(events.map(pick));
  const result = await sql<{ id: string }>`
    with batch as materialized (
      select * from unnest(${text((e) => e.id)}::uuid[], ${numberArray(events.map((e) => e.at.getTime()))}::bigint[],
        ${text((e) => e.workspaceId)}::text[], ${text((e) => e.linkId)}::text[], ${text((e) => e.domain)}::text[],
        ${text((e) => e.referrer)}::text[], ${text((e) => e.referrerHost)}::text[], ${text((e) => e.country)}::text[],
        ${text((e) => e.device)}::text[], ${text((e) => e.browser)}::text[], ${text((e) => e.os)}::text[],
        ${text((e) => e.language)}::text[], ${text((e) => e.utmSource)}::text[], ${text((e) => e.utmMedium)}::text[],
        ${text((e) => e.utmCampaign)}::text[], ${text((e) => e.utmTerm)}::text[], ${text((e) => e.utmContent)}::text[],
        ${boolArray(events.map((e) => e.bot))}::bool[], ${text((e) => e.visitorId)}::uuid[])
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
 * Rollup rows touched by the batch. Hourly: workspace level, totals and every dimension, and
 * per-link totals. Daily: the same (long-range breakdowns, top links over a month).
 * Per-link dimension rows are built later, per closed hour, by LinkRollups.
 */
function aggregate(events: readonly ClickEvent[]): { hourly: RollupRow[]; daily: RollupRow[] } {
  const hourly = newRollupRows();
  const daily = newRollupRows();
  for (const e of events) {
    const register = VisitorSketch.register(e.visitorId);
    const ms = e.at.getTime();
    const hour = ms - (ms % HOUR_MS);
    hourly.add(e, '', hour, register, true);
    // Per-link dimension rows come from LinkRollups once the hour is closed (see 0003).
    hourly.add(e, e.linkId, hour, register, false);
    const day = ms - (ms % DAY_MS);
    daily.add(e, '', day, register, true);
    daily.add(e, e.linkId, day, register, false);
  }
  // In primary-key order, so that concurrent ingest transactions lock rows in the same order.
  return { hourly: hourly.take().sort(byKey), daily: daily.take().sort(byKey) };
}

/** The table's key order (text columns compare byte-wise under COLLATE "C" where it matters; any fixed order avoids deadlocks). */
function byKey(a: RollupRow, b: RollupRow): number {
  return cmp(a.workspaceId, b.workspaceId) || cmp(a.linkId, b.linkId) || cmp(a.dimension, b.dimension)
    || a.bucket - b.bucket || Number(a.bot) - Number(b.bot) || cmp(a.value, b.value);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A new row stores the batch's sketch; an existing one gets the batch's entries appended (no
 * read). The sketches travel as one binary parameter, cut apart by offset and length in SQL.
 */
async function upsertRollups(tx: Transaction<Database>, table: RollupTable, rows: readonly RollupRow[]): Promise<void> {
  if (rows.length === 0) return;
  const text = (pick: (r: RollupRow) => string) => textArray(rows.map(pick));
  const { bytes, lengths } = sketchBytes(rows, 'appendable');
  const offsets = new Array<number>(lengths.length);
  for (let i = 0, at = 1; i < lengths.length; at += lengths[i]!, i++) offsets[i] = at;
  const grown = await sql<{ workspace_id: string; link_id: string; dimension: string; bucket_ms: number; bot: boolean; value: string }>`
    with up as (
      insert into ${sql.table(table)} as r (workspace_id, link_id, dimension, bucket, bot, value, clicks, visitors)
      select w, l, d, 'epoch'::timestamptz + b * interval '1 millisecond', bo, v, c, substring(${bytes}::bytea from o for n)
      from unnest(${text((r) => r.workspaceId)}::text[], ${text((r) => r.linkId)}::text[], ${text((r) => r.dimension)}::text[],
        ${numberArray(rows.map((r) => r.bucket))}::bigint[], ${boolArray(rows.map((r) => r.bot))}::bool[], ${text((r) => r.value)}::text[],
        ${numberArray(rows.map((r) => r.clicks))}::bigint[], ${numberArray(offsets)}::int[], ${numberArray(lengths)}::int[])
        as t(w, l, d, b, bo, v, c, o, n)
      on conflict (workspace_id, link_id, dimension, bucket, bot, value) do update
        set clicks = r.clicks + excluded.clicks, visitors = r.visitors || substring(excluded.visitors from 2)
      returning workspace_id, link_id, dimension, bucket, bot, value, length(visitors) as size
    )
    select workspace_id, link_id, dimension, (extract(epoch from bucket) * 1000)::bigint as bucket_ms, bot, value
    from up where size > ${COMPACT_BYTES}`.execute(tx);
  if (grown.rows.length > 0) await compact(tx, table, grown.rows);
}

/** Rewrites grown rows' sketches in canonical form (dense past ~1365 visitors: 4,097 bytes). */
async function compact(tx: Transaction<Database>, table: RollupTable,
  keys: { workspace_id: string; link_id: string; dimension: string; bucket_ms: number; bot: boolean; value: string }[]): Promise<void> {
  const col = <T>(pick: (k: (typeof keys)[number]) => T): T[] => keys.map(pick);
  const rows = await sql<{ n: number; visitors: Uint8Array }>`
    select t.n, r.visitors from ${sql.table(table)} r
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
    update ${sql.table(table)} r set visitors = decode(c.x, 'hex')
    from unnest(${col((k) => k.workspace_id)}::text[], ${col((k) => k.link_id)}::text[], ${col((k) => k.dimension)}::text[],
      ${col((k) => k.bucket_ms)}::bigint[], ${col((k) => k.bot)}::bool[], ${col((k) => k.value)}::text[])
      with ordinality as t(w, l, d, b, bo, v, n)
    join unnest(${canonical.map((c) => c.n)}::bigint[], ${canonical.map((c) => c.visitors)}::text[]) as c(n, x) on c.n = t.n
    where r.workspace_id = t.w and r.link_id = t.l and r.dimension = t.d
      and r.bucket = 'epoch'::timestamptz + t.b * interval '1 millisecond' and r.bot = t.bo and r.value = t.v`.execute(tx);
}

/**
 * The hours this batch wrote to need their per-link dimension rows (re)built: a late click in
 * an hour already rolled makes it stale again. Same transaction, so the pass never misses one.
 */
async function markHoursToRoll(tx: Transaction<Database>, events: readonly ClickEvent[]): Promise<void> {
  const hours = new Map<string, { workspaceId: string; hour: number }>();
  for (const e of events) {
    const ms = e.at.getTime();
    const hour = ms - (ms % HOUR_MS);
    hours.set(`${e.workspaceId}\u0000${hour}`, { workspaceId: e.workspaceId, hour });
  }
  const keys = [...hours.keys()].sort().map((k) => hours.get(k)!);
  await sql`insert into click_link_rollups (workspace_id, bucket, stale)
    select w, 'epoch'::timestamptz + b * interval '1 millisecond', true
    from unnest(${keys.map((k) => k.workspaceId)}::text[], ${keys.map((k) => k.hour)}::bigint[]) as t(w, b)
    on conflict (workspace_id, bucket) do update set stale = true where not click_link_rollups.stale`.execute(tx);
}

async function addLinkClicks(tx: Transaction<Database>, events: readonly ClickEvent[]): Promise<void> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.linkId, (counts.get(e.linkId) ?? 0) + 1);
  const ids = [...counts.keys()].sort();
  await sql`update links set clicks = links.clicks + c.n
    from unnest(${ids}::text[], ${ids.map((id) => counts.get(id)!)}::bigint[]) as c(id, n)
    where links.id = c.id`.execute(tx);
}
