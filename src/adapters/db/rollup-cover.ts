import type { Range } from '../../core/analytics/time-buckets.js';
import { DAY_MS as DAY, HOUR_MS as HOUR, WEEK_MS as WEEK, utcWeekStart } from '../../core/time-units.js';

/** The width of each table's buckets. */
export const BUCKET_MS = { weekly: WEEK, daily: DAY, hourly: HOUR } as const;

/**
 * Which rollup rows answer a set of hour-aligned buckets: weekly rows where whole rolled ISO
 * weeks fit, daily rows where whole UTC days fit, hourly rows for the rest.
 */
export interface RollupCover {
  weekly: Range[];
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
 * Seven such days that make up one of `rolledWeeks` (week starts whose weekly rows are complete)
 * are read as one weekly row instead, unless one of them is stale.
 */
export function coverBuckets(bounds: readonly number[], dailyFrom: number, staleDays: ReadonlySet<number> = NONE, rolledWeeks: ReadonlySet<number> = NONE): RollupCover {
  const cover: RollupCover = { weekly: [], daily: [], hourly: [] };
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
    for (let day = firstDay; day < lastDay;) {
      if (day === utcWeekStart(day) && day + WEEK <= lastDay && rolledWeeks.has(day) && !anyStale(staleDays, day)) {
        add(cover.weekly, day, day + WEEK);
        day += WEEK;
        continue;
      }
      add(staleDays.has(day) ? cover.hourly : cover.daily, day, day + DAY);
      day += DAY;
    }
    add(cover.hourly, lastDay, to);
  }
  return cover;
}

const NONE: ReadonlySet<number> = new Set();

function anyStale(staleDays: ReadonlySet<number>, week: number): boolean {
  for (let day = week; day < week + WEEK; day += DAY) if (staleDays.has(day)) return true;
  return false;
}

function add(ranges: Range[], from: number, to: number): void {
  if (from >= to) return;
  const last = ranges.at(-1);
  if (last && last.to === from) last.to = to;
  else ranges.push({ from, to });
}
