/** Milliseconds per unit, for epoch-millisecond arithmetic (UTC buckets, retention, TTLs). */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** 1970-01-05, the first Monday of the epoch: ISO weeks start on Mondays. */
const FIRST_MONDAY_MS = 4 * DAY_MS;

/** The start (Monday 00:00 UTC) of the ISO week holding an instant. */
export function utcWeekStart(ms: number): number {
  return ms - ((((ms - FIRST_MONDAY_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS);
}
