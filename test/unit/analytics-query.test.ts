import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coverBuckets } from '../../src/adapters/db/rollup-cover.js';
import { utcWeekStart } from '../../src/core/time-units.js';
import { parseAnalyticsQuery } from '../../src/core/analytics/analytics-query.js';
import { MAX_BUCKETS, planSeries } from '../../src/core/analytics/time-buckets.js';
import { canonicalZone, formatInZone, instantOf, offsetAt } from '../../src/core/analytics/time-zone.js';
import { DomainError } from '../../src/core/errors.js';

const NOW = new Date('2026-11-24T12:34:56Z');
const at = (iso: string) => Date.parse(iso);
const utc = (list: readonly number[]) => list.map((ms) => new Date(ms).toISOString());

function pointers(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof DomainError && error.code === 'validation-failed');
    return error.fieldErrors.map((e) => e.pointer);
  }
  assert.fail('expected a validation error');
}

describe('parseAnalyticsQuery', () => {
  it('fills the defaults: clicks, day, UTC, bots excluded, 10 keys, the last 30 days', () => {
    const q = parseAnalyticsQuery({ groupBy: 'time' }, NOW);
    assert.deepEqual(q, {
      groupBy: 'time', metric: 'clicks', interval: 'day', timezone: 'UTC', bots: 'exclude', limit: 10,
      range: { from: NOW.getTime() - 30 * 86_400_000, to: NOW.getTime() }, link: undefined, domain: undefined, tag: undefined,
    });
  });

  it('reads local dates in the time zone, instants with their offset', () => {
    const q = parseAnalyticsQuery({ groupBy: 'country', timezone: 'europe/berlin', from: '2026-11-23', to: '2026-11-23T10:30' }, NOW);
    assert.equal(q.timezone, 'Europe/Berlin');
    assert.deepEqual(utc([q.range.from, q.range.to]), ['2026-11-22T23:00:00.000Z', '2026-11-23T09:30:00.000Z']);
    const r = parseAnalyticsQuery({ groupBy: 'country', timezone: 'Europe/Berlin', from: '2026-11-23T00:00:00-05:00', to: '2026-11-24T00:00:00Z' }, NOW);
    assert.deepEqual(utc([r.range.from, r.range.to]), ['2026-11-23T05:00:00.000Z', '2026-11-24T00:00:00.000Z']);
  });

  it('reports every bad field at once', () => {
    assert.deepEqual(pointers(() => parseAnalyticsQuery({ groupBy: 'city', metric: 'x', interval: 'x', bots: 'x', timezone: 'Nowhere/Land', limit: 0, from: 'soon', to: '2026-13-01' }, NOW)),
      ['/query/groupBy', '/query/metric', '/query/interval', '/query/bots', '/query/timezone', '/query/limit', '/query/to', '/query/from']);
    assert.deepEqual(pointers(() => parseAnalyticsQuery({}, NOW)), ['/query/groupBy']);
    assert.deepEqual(pointers(() => parseAnalyticsQuery({ groupBy: 'time', from: '2026-11-24', to: '2026-11-24' }, NOW)), ['/query/from']);
    assert.deepEqual(pointers(() => parseAnalyticsQuery({ groupBy: 'time', from: '1969-12-31' }, NOW)), ['/query/from']);
    assert.deepEqual(pointers(() => parseAnalyticsQuery({ groupBy: 'time', interval: 'minute', from: '2026-11-22T12:00:00Z' }, NOW)), ['/query/interval']);
    assert.deepEqual(pointers(() => parseAnalyticsQuery({ groupBy: 'time', link: '', tag: '' }, NOW)), ['/query/link', '/query/tag']);
    assert.equal(parseAnalyticsQuery({ groupBy: 'country', interval: 'minute', from: '2026-01-01' }, NOW).interval, 'minute', 'interval only bounds series');
  });
});

describe('time zones', () => {
  it('knows IANA names through Intl', () => {
    assert.equal(canonicalZone('UTC'), 'UTC');
    assert.equal(canonicalZone('Mars/Olympus_Mons'), null);
    assert.equal(canonicalZone(''), null);
  });

  it('finds the first instant of a wall time across gaps and overlaps', () => {
    // Havana springs forward at midnight: 8 March 2026 starts at 01:00 -04:00.
    assert.equal(new Date(instantOf(at('2026-03-08T00:00:00Z'), 'America/Havana')).toISOString(), '2026-03-08T05:00:00.000Z');
    // Berlin's 02:30 happens twice on 25 October 2026: the first is 00:30 UTC.
    assert.equal(new Date(instantOf(at('2026-10-25T02:30:00Z'), 'Europe/Berlin')).toISOString(), '2026-10-25T00:30:00.000Z');
    assert.equal(offsetAt(at('2026-07-01T00:00:00Z'), 'Asia/Kolkata'), 5.5 * 3_600_000);
  });

  it('writes instants with the zone\'s offset', () => {
    assert.equal(formatInZone(at('2026-11-23T05:00:00Z'), -5 * 3_600_000), '2026-11-23T00:00:00-05:00');
    assert.equal(formatInZone(at('2026-11-22T18:30:00Z'), 5.5 * 3_600_000), '2026-11-23T00:00:00+05:30');
    assert.equal(formatInZone(at('2026-11-23T00:00:00Z'), 0), '2026-11-23T00:00:00+00:00');
  });
});

