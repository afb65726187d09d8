import { DAY_MS, MINUTE_MS } from '../time-units.js';

/**
 * Wall-clock arithmetic in IANA time zones through Intl. The zone rules come from Node's ICU
 * data, so neither SQL engine's time zone database is involved (PGlite and PostgreSQL may ship
 * different ones) and the same names validate and compute the same way everywhere.
 *
 * A "wall time" here is a local date and time written as epoch milliseconds as if it were UTC
 * (Date.UTC(y, m, d, h, …)), so calendar steps are plain Date.UTC arithmetic.
 */

const DIGITS = /\d+/g;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's canonical name, or null when Intl does not know it. */
export function canonicalZone(name: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** One formatter per canonical zone (a few hundred at most), built on first use. */
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * The wall time of an instant in the zone. format() is ~3x faster than formatToParts(); en-US
 * numeric output is month, day, year, hour, minute, second in that order, whatever separators
 * an ICU version puts between them.
 */
export function wallTime(instant: number, zone: string): number {
  const [month, day, year, hour, minute, second] = formatter(zone).format(instant).match(DIGITS)!.map(Number) as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Wall time minus instant: +3,600,000 for Europe/Berlin in winter. Intl resolves seconds, so the instant is floored to one. */
export function offsetAt(instant: number, zone: string): number {
  const second = Math.floor(instant / 1000) * 1000;
  return wallTime(second, zone) - second;
}

/**
 * The first instant whose wall time is `wall`. In a fall-back overlap that is the earlier of
 * the two; in a spring-forward gap (the wall time never happens) it is the moment the clocks
 * jump, i.e. where a day or hour that "starts" in the gap really starts.
 */
export function instantOf(wall: number, zone: string): number {
  // Offsets on either side of any transition near `wall`: the instant lies within ±14 h of it,
  // and zones do not change offset twice within a day.
  const before = offsetAt(wall - DAY_MS, zone);
  const after = offsetAt(wall + DAY_MS, zone);
  let best = Number.POSITIVE_INFINITY;
  for (const offset of before === after ? [before] : [before, after]) {
    const instant = wall - offset;
    if (offsetAt(instant, zone) === offset && instant < best) best = instant;
  }
  if (best !== Number.POSITIVE_INFINITY) return best;
  // A gap: the jump happens in (wall - after, wall - before]; find it to the second.
  let low = wall - after;
  let high = wall - before;
  while (high - low > 1000) {
    const mid = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetAt(mid, zone) === before) low = mid;
    else high = mid;
  }
  return high;
}

/**
 * Offsets of instants asked in increasing order, with one or two Intl calls per day of range
 * instead of one per instant: zones change offset at most once a day, so equal offsets a day
 * apart mean none in between.
 */
export function offsetCursor(zone: string): (instant: number) => number {
  let from = 0;
  let to = -1;
  let offset = 0;
  return (instant) => {
    if (instant >= from && instant <= to) return offset;
    offset = offsetAt(instant, zone);
    from = instant;
    to = offsetAt(instant + DAY_MS, zone) === offset ? instant + DAY_MS : instant;
    return offset;
  };
}

/** ISO 8601 with the zone's offset at that instant: 2026-11-23T00:00:00+01:00. */
export function formatInZone(instant: number, offset: number): string {
  const local = new Date(instant + offset).toISOString().slice(0, 19);
  const minutes = Math.round(Math.abs(offset) / MINUTE_MS);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${local}${offset < 0 ? '-' : '+'}${hh}:${mm}`;
}
