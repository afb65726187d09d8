import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { ClickEvent } from '../../core/analytics/click.js';
import { boolArray, numberArray, textArray } from './array-literals.js';
import { sketchBytes, sketchOffsets, type RollupRow } from './rollup-rows.js';
import type { Database } from './schema.js';

/** The tables a bulk load of clicks writes (click-bulk-load.sql.ts). */
export const CLICK_TABLES = ['clicks', 'click_rollups_hourly', 'click_rollups_daily'] as const;
export type RollupTable = (typeof CLICK_TABLES)[1 | 2];
export interface DroppedIndex { drop: string; create: string }

/** Drops every index of the click tables (primary keys as constraints) and returns how to recreate each. */
export async function dropIndexes(tx: Transaction<Database>): Promise<DroppedIndex[]> {
  const rows = await sql<{ table: string; index: string; constraint: string | null; definition: string }>`
    select t.relname as table, i.relname as index, k.conname as constraint,
      coalesce(pg_get_constraintdef(k.oid), pg_get_indexdef(x.indexrelid)) as definition
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
    left join pg_constraint k on k.conindid = x.indexrelid and k.conrelid = x.indrelid
    where t.relname in (${sql.join([...CLICK_TABLES])}) and t.relnamespace = current_schema()::regnamespace
    order by t.relname, i.relname`.execute(tx);
  const dropped: DroppedIndex[] = rows.rows.map((r) => r.constraint
    ? { drop: `alter table ${ident(r.table)} drop constraint ${ident(r.constraint)}`, create: `alter table ${ident(r.table)} add constraint ${ident(r.constraint)} ${r.definition}` }
    // pg_get_indexdef says "ON ONLY" for a partitioned table's index; recreated without it, the index is built on every partition.
    : { drop: `drop index ${ident(r.index)}`, create: r.definition.replace(' ON ONLY ', ' ON ') });
  for (const index of dropped) await sql.raw(index.drop).execute(tx);
  return dropped;
}

/**
 * The events as one JSON parameter: JSON.stringify is native and several times cheaper in Node
 * than 19 array literals, and Node, not PostgreSQL, is what limits the load (profiled).
 */
export function insertRaw(events: readonly ClickEvent[]): RawBuilder<unknown> {
  return sql`
    insert into clicks (id, at, workspace_id, link_id, domain, referrer, referrer_host, country, device, browser, os,
      language, utm_source, utm_medium, utm_campaign, utm_term, utm_content, bot, visitor_id)
    select "id", "at", "workspaceId", "linkId", "domain", "referrer", "referrerHost", "country", "device", "browser", "os",
      "language", "utmSource", "utmMedium", "utmCampaign", "utmTerm", "utmContent", "bot", "visitorId"
    from json_to_recordset(${JSON.stringify(events)}::json) as t("id" uuid, "at" timestamptz, "workspaceId" text, "linkId" text,
      "domain" text, "referrer" text, "referrerHost" text, "country" text, "device" text, "browser" text, "os" text, "language" text,
      "utmSource" text, "utmMedium" text, "utmCampaign" text, "utmTerm" text, "utmContent" text, "bot" boolean, "visitorId" uuid)`;
}

/**
 * New rows only (the tables were empty), sketches already canonical (as compaction leaves them).
 * The sketches travel as one binary parameter, cut apart by offset and length in SQL.
 */
export function insertRollups(table: RollupTable, rows: readonly RollupRow[]): RawBuilder<unknown> {
  const text = (pick: (r: RollupRow) => string) => textArray(rows.map(pick));
  const { bytes, lengths } = sketchBytes(rows);
  const offsets = sketchOffsets(lengths);
  return sql`
    insert into ${sql.table(table)} (workspace_id, link_id, dimension, bucket, bot, value, clicks, visitors)
    select w, l, d, 'epoch'::timestamptz + b * interval '1 millisecond', bo, v, c, substring(${bytes}::bytea from o for n)
    from unnest(${text((r) => r.workspaceId)}::text[], ${text((r) => r.linkId)}::text[], ${text((r) => r.dimension)}::text[],
      ${numberArray(rows.map((r) => r.bucket))}::bigint[], ${boolArray(rows.map((r) => r.bot))}::bool[], ${text((r) => r.value)}::text[],
      ${numberArray(rows.map((r) => r.clicks))}::bigint[], ${numberArray(offsets)}::int[], ${numberArray(lengths)}::int[])
      as t(w, l, d, b, bo, v, c, o, n)`;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
