import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ClickEvent } from '../../core/analytics/click.js';
import type { PreparedClicks } from '../../core/analytics/ports.js';
import { VisitorSketch } from '../../core/analytics/hll.js';
import { boolArray, numberArray, textArray } from './array-literals.js';
import { CopyData } from './copy-from.js';
import { byRollupKey, cmp } from './rollup-groups.js';
import { newRollupRows, sketchBytes, sketchOffsets, type RollupRow } from './rollup-rows.js';
import { DAY_MS, HOUR_MS } from '../../core/time-units.js';

/**
 * Clicks worked on between two looks at the event loop while a batch is prepared: ~1-2 ms of
 * CPU, so that the statements and COPY data of the batch being written meanwhile are sent on
 * promptly (each of its round trips waits for such a look).
 */
const SLICE = 250;

/** The raw rows' columns as array literals, in the order of the insert's unnest. */
export interface RawColumns {
  id: string; ms: string; workspaceId: string; linkId: string; domain: string; referrer: string; referrerHost: string;
  country: string; device: string; browser: string; os: string; language: string; utmSource: string; utmMedium: string;
  utmCampaign: string; utmTerm: string; utmContent: string; bot: string; visitorId: string;
}

/** One rollup table's rows as array literals, and their sketches as one buffer cut by offset and length. */
export interface RollupColumns {
  count: number;
  workspaceId: string; linkId: string; dimension: string; bucket: string; bot: string; value: string; clicks: string;
  sketches: Buffer; offsets: string; lengths: string;
}

/** Workspaces and bucket starts (epoch ms), pairwise. */
export interface BucketKeys {
  workspaceIds: string[];
  buckets: number[];
}

/** Everything SqlClickStore writes for a batch, worked out before its transaction. */
export interface SqlPreparedClicks extends PreparedClicks {
  /** The raw rows as COPY data (RAW_COPY_COLUMNS). */
  raw: Buffer;
  hourly: RollupColumns;
  /** (workspace, hour) pairs whose per-link dimension rows must be (re)built, in key order. */
  hours: BucketKeys;
  /** (workspace, UTC day) pairs whose daily rows must be (re)built, in key order. */
  days: BucketKeys;
  /** Clicks per link, in id order. */
  links: { ids: string[]; clicks: number[] };
}

/**
 * The batch's statement parameters: raw columns, hourly rollup rows (workspace level, totals
 * and every dimension, and per-link totals) with their sketches, the hours and days to roll
 * and the link counters. Per-link dimension rows are built later, per closed hour, by
 * LinkRollups, and daily rows per closed day by DailyRollups. With `yielding`, the event loop
 * gets a look every SLICE clicks and between encodings (a 20,000-click batch is ~0.3 s of CPU).
 */
export async function prepareClicks(events: readonly ClickEvent[], yielding: boolean): Promise<SqlPreparedClicks> {
  const pause = yielding ? () => nextTurn() : () => undefined;
  const hourly = newRollupRows();
  const hours = new BucketSet();
  const days = new BucketSet();
  const links = new Map<string, number>();
  const raw = new CopyData(events.length * RAW_ROW_BYTES);
  for (let start = 0; start < events.length; start += SLICE) {
    const end = Math.min(events.length, start + SLICE);
    for (let i = start; i < end; i++) {
      const e = events[i]!;
      rawCopyRow(raw, e);
      const register = VisitorSketch.register(e.visitorId);
      const ms = e.at.getTime();
      const hour = ms - (ms % HOUR_MS);
      hourly.add(e, '', hour, register, true);
      hourly.add(e, e.linkId, hour, register, false);
      hours.add(e.workspaceId, hour);
      days.add(e.workspaceId, ms - (ms % DAY_MS));
      links.set(e.linkId, (links.get(e.linkId) ?? 0) + 1);
    }
    await pause();
  }
  // In primary-key order, so that concurrent ingest transactions lock rows in the same order.
  const hourlyColumns = await rollupColumns(hourly.take().sort(byRollupKey), pause);
  const linkIds = [...links.keys()].sort();
  return {
    events, raw: raw.bytes(), hourly: hourlyColumns, hours: hours.keys(), days: days.keys(),
    links: { ids: linkIds, clicks: linkIds.map((id) => links.get(id)!) },
  };
}

