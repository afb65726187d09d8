import { Type } from 'typebox';
import {
  BOT_MODES, BREAKDOWN_LIMIT_DEFAULT, BREAKDOWN_LIMIT_MAX, DEFAULT_RANGE_DAYS, GROUP_BYS, INTERVALS, METRICS,
} from '../../core/analytics/analytics-query.js';
import { MAX_BUCKETS } from '../../core/analytics/time-buckets.js';

const DATE = 'An instant with an offset (2026-11-23T10:00:00Z, 2026-11-23T10:00:00+01:00), or a local date or date-time read in timezone (2026-11-23, 2026-11-23T10:00).';

/** GET /analytics query string; the core validates it again (analytics-query.ts) for non-HTTP callers. */
export const AnalyticsQuerySchema = Type.Object({
  groupBy: Type.Enum([...GROUP_BYS], { description: 'time: a series of interval buckets; link or a click dimension: the top limit keys' }),
  metric: Type.Optional(Type.Enum([...METRICS], { default: 'clicks', description: 'What breakdowns rank by. Visitors are distinct visitor ids (HyperLogLog estimates, ±1.6 %).' })),
  link: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only this link\'s clicks (a link id)' })),
  domain: Type.Optional(Type.String({ maxLength: 253, description: 'Only clicks of links on this domain (a host; empty or the default host: the default domain)' })),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only clicks of links with this tag' })),
  from: Type.Optional(Type.String({ maxLength: 40, description: `Start (inclusive). Default: ${DEFAULT_RANGE_DAYS} days before to. ${DATE} Rounded down to the hour (to the minute where raw clicks answer, see interval).` })),
  to: Type.Optional(Type.String({ maxLength: 40, description: `End (exclusive). Default: now. ${DATE} Rounded up to the hour (to the minute where raw clicks answer).` })),
  interval: Type.Optional(Type.Enum([...INTERVALS], {
    default: 'day',
    description: `groupBy=time bucket size, at most ${MAX_BUCKETS} buckets; weeks start on Monday. minute covers at most 24 hours. Minute buckets, and zones whose offset is not whole hours (Asia/Kolkata), are counted from raw clicks, so only within CURT_CLICK_RETENTION_DAYS.`,
  })),
  timezone: Type.Optional(Type.String({ maxLength: 64, default: 'UTC', description: 'IANA time zone of the buckets and of local from/to' })),
  bots: Type.Optional(Type.Enum([...BOT_MODES], { default: 'exclude', description: 'Clicks flagged as bots: left out, counted too, or counted alone' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: BREAKDOWN_LIMIT_MAX, default: BREAKDOWN_LIMIT_DEFAULT, description: 'Breakdowns: how many keys' })),
  workspaceId: Type.Optional(Type.String({ maxLength: 64 })),
});

const Counts = {
  clicks: Type.Integer({ minimum: 0 }),
  visitors: Type.Integer({ minimum: 0, description: 'Distinct visitors (estimated from rollups; exact from raw clicks)' }),
};

export const AnalyticsResultSchema = Type.Object({
  data: Type.Array(Type.Object({
    time: Type.Optional(Type.String({ format: 'date-time', description: 'groupBy=time: the bucket\'s start in timezone, with its offset; chronological, empty buckets included' })),
    key: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Breakdowns: the link id or dimension value; null for unknown. Ordered by metric desc, then key' })),
    ...Counts,
  })),
  total: Type.Object(Counts, { description: 'The whole range with the same filters' }),
}, { description: 'groupBy=time: one entry per bucket with time; otherwise the top keys with key' });
