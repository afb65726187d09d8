import { sql, type RawBuilder } from 'kysely';
import type { AnalyticsReader, AnalyticsScope, Counts, KeyedCounts, Metric } from '../../core/analytics/analytics-query.js';
import type { Dimension } from '../../core/analytics/dimensions.js';
import type { Range, SeriesSource } from '../../core/analytics/time-buckets.js';
import { isoArray, mergedSketches, rawClicks, rollupRows, type RollupLevel } from './analytics-sql.js';
import type { Db } from './database.js';
import { coverBuckets, type RollupCover } from './rollup-cover.js';
import { Tally, visitorsOf } from './visitor-tally.js';

/**
 * Candidates whose sketches the first round reads when ranking by visitors, as a multiple of
 * the limit; each further round reads twice as many. A head-heavy breakdown usually settles
 * after the first (its 10th best visitor count beats every later key's clicks), and reading
 * 200 keys' sketches up front cost a top-10 of countries over 30 days ~5x more than needed.
 */
const FIRST_ROUND_FACTOR = 2;

/**
 * Analytics over the rollups (src/adapters/db/click-store.sql.ts). Clicks are summed in SQL;
 * visitor sketches are merged here, and only those a result needs are read.
 */
export class SqlAnalyticsReader implements AnalyticsReader {
  /** From when per-link daily totals exist (migration 0008); read once, only a migration changes it. */
  private linkDailyFrom: Promise<number> | null = null;

  constructor(private readonly db: Db) {}

  async series(scope: AnalyticsScope, bounds: readonly number[], source: SeriesSource): Promise<{ buckets: Counts[]; total: Counts }> {
    if (source === 'raw') return this.rawSeries(scope, bounds);
    const level: RollupLevel = scope.links ? 'link' : 'workspace';
    // width_bucket numbers the buckets 1..n; no row straddles a bound (see coverBuckets).
    const n = sql<number>`width_bucket(r.bucket, ${isoArray(bounds)}::timestamptz[])`;
    const cover = await this.cover(scope, bounds, level, '');
    const rows = await mergedSketches(n, rollupRows(scope, level, cover, '')).execute(this.db);
    const buckets = bounds.slice(1).map(() => new Tally());
    for (const row of rows.rows) buckets[row.key - 1]!.add(Number(row.clicks), row.visitors);
    const all = new Tally();
    for (const bucket of buckets) all.addTally(bucket);
    return { buckets: buckets.map((b) => b.counts()), total: all.counts() };
  }

  async breakdown(scope: AnalyticsScope, by: Dimension | 'link', range: Range, metric: Metric, limit: number): Promise<{ rows: KeyedCounts[]; total: Counts }> {
    const level: RollupLevel = by === 'link' || scope.links ? 'link' : 'workspace';
    const dimension = by === 'link' ? '' : by;
    const breakdown = new Breakdown(this.db, scope, level, await this.cover(scope, [range.from, range.to], level, dimension), dimension);
    // Independent reads: on PostgreSQL they run on two pooled connections at once.
    const [{ total }, rows] = await Promise.all([
      this.series(scope, [range.from, range.to], 'rollups'),
      metric === 'clicks' ? breakdown.byClicks(limit) : breakdown.byVisitors(limit),
    ]);
    return { rows, total };
  }

  /** The rollup rows that answer the buckets: weekly and daily ones where they exist and are complete. */
  private async cover(scope: AnalyticsScope, bounds: readonly number[], level: RollupLevel, dimension: string): Promise<RollupCover> {
    const dailyFrom = await this.dailyFrom(level, dimension);
    if (dailyFrom === Infinity) return coverBuckets(bounds, dailyFrom);
    const { staleDays, rolledWeeks } = await this.rollState(scope.workspaceId, bounds[0]!, bounds.at(-1)!);
    return coverBuckets(bounds, dailyFrom, staleDays, rolledWeeks);
  }

  /**
   * The workspace's days starting in [from, to) whose daily rows are not built yet
   * (DailyRollups): today's, at least, once it has clicks; and its weeks starting in [from, to)
   * whose weekly rows are built and current (WeeklyRollups). Only whole days and weeks inside
   * the range are read from daily and weekly rows (coverBuckets), so earlier ones do not matter.
   */
  private async rollState(workspaceId: string, from: number, to: number): Promise<{ staleDays: Set<number>; rolledWeeks: Set<number> }> {
    const range = sql`workspace_id = ${workspaceId} and bucket >= ${new Date(from).toISOString()}::timestamptz and bucket < ${new Date(to).toISOString()}::timestamptz`;
    const rows = await sql<{ week: boolean; at: number }>`
      select false as week, (extract(epoch from bucket) * 1000)::bigint as at from click_day_rollups where ${range} and stale
      union all
      select true, (extract(epoch from bucket) * 1000)::bigint from click_week_rollups where ${range} and not stale`.execute(this.db);
    const staleDays = new Set<number>();
    const rolledWeeks = new Set<number>();
    for (const row of rows.rows) (row.week ? rolledWeeks : staleDays).add(Number(row.at));
    return { staleDays, rolledWeeks };
  }