/** Distinct (workspace, bucket) pairs; a batch has a handful (a few workspaces, one or two hours). */
class BucketSet {
  private readonly byWorkspace = new Map<string, Set<number>>();

  add(workspaceId: string, bucket: number): void {
    let buckets = this.byWorkspace.get(workspaceId);
    if (buckets === undefined) this.byWorkspace.set(workspaceId, (buckets = new Set()));
    buckets.add(bucket);
  }

  /** In key order (workspace, then bucket), so that concurrent transactions lock them in the same order. */
  keys(): BucketKeys {
    const out: BucketKeys = { workspaceIds: [], buckets: [] };
    for (const workspaceId of [...this.byWorkspace.keys()].sort(cmp)) {
      for (const bucket of [...this.byWorkspace.get(workspaceId)!].sort((a, b) => a - b)) {
        out.workspaceIds.push(workspaceId);
        out.buckets.push(bucket);
      }
    }
    return out;
  }
}

/** The raw clicks table's columns, in the order of rawCopyData's fields. */
export const RAW_COPY_COLUMNS = [
  'id', 'at', 'workspace_id', 'link_id', 'domain', 'referrer', 'referrer_host', 'country', 'device', 'browser', 'os',
  'language', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'bot', 'visitor_id',
] as const;

/** A raw row's usual size in COPY's text format, one line per click (the buffer grows past it if need be). */
const RAW_ROW_BYTES = 320;

/** One click's raw row, in RAW_COPY_COLUMNS order. */
function rawCopyRow(data: CopyData, e: ClickEvent): void {
  data.field(e.id);
  data.field(e.at.toISOString());
  data.field(e.workspaceId);
  data.field(e.linkId);
  data.field(e.domain);
  data.field(e.referrer);
  data.field(e.referrerHost);
  data.field(e.country);
  data.field(e.device);
  data.field(e.browser);
  data.field(e.os);
  data.field(e.language);
  data.field(e.utmSource);
  data.field(e.utmMedium);
  data.field(e.utmCampaign);
  data.field(e.utmTerm);
  data.field(e.utmContent);
  data.field(e.bot ? 't' : 'f');
  data.field(e.visitorId);
  data.endRow();
}

/** The raw rows as array literals, for the INSERT that skips events already stored. */
export function rawColumns(events: readonly ClickEvent[]): RawColumns {
  const text = (pick: (e: ClickEvent) => string | null) => textArray(events.map(pick));
  return {
    id: text((e) => e.id), ms: numberArray(events.map((e) => e.at.getTime())), workspaceId: text((e) => e.workspaceId),
    linkId: text((e) => e.linkId), domain: text((e) => e.domain), referrer: text((e) => e.referrer),
    referrerHost: text((e) => e.referrerHost), country: text((e) => e.country), device: text((e) => e.device),
    browser: text((e) => e.browser), os: text((e) => e.os), language: text((e) => e.language),
    utmSource: text((e) => e.utmSource), utmMedium: text((e) => e.utmMedium), utmCampaign: text((e) => e.utmCampaign),
    utmTerm: text((e) => e.utmTerm), utmContent: text((e) => e.utmContent), bot: boolArray(events.map((e) => e.bot)),
    visitorId: text((e) => e.visitorId),
  };
}

/** Sketches always sparse ('appendable'): a new row stores them, an existing one appends what follows the format byte. */
async function rollupColumns(rows: readonly RollupRow[], pause: () => Promise<void> | undefined): Promise<RollupColumns> {
  const text = (pick: (r: RollupRow) => string) => textArray(rows.map(pick));
  const { bytes, lengths } = sketchBytes(rows, 'appendable');
  await pause();
  const ids = { workspaceId: text((r) => r.workspaceId), linkId: text((r) => r.linkId), dimension: text((r) => r.dimension) };
  await pause();
  return {
    count: rows.length, ...ids,
    bucket: numberArray(rows.map((r) => r.bucket)), bot: boolArray(rows.map((r) => r.bot)), value: text((r) => r.value),
    clicks: numberArray(rows.map((r) => r.clicks)), sketches: bytes, offsets: numberArray(sketchOffsets(lengths)), lengths: numberArray(lengths),
  };
}