describe('planSeries', () => {
  it('reads whole-hour zones from rollups, rounding the range out to hours', () => {
    const plan = planSeries({ from: at('2026-11-23T10:20:00Z'), to: at('2026-11-25T08:10:00Z') }, 'day', 'Europe/Berlin');
    assert.equal(plan.source, 'rollups');
    assert.deepEqual(utc(plan.starts), ['2026-11-22T23:00:00.000Z', '2026-11-23T23:00:00.000Z', '2026-11-24T23:00:00.000Z']);
    assert.deepEqual(utc(plan.bounds), ['2026-11-23T10:00:00.000Z', '2026-11-23T23:00:00.000Z', '2026-11-24T23:00:00.000Z', '2026-11-25T09:00:00.000Z']);
  });

  it('reads minutes and half-hour zones from raw clicks, to the minute', () => {
    const minutes = planSeries({ from: at('2026-11-23T10:20:30Z'), to: at('2026-11-23T10:22:00Z') }, 'minute', 'UTC');
    assert.equal(minutes.source, 'raw');
    assert.deepEqual(utc(minutes.bounds), ['2026-11-23T10:20:00.000Z', '2026-11-23T10:21:00.000Z', '2026-11-23T10:22:00.000Z']);
    const kolkata = planSeries({ from: at('2026-11-22T18:30:00Z'), to: at('2026-11-23T18:30:00Z') }, 'day', 'Asia/Kolkata');
    assert.equal(kolkata.source, 'raw');
    assert.deepEqual(utc(kolkata.bounds), ['2026-11-22T18:30:00.000Z', '2026-11-23T18:30:00.000Z']);
  });

  it('keeps a fall-back night\'s repeated hour apart and skips the missing one in spring', () => {
    const fall = planSeries({ from: at('2026-10-24T23:00:00Z'), to: at('2026-10-25T03:00:00Z') }, 'hour', 'Europe/Berlin');
    assert.deepEqual(fall.starts.map((s, i) => formatInZone(s, fall.offsets[i]!)),
      ['2026-10-25T01:00:00+02:00', '2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00', '2026-10-25T03:00:00+01:00']);
    const spring = planSeries({ from: at('2026-03-28T23:00:00Z'), to: at('2026-03-29T02:00:00Z') }, 'hour', 'Europe/Berlin');
    assert.deepEqual(spring.starts.map((s, i) => formatInZone(s, spring.offsets[i]!)),
      ['2026-03-29T00:00:00+01:00', '2026-03-29T01:00:00+01:00', '2026-03-29T03:00:00+02:00']);
  });

  it('refuses more than MAX_BUCKETS buckets', () => {
    assert.throws(() => planSeries({ from: at('2025-01-01T00:00:00Z'), to: at('2026-01-01T00:00:00Z') }, 'hour', 'UTC'), DomainError);
    const from = at('2013-01-01T00:00:00Z');
    assert.equal(planSeries({ from, to: from + MAX_BUCKETS * 86_400_000 }, 'day', 'UTC').starts.length, MAX_BUCKETS);
    // In Berlin the same range touches one local day more.
    assert.throws(() => planSeries({ from, to: from + MAX_BUCKETS * 86_400_000 }, 'day', 'Europe/Berlin'), DomainError);
  });
});

