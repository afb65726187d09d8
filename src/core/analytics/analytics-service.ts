import { requireScope, type Actor } from '../auth/actor.js';
import type { HostPolicy } from '../domains/host-policy.js';
import { invalid, notFound } from '../errors.js';
import type { LinkRepository } from '../links/ports.js';
import { parseAnalyticsQuery, type AnalyticsParams, type AnalyticsReader, type AnalyticsResult, type AnalyticsScope, type AnalyticsQuery } from './analytics-query.js';
import { planSeries, roundOut } from './time-buckets.js';
import { formatInZone } from './time-zone.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface AnalyticsOptions {
  /** CURT_CLICK_RETENTION_DAYS: raw clicks older than this are gone (0 = kept forever). */
  rawRetentionDays: number;
}

/** GET /analytics (SPEC §4): time series and breakdowns of one workspace's clicks. */
export class AnalyticsService {
  constructor(
    private readonly reader: AnalyticsReader,
    private readonly links: Pick<LinkRepository, 'findById'>,
    private readonly hosts: HostPolicy,
    private readonly options: AnalyticsOptions = { rawRetentionDays: 0 },
    private readonly now: () => Date = () => new Date(),
  ) {}

  async query(actor: Actor, params: AnalyticsParams): Promise<AnalyticsResult> {
    requireScope(actor, 'analytics:read');
    const query = parseAnalyticsQuery(params, this.now());
    const scope = await this.scope(actor.workspaceId, query);
    if (query.groupBy === 'time') {
      const plan = planSeries(query.range, query.interval, query.timezone);
      if (plan.source === 'raw') this.checkRetention(plan.bounds[0]!);
      const { buckets, total } = await this.reader.series(scope, plan.bounds, plan.source);
      return { data: buckets.map((counts, i) => ({ time: formatInZone(plan.starts[i]!, plan.offsets[i]!), ...counts })), total };
    }
    const { rows, total } = await this.reader.breakdown(scope, query.groupBy, roundOut(query.range, HOUR), query.metric, query.limit);
    return { data: rows, total };
  }

  /** The workspace comes from the actor; a link of another workspace is reported as missing (404), as links do. */
  private async scope(workspaceId: string, query: AnalyticsQuery): Promise<AnalyticsScope> {
    const { link, domain, tag } = query;
    if (link !== undefined && !(await this.links.findById(workspaceId, link))) throw notFound('link');
    if (link === undefined && domain === undefined && tag === undefined) return { workspaceId, bots: query.bots };
    // A domain the workspace does not own has none of its links: the filter then matches nothing.
    const host = domain === undefined ? undefined : domain.toLowerCase();
    const stored = host === undefined ? undefined : (await this.hosts.domainFor(workspaceId, host)) ?? host;
    return { workspaceId, bots: query.bots, links: { id: link, domain: stored, tag } };
  }

  /** Raw clicks answer minute buckets and non-whole-hour zones; refuse a range they no longer hold. */
  private checkRetention(from: number): void {
    const days = this.options.rawRetentionDays;
    if (days > 0 && from < this.now().getTime() - days * DAY) {
      throw invalid([{
        pointer: '/query/from',
        detail: `minute buckets and time zones with a non-whole-hour offset are counted from raw clicks, which are kept ${days} days; choose a later from, or an hour-based interval or zone`,
      }]);
    }
  }
}
