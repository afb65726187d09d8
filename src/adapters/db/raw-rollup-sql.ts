import { sql, type RawBuilder } from 'kysely';
import type { Dimension } from '../../core/analytics/dimensions.js';

/** Raw `clicks` column of each dimension. */
export const DIMENSION_COLUMNS: Readonly<Record<Dimension, string>> = {
  country: 'country', referrer: 'referrer', referrerHost: 'referrer_host', device: 'device', browser: 'browser', os: 'os',
  language: 'language', utmSource: 'utm_source', utmMedium: 'utm_medium', utmCampaign: 'utm_campaign',
};

/**
 * The HLL register of a raw click's visitor id, as SQL (same as VisitorSketch.register): the
 * first 64 bits of the id, index = top 12 bits, rank = 1 + leading zeros of the other 52
 * (53 when all are zero). `column` is a uuid expression.
 */
export function registerOf(column: RawBuilder<unknown>): { index: RawBuilder<number>; rank: RawBuilder<number> } {
  const bits = sql`('x' || substr(replace(${column}::text, '-', ''), 1, 16))::bit(64)`;
  return {
    index: sql<number>`substring(${bits} from 1 for 12)::integer`,
    rank: sql<number>`coalesce(nullif(position(B'1' in substring(${bits} from 13)), 0), 53)`,
  };
}

/**
 * A stored sketch (sparse format byte, then 3-byte entries) from per-register maxima, as an
 * aggregate over rows with `index` and `rank` columns: each register appears once per group
 * when the input was grouped by register first, so the value stays at most 12 KB.
 */
export function sketchAggregate(index: RawBuilder<unknown>, rank: RawBuilder<unknown>): RawBuilder<Uint8Array> {
  return sql<Uint8Array>`decode('01', 'hex') || string_agg(decode(lpad(to_hex(${index}), 4, '0') || lpad(to_hex(${rank}), 2, '0'), 'hex'), ''::bytea)`;
}