describe('coverBuckets', () => {
  it('reads whole UTC days from daily rows and the edges from hourly rows', () => {
    const cover = coverBuckets([at('2026-06-01T05:00:00Z'), at('2026-06-03T17:00:00Z')], -Infinity);
    assert.deepEqual(cover.daily.map((r) => utc([r.from, r.to])), [['2026-06-02T00:00:00.000Z', '2026-06-03T00:00:00.000Z']]);
    assert.deepEqual(cover.hourly.map((r) => utc([r.from, r.to])), [
      ['2026-06-01T05:00:00.000Z', '2026-06-02T00:00:00.000Z'], ['2026-06-03T00:00:00.000Z', '2026-06-03T17:00:00.000Z']]);
    const links = coverBuckets([at('2026-06-01T05:00:00Z'), at('2026-06-03T17:00:00Z')], Infinity);
    assert.deepEqual(links, { weekly: [], daily: [], hourly: [{ from: at('2026-06-01T05:00:00Z'), to: at('2026-06-03T17:00:00Z') }] });
  });

  it('merges adjacent ranges: 30 UTC days are one daily range; Berlin days are all hourly', () => {
    const days = Array.from({ length: 31 }, (_, i) => at('2026-06-01T00:00:00Z') + i * 86_400_000);
    assert.deepEqual(coverBuckets(days, -Infinity), { weekly: [], daily: [{ from: days[0], to: days[30] }], hourly: [] });
    const berlin = days.map((d) => d - 2 * 3_600_000);
    assert.deepEqual(coverBuckets(berlin, -Infinity), { weekly: [], daily: [], hourly: [{ from: berlin[0], to: berlin[30] }] });
    assert.throws(() => coverBuckets([at('2026-06-01T00:30:00Z'), at('2026-06-02T00:00:00Z')], -Infinity));
  });

  it('uses daily rows only from the day they exist (per-link totals since migration 0008)', () => {
    const days = Array.from({ length: 6 }, (_, i) => at('2026-06-01T00:00:00Z') + i * 86_400_000);
    // Daily rows from 2026-06-03 on: the first two days come from hourly rows.
    assert.deepEqual(coverBuckets([days[0]!, days[5]!], days[2]!), { weekly: [], daily: [{ from: days[2], to: days[5] }], hourly: [{ from: days[0], to: days[2] }] });
    // A start inside a day counts from the next whole day.
    assert.deepEqual(coverBuckets([days[0]!, days[5]!], days[2]! + 3_600_000), { weekly: [], daily: [{ from: days[3], to: days[5] }], hourly: [{ from: days[0], to: days[3] }] });
    // Per-day buckets: each day before the start is hourly, each after it daily.
    assert.deepEqual(coverBuckets(days, days[3]!), { weekly: [], daily: [{ from: days[3], to: days[5] }], hourly: [{ from: days[0], to: days[3] }] });
    assert.deepEqual(coverBuckets(days, Infinity), { weekly: [], daily: [], hourly: [{ from: days[0], to: days[5] }] });
  });

  it('reads whole rolled ISO weeks from weekly rows, unless a day of theirs is stale', () => {
    const day = (iso: string) => at(`${iso}T00:00:00Z`);
    const range = (from: string, to: string) => ({ from: day(from), to: day(to) });
    // 2026-06-01 and 2026-06-08 are Mondays, both weeks rolled; 2026-05-25's week starts before the range.
    const weeks = new Set([day('2026-05-25'), day('2026-06-01'), day('2026-06-08')]);
    assert.deepEqual(coverBuckets([at('2026-05-30T05:00:00Z'), day('2026-06-17')], -Infinity, new Set(), weeks), {
      weekly: [range('2026-06-01', '2026-06-15')],
      daily: [range('2026-05-31', '2026-06-01'), range('2026-06-15', '2026-06-17')],
      hourly: [{ from: at('2026-05-30T05:00:00Z'), to: day('2026-05-31') }],
    });
    // A stale day (a late click not rolled into its day yet) keeps its week out: that day from hourly rows, the rest daily.
    assert.deepEqual(coverBuckets([day('2026-06-01'), day('2026-06-15')], -Infinity, new Set([day('2026-06-03')]), weeks), {
      weekly: [range('2026-06-08', '2026-06-15')],
      daily: [range('2026-06-01', '2026-06-03'), range('2026-06-04', '2026-06-08')],
      hourly: [range('2026-06-03', '2026-06-04')],
    });
    // A week not rolled, cut by a bucket bound (a daily series), or partly before daily rows exist: daily rows.
    assert.deepEqual(coverBuckets([day('2026-06-01'), day('2026-06-08')], -Infinity, new Set(), new Set()).weekly, []);
    const daily = Array.from({ length: 8 }, (_, i) => day('2026-06-01') + i * 86_400_000);
    assert.deepEqual(coverBuckets(daily, -Infinity, new Set(), weeks), { weekly: [], daily: [{ from: daily[0], to: daily[7] }], hourly: [] });
    assert.deepEqual(coverBuckets([day('2026-06-01'), day('2026-06-15')], day('2026-06-02'), new Set(), weeks).weekly, [range('2026-06-08', '2026-06-15')]);
  });
});

describe('utcWeekStart', () => {
  it('is the Monday 00:00 UTC of the ISO week, before the epoch too', () => {
    assert.equal(utcWeekStart(at('2026-06-03T17:45:00Z')), at('2026-06-01T00:00:00Z'));
    assert.equal(utcWeekStart(at('2026-06-01T00:00:00Z')), at('2026-06-01T00:00:00Z'));
    assert.equal(utcWeekStart(at('2026-05-31T23:59:59.999Z')), at('2026-05-25T00:00:00Z'));
    assert.equal(utcWeekStart(at('1970-01-01T12:00:00Z')), at('1969-12-29T00:00:00Z'));
    assert.equal(utcWeekStart(at('1969-12-28T23:00:00Z')), at('1969-12-22T00:00:00Z'));
  });
});
