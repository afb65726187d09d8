import { invalid } from '../errors.js';
import { instantOf, offsetCursor, wallTime } from './time-zone.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time-units.js';

export type Interval = 'minute' | 'hour' | 'day' | 'week' | 'month';

/** Most buckets a time series may have: beyond this, a coarser interval says more. */
export const MAX_BUCKETS = 5000;

/** Longest length of each bucket (DST adds an hour): a range needing more than MAX_BUCKETS of these is refused before any is built. */
const LONGEST: Record<Interval, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS + HOUR_MS, week: 7 * DAY_MS + HOUR_MS, month: 31 * DAY_MS + HOUR_MS };

export interface Range { from: number; to: number }

/**
 * Where a time series reads from. Rollups are hourly (UTC), so they answer every bucket that
 * starts and ends on a whole UTC hour: hour, day, week and month buckets in any zone whose
 * offset is a whole number of hours, across DST changes too. Minute buckets, and buckets of
 * zones like Asia/Kolkata (+05:30), need the raw clicks, which retention may have pruned.
 */
export type SeriesSource = 'rollups' | 'raw';

export interface SeriesPlan {
  /** Start of each bucket in the zone: the labels of the series. */
  starts: number[];
  /** The zone's UTC offset at each start (ms), for the labels. */
  offsets: number[];
  /** starts.length + 1 ascending instants: bucket i counts [bounds[i], bounds[i + 1]), the buckets clipped to the range. */
  bounds: number[];
  source: SeriesSource;
}

/** The range rounded outward to `step`: `from` down, `to` up, so the hour in progress is counted. */
export function roundOut(range: Range, step: number): Range {
  return { from: Math.floor(range.from / step) * step, to: Math.ceil(range.to / step) * step };
}

/**
 * The buckets of `interval` in `zone` that cover the range, chronological and gap-free. The
 * range is taken at the resolution of what answers it: whole UTC hours from rollups, whole
 * minutes from raw clicks.
 */
export function planSeries(asked: Range, interval: Interval, zone: string): SeriesPlan {
  const range = roundOut(asked, MINUTE_MS);
  if ((range.to - range.from) / LONGEST[interval] > MAX_BUCKETS) throw tooMany(interval);
  const buckets = new Buckets(interval, zone);
  const starts: number[] = [];
  const offsets: number[] = [];
  const bounds: number[] = [range.from];
  for (let start = buckets.startOf(range.from); start < range.to;) {
    if (starts.length === MAX_BUCKETS) throw tooMany(interval);
    starts.push(start);
    offsets.push(buckets.offset(start));
    // Guard against a zero-length step in exotic half-hour DST zones (Australia/Lord_Howe).
    const next = Math.max(buckets.after(start), start + MINUTE_MS);
    bounds.push(Math.min(next, range.to));
    start = next;
  }
  if (interval === 'minute' || starts.some((s) => s % HOUR_MS !== 0)) return { starts, offsets, bounds, source: 'raw' };
  // Every bucket starts on a whole hour, so the range's edges may round out to hours and stay inside them.
  const hours = roundOut(asked, HOUR_MS);
  bounds[0] = hours.from;
  bounds[bounds.length - 1] = hours.to;
  return { starts, offsets, bounds, source: 'rollups' };
}

/** Bucket boundaries of one interval and zone, walked forward (offsets come from a cursor: few Intl calls). */
class Buckets {
  readonly offset: (instant: number) => number;

  constructor(private readonly interval: Interval, private readonly zone: string) {
    this.offset = offsetCursor(zone);
  }

  /** Start of the bucket holding `instant`. */
  startOf(instant: number): number {
    if (this.interval === 'minute' || this.interval === 'hour') {
      // Floor on the wall clock with the offset in force at the instant, so the repeated hour of
      // a fall-back night is a bucket of its own rather than merged with the first one.
      const step = this.interval === 'minute' ? MINUTE_MS : HOUR_MS;
      const wall = instant + this.offset(instant);
      return instant - (((wall % step) + step) % step);
    }
    const day = new Date(wallTime(instant, this.zone));
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()];
    const first = this.interval === 'day' ? Date.UTC(y, m, d)
      : this.interval === 'week' ? Date.UTC(y, m, d - ((day.getUTCDay() + 6) % 7)) // ISO weeks start on Monday
      : Date.UTC(y, m, 1);
    return instantOf(first, this.zone);
  }

  /** Start of the bucket after the one starting at `start`. */
  after(start: number): number {
    if (this.interval === 'minute') return this.startOf(start + MINUTE_MS);
    if (this.interval === 'hour') return this.startOf(start + HOUR_MS);
    // The start's wall date (a start in a DST gap is later than midnight, on the same date).
    const day = new Date(start + this.offset(start));
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()];
    const next = this.interval === 'day' ? Date.UTC(y, m, d + 1) : this.interval === 'week' ? Date.UTC(y, m, d + 7) : Date.UTC(y, m + 1, 1);
    // Usually the offset holds until the next start; if so that is the (earlier, in an overlap)
    // instant of its wall time. Otherwise a DST change lies between: ask Intl in full.
    const offset = this.offset(start);
    return this.offset(next - offset) === offset ? next - offset : instantOf(next, this.zone);
  }
}

function tooMany(interval: Interval) {
  return invalid([{ pointer: '/query/interval', detail: `gives more than ${MAX_BUCKETS} ${interval} buckets over this range; choose a coarser interval or a shorter range` }]);
}