  /**
   * Where daily rows start for a level and dimension: always for the workspace level; for
   * per-link totals since migration 0008 (hourly rows before); never for per-link dimensions.
   */
  private async dailyFrom(level: RollupLevel, dimension: string): Promise<number> {
    if (level === 'workspace') return -Infinity;
    if (dimension !== '') return Infinity;
    this.linkDailyFrom ??= this.db.selectFrom('click_rollup_coverage').select('since_ms').where('name', '=', 'link_daily_totals').executeTakeFirst()
      .then((row) => (row === undefined ? Infinity : row.since_ms === null ? -Infinity : Number(row.since_ms)));
    this.linkDailyFrom.catch(() => { this.linkDailyFrom = null; }); // a failed read is retried by the next query
    return this.linkDailyFrom;
  }

  /** Exact counts from raw clicks: width_bucket numbers each click's bucket, grouping sets add the total. */
  private async rawSeries(scope: AnalyticsScope, bounds: readonly number[]): Promise<{ buckets: Counts[]; total: Counts }> {
    const result = await sql<{ n: number | null; clicks: number; visitors: number }>`
      select n, count(*) as clicks, count(distinct v) as visitors
      from (select width_bucket(c.at, ${isoArray(bounds)}::timestamptz[]) as n, c.visitor_id as v
        from ${rawClicks(scope, bounds[0]!, bounds.at(-1)!)}) s
      group by grouping sets ((n), ())`.execute(this.db);
    const buckets: Counts[] = bounds.slice(1).map(() => ({ clicks: 0, visitors: 0 }));
    let total: Counts = { clicks: 0, visitors: 0 };
    for (const row of result.rows) {
      const value = { clicks: Number(row.clicks), visitors: Number(row.visitors) };
      if (row.n === null) total = value;
      else buckets[row.n - 1] = value;
    }
    return { buckets, total };
  }
}

/** One breakdown's reads: keys ranked by clicks in SQL, then the sketches of the keys it returns. */
class Breakdown {
  private readonly key: RawBuilder<string>;

  constructor(
    private readonly db: Db,
    private readonly scope: AnalyticsScope,
    private readonly level: RollupLevel,
    private readonly cover: RollupCover,
    private readonly dimension: string,
  ) {
    this.key = sql<string>`${sql.ref(dimension === '' ? 'r.link_id' : 'r.value')}`;
  }

  /** Top keys by clicks (ties: key in byte order); visitors only for those. */
  async byClicks(limit: number): Promise<KeyedCounts[]> {
    const ranked = await this.ranked(limit);
    const sketches = await this.sketches(ranked.map((r) => r.key));
    return ranked.map((r) => ({ key: keyOf(r.key), ...visitorsOf(r.clicks, sketches.get(r.key)) }));
  }

  /**
   * Top keys by visitors. A key has at most as many visitors as clicks, so candidates are read
   * in rounds in clicks order and reading stops once no remaining key's clicks could beat the
   * current top `limit`: the usual head-heavy distribution needs one or two rounds.
   */
  async byVisitors(limit: number): Promise<KeyedCounts[]> {
    const candidates = await this.ranked(null);
    let top: KeyedCounts[] = [];
    for (let i = 0, size = Math.max(limit * FIRST_ROUND_FACTOR, 1); i < candidates.length; i += size, size *= 2) {
      const floor = top.length === limit ? top[limit - 1]!.visitors : 0;
      const round = candidates.slice(i, i + size).filter((c) => c.clicks >= floor);
      if (round.length === 0) break;
      const sketches = await this.sketches(round.map((c) => c.key));
      top = [...top, ...round.map((c) => ({ key: keyOf(c.key), ...visitorsOf(c.clicks, sketches.get(c.key)) }))]
        .sort(byVisitors).slice(0, limit);
    }
    return top;
  }

  private async ranked(limit: number | null): Promise<{ key: string; clicks: number }[]> {
    const result = await sql<{ key: string; clicks: number }>`
      select ${this.key} as key, sum(r.clicks) as clicks
      from ${rollupRows(this.scope, this.level, this.cover, this.dimension)}
      group by ${this.key}
      order by clicks desc, ${this.key} collate "C"
      ${limit === null ? sql`` : sql`limit ${limit}`}`.execute(this.db);
    return result.rows.map((r) => ({ key: r.key, clicks: Number(r.clicks) }));
  }

  private async sketches(keys: string[]): Promise<Map<string, Tally>> {
    const sketches = new Map<string, Tally>();
    if (keys.length === 0) return sketches;
    const rows = await mergedSketches(this.key, rollupRows(this.scope, this.level, this.cover, this.dimension, keys)).execute(this.db);
    for (const row of rows.rows) {
      let tally = sketches.get(row.key);
      if (!tally) sketches.set(row.key, (tally = new Tally()));
      tally.add(0, row.visitors);
    }
    return sketches;
  }
}

/** '' is how rollups store an unknown value; the API says null. */
const keyOf = (key: string) => (key === '' ? null : key);

function byVisitors(a: KeyedCounts, b: KeyedCounts): number {
  const x = a.key ?? '';
  const y = b.key ?? '';
  return b.visitors - a.visitors || (x < y ? -1 : x > y ? 1 : 0);
}
