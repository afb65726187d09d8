import type { Range } from '../../core/analytics/time-buckets.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The width of each table's buckets. */
export const BUCKET_MS = { daily: DAY, hourly: HOUR } as const;

/** Which rollup rows answer a set of hour-aligned buckets: daily rows where whole UTC days fit, hourly rows for the rest. */
export interface RollupCover {
  daily: Range[];
  hourly: Range[];
}

/**
 * Splits each bucket [bounds[i], bounds[i + 1]) into the whole UTC days inside it that have
 * daily rows (from `dailyFrom` on: -Infinity for always, Infinity for never, e.g. per-link
 * dimension rows, which are hourly only; except `staleDays`, day starts whose daily rows are
 * not built yet) and the rest (hourly rows). Adjacent ranges are merged, so a 30-day range
 * becomes one daily range and at most a few hourly ones: ~30 rows per value instead of 720.
 * A row's bucket then tells which series bucket it belongs to, since no daily row straddles a bound.
 */
export function coverBuckets(bounds: readonly number[], dailyFrom: number, staleDays: ReadonlySet<number> = NONE): RollupCover {
  const cover: RollupCover = { daily: [], hourly: [] };
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i]!;
    const to = bounds[i + 1]!;
    if (from % HOUR !== 0 || to % HOUR !== 0) throw new Error(`rollups answer whole UTC hours only, got [${from}, ${to})`);
    const firstDay = Math.max(Math.ceil(from / DAY) * DAY, Math.ceil(dailyFrom / DAY) * DAY);
    const lastDay = Math.floor(to / DAY) * DAY;
    if (firstDay >= lastDay) {
      add(cover.hourly, from, to);
      continue;
    }
    add(cover.hourly, from, firstDay);
    for (let day = firstDay; day < lastDay; day += DAY) add(staleDays.has(day) ? cover.hourly : cover.daily, day, day + DAY);
    add(cover.hourly, lastDay, to);
  }
  return cover;
}

const NONE: ReadonlySet<number> = new Set();

function add(ranges: Range[], from: number, to: number): void {
  if (from >= to) return;
  const last = ranges.at(-1);
  if (last && last.to === from) last.to = to;
  else ranges.push({ from, to });
}
