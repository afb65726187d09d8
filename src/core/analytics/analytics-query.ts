import { invalid, type FieldError } from '../errors.js';
import { DIMENSIONS, type Dimension } from './dimensions.js';
import type { Interval, Range, SeriesSource } from './time-buckets.js';
import { canonicalZone, instantOf } from './time-zone.js';
import { DAY_MS } from '../time-units.js';

/** SPEC §4 GET /analytics: what a query may ask for. */
export const GROUP_BYS = ['time', 'link', ...DIMENSIONS] as const;
export type GroupBy = (typeof GROUP_BYS)[number];
export const METRICS = ['clicks', 'visitors'] as const;
export type Metric = (typeof METRICS)[number];
export const INTERVALS = ['minute', 'hour', 'day', 'week', 'month'] as const satisfies readonly Interval[];
export const BOT_MODES = ['exclude', 'include', 'only'] as const;
export type BotMode = (typeof BOT_MODES)[number];

export const BREAKDOWN_LIMIT_DEFAULT = 10;
export const BREAKDOWN_LIMIT_MAX = 1000;
export const DEFAULT_RANGE_DAYS = 30;
/** Minute buckets read raw clicks: a day of them is the most one query scans. */
export const MINUTE_RANGE_MAX_MS = DAY_MS;

/** Instants outside this window are typos, not analytics (and Date arithmetic stays simple). */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(3000, 0, 1);

/** The query string as received; everything is checked here, so other callers than HTTP get the same rules. */
export interface AnalyticsParams {
  groupBy?: string | undefined;
  metric?: string | undefined;
  link?: string | undefined;
  domain?: string | undefined;
  tag?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  interval?: string | undefined;
  timezone?: string | undefined;
  bots?: string | undefined;
  limit?: number | string | undefined;
}

export interface AnalyticsQuery {
  groupBy: GroupBy;
  metric: Metric;
  interval: Interval;
  /** A zone Intl knows, in its canonical spelling. */
  timezone: string;
  bots: BotMode;
  limit: number;
  /** Epoch milliseconds, from < to, as asked (stores round them to their resolution). */
  range: Range;
  link?: string | undefined;
  /** As given: a host, or '' for the default domain. */
  domain?: string | undefined;
  tag?: string | undefined;
}

/** Validates raw parameters into a query; every bad field is reported at once (422, JSON Pointers into the query). */
export function parseAnalyticsQuery(params: AnalyticsParams, now: Date): AnalyticsQuery {
  const errors: FieldError[] = [];
  const fail = (field: string, detail: string) => { errors.push({ pointer: `/query/${field}`, detail }); };
  const choice = <T extends string>(field: string, allowed: readonly T[], fallback?: T): T => {
    const value = params[field as keyof AnalyticsParams];
    if (value === undefined && fallback !== undefined) return fallback;
    if (value === undefined) fail(field, 'is required');
    else if (!(allowed as readonly unknown[]).includes(value)) fail(field, `must be one of ${allowed.join(', ')}`);
    return (allowed as readonly unknown[]).includes(value) ? value as T : allowed[0]!;
  };

  const groupBy = choice('groupBy', GROUP_BYS);
  const metric = choice('metric', METRICS, 'clicks');
  const interval = choice('interval', INTERVALS, 'day');
  const bots = choice('bots', BOT_MODES, 'exclude');
  const zone = canonicalZone(params.timezone ?? 'UTC');
  if (zone === null) fail('timezone', 'is not an IANA time zone name (e.g. Europe/Berlin, UTC)');
  const timezone = zone ?? 'UTC';
  const limit = params.limit === undefined ? BREAKDOWN_LIMIT_DEFAULT : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > BREAKDOWN_LIMIT_MAX) fail('limit', `must be an integer from 1 to ${BREAKDOWN_LIMIT_MAX}`);

  const to = params.to === undefined ? now.getTime() : parseInstant(params.to, timezone);
  if (Number.isNaN(to)) fail('to', DATE_FORMATS);
  const from = params.from === undefined ? to - DEFAULT_RANGE_DAYS * DAY_MS : parseInstant(params.from, timezone);
  if (Number.isNaN(from)) fail('from', DATE_FORMATS);
  if (!Number.isNaN(from) && !Number.isNaN(to)) {
    if (from >= to) fail('from', 'must be before to');
    else if (from < EARLIEST || to > LATEST) fail(from < EARLIEST ? 'from' : 'to', 'must be between 1970-01-01 and 3000-01-01');
    else if (groupBy === 'time' && interval === 'minute' && to - from > MINUTE_RANGE_MAX_MS) fail('interval', 'minute buckets cover at most 24 hours; shorten the range or choose hour');
  }

  for (const field of ['link', 'tag'] as const) if (params[field] === '') fail(field, 'must not be empty');
  if (errors.length > 0) throw invalid(errors);
  return {
    groupBy, metric, interval, timezone, bots, limit, range: { from, to },
    link: params.link, domain: params.domain, tag: params.tag,
  };
}

const DATE_FORMATS = 'must be an ISO 8601 instant (2026-11-23T10:00:00Z, 2026-11-23T10:00:00+01:00) or a local date or date-time in timezone (2026-11-23, 2026-11-23T10:00)';
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/i;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/i;

/** An instant with an offset, or a local date/date-time read in the zone; NaN when neither. */
function parseInstant(text: string, zone: string): number {
  if (INSTANT.test(text)) return Date.parse(text);
  const local = LOCAL.exec(text);
  if (!local) return Number.NaN;
  const [y, mo, d, h, mi, s] = local.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 2026-02-30 over to March: refuse dates that do not exist.
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return Number.NaN;
  return instantOf(wall, zone);
}

/** One click count and distinct-visitor estimate. */
export interface Counts { clicks: number; visitors: number }
export interface KeyedCounts extends Counts { key: string | null }
export interface TimedCounts extends Counts { time: string }
export interface AnalyticsResult { data: KeyedCounts[] | TimedCounts[]; total: Counts }

/**
 * Which clicks a read counts: one workspace, a bot mode, and optionally only the clicks of
 * links matching all of id, domain ('' = default) and tag (their current values). Without
 * `links` the workspace-level rollups answer, which also count links deleted since.
 */
export interface AnalyticsScope {
  workspaceId: string;
  bots: BotMode;
  links?: { id?: string | undefined; domain?: string | undefined; tag?: string | undefined } | undefined;
}

/** Reads analytics storage. Ranges are [from, to) in epoch milliseconds. */
export interface AnalyticsReader {
  /**
   * Counts per bucket [bounds[i], bounds[i + 1]) and over [bounds[0], bounds[n]). From rollups
   * every bound must be a whole UTC hour; from raw clicks visitors are exact distinct counts.
   */
  series(scope: AnalyticsScope, bounds: readonly number[], source: SeriesSource): Promise<{ buckets: Counts[]; total: Counts }>;
  /** The top `limit` links or values of a dimension by `metric` (desc, then key asc), and the range's total. Hour-aligned range. */
  breakdown(scope: AnalyticsScope, by: Dimension | 'link', range: Range, metric: Metric, limit: number): Promise<{ rows: KeyedCounts[]; total: Counts }>;
}
