import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SqlAnalyticsReader } from '../../src/adapters/db/analytics-reader.sql.js';
import type { Db } from '../../src/adapters/db/database.js';
import { SqlDomainRepository } from '../../src/adapters/db/repositories/domain-repository.sql.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import type { AnalyticsParams, AnalyticsResult, BotMode, KeyedCounts, Metric } from '../../src/core/analytics/analytics-query.js';
import { AnalyticsService } from '../../src/core/analytics/analytics-service.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import type { Dimension } from '../../src/core/analytics/dimensions.js';
import { HLL_STANDARD_ERROR } from '../../src/core/analytics/hll.js';
import type { Actor } from '../../src/core/auth/actor.js';
import { HostPolicy } from '../../src/core/domains/host-policy.js';
import { newClickId } from '../../src/core/ids.js';

/** Shared by the analytics tests on both engines: clicks with known answers, and the oracle. */

export const DEFAULT_HOST = 'localhost:8080';

/** A fixed visitor id per number, so HLL estimates are the same on every run. */
export const visitor = (n: number) => createHash('sha256').update(`visitor-${n}`).digest('hex').slice(0, 32);

export function click(workspaceId: string, linkId: string, at: string | number, fields: Partial<ClickEvent> = {}): ClickEvent {
  const ms = typeof at === 'string' ? Date.parse(at) : at;
  return {
    id: newClickId(ms), at: new Date(ms), workspaceId, linkId, domain: '', referrer: null, referrerHost: null, country: null,
    device: 'desktop', browser: 'Firefox', os: 'Linux', language: 'en', utmSource: null, utmMedium: null, utmCampaign: null,
    utmTerm: null, utmContent: null, bot: false, visitorId: visitor(0), ...fields,
  };
}

export function analyticsService(db: Db, rawRetentionDays = 0, now = () => new Date()): AnalyticsService {
  const hosts = new HostPolicy(DEFAULT_HOST, new SqlDomainRepository(db));
  return new AnalyticsService(new SqlAnalyticsReader(db), new SqlLinkRepository(db), hosts, { rawRetentionDays }, now);
}

export const actor = (workspaceId: string): Actor => ({ kind: 'api-key', userId: 'usr_test', apiKeyId: 'key_test', workspaceId, scopes: new Set(['analytics:read']) });

/** Runs a query as the workspace's analytics reader. */
export const querier = (service: AnalyticsService, workspaceId: string) =>
  (params: AnalyticsParams): Promise<AnalyticsResult> => service.query(actor(workspaceId), params);

const keep = (bots: BotMode) => (e: ClickEvent) => (bots === 'include' ? true : e.bot === (bots === 'only'));

/** The exact answer from the events themselves: every key, ordered by the metric desc then key. */
export function oracle(events: readonly ClickEvent[], by: Dimension | 'link', bots: BotMode = 'exclude', metric: Metric = 'clicks'): KeyedCounts[] {
  const groups = new Map<string | null, { clicks: number; visitors: Set<string> }>();
  for (const e of events.filter(keep(bots))) {
    const key = by === 'link' ? e.linkId : e[by];
    const group = groups.get(key) ?? { clicks: 0, visitors: new Set<string>() };
    group.clicks++;
    group.visitors.add(e.visitorId);
    groups.set(key, group);
  }
  return [...groups].map(([key, g]) => ({ key, clicks: g.clicks, visitors: g.visitors.size }))
    .sort((a, b) => b[metric] - a[metric] || ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
}

export function totalOf(events: readonly ClickEvent[], bots: BotMode = 'exclude'): { clicks: number; visitors: number } {
  const kept = events.filter(keep(bots));
  return { clicks: kept.length, visitors: new Set(kept.map((e) => e.visitorId)).size };
}

/** HyperLogLog is an estimate: within 3 standard errors (exact for the handful of visitors most cases use). */
export function assertVisitors(actual: number, expected: number, message?: string): void {
  const bound = 3 * HLL_STANDARD_ERROR * expected;
  assert.ok(Math.abs(actual - expected) <= bound + 0.5, `${message ?? 'visitors'}: estimate ${actual}, exactly ${expected} (bound ±${bound.toFixed(1)})`);
}

/** Compares a breakdown with the oracle: keys and clicks exactly, visitors within the HLL bound. */
export function assertBreakdown(actual: KeyedCounts[], expected: KeyedCounts[], message = 'breakdown'): void {
  assert.deepEqual(actual.map((r) => [r.key, r.clicks]), expected.map((r) => [r.key, r.clicks]), message);
  actual.forEach((r, i) => assertVisitors(r.visitors, expected[i]!.visitors, `${message} ${r.key}`));
}
