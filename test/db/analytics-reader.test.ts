import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import { DailyRollups } from '../../src/adapters/db/period-rollups.sql.js';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlDomainRepository } from '../../src/adapters/db/repositories/domain-repository.sql.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import type { AnalyticsParams, AnalyticsResult, KeyedCounts } from '../../src/core/analytics/analytics-query.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { DIMENSIONS } from '../../src/core/analytics/dimensions.js';
import { HLL_FORMAT_DENSE, VisitorSketch } from '../../src/core/analytics/hll.js';
import { DomainError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import type { NewLink } from '../../src/core/links/ports.js';
import { engines } from '../support/engines.js';
import {
  DEFAULT_HOST, analyticsService, assertBreakdown, assertVisitors, click, oracle, querier, totalOf, visitor,
} from './analytics-fixtures.js';
import { buildLink, createUser, unique, workspaceWithLinks } from './fixtures.js';

const RANGE = { from: '2026-05-09', to: '2026-05-14' };
const keys = (result: AnalyticsResult) => (result.data as KeyedCounts[]).map((r) => [r.key, r.clicks]);

for (const engine of engines) {
  describe(`analytics breakdowns on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let ask: (params: AnalyticsParams) => Promise<AnalyticsResult>;
    let host: string;
    const links: Record<'a' | 'b' | 'c' | 'other', NewLink> = {} as never;
    const events: ClickEvent[] = [];

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      const mine = (await createUser(db)).workspaceId;
      const theirs = (await createUser(db)).workspaceId;
      host = `go-${unique()}.example.com`;
      await new SqlDomainRepository(db).insert({ id: newId('dom'), workspaceId: mine, host, notFoundUrl: null, createdAt: new Date() });
      links.a = buildLink(mine, { tags: ['promo'] });
      links.b = buildLink(mine, { domain: host, tags: ['promo', 'spring'] });
      links.c = buildLink(mine);
      links.other = buildLink(theirs, { tags: ['promo'] });
      await new SqlLinkRepository(db).insertMany(Object.values(links));
      const { a, b, c } = links;
      // Spread over three UTC days and their edges, so breakdowns read daily and hourly rows.
      const news = { country: 'US', referrer: 'https://news.example/a', referrerHost: 'news.example', utmSource: 'newsletter', utmMedium: 'email', utmCampaign: 'launch' };
      const social = { country: 'DE', device: 'mobile', browser: 'Safari', os: 'iOS', language: 'de', referrer: 'https://social.example/p/1', referrerHost: 'social.example' };
      events.push(
        click(mine, a.id, '2026-05-10T08:15:00Z', { ...news, visitorId: visitor(1) }),
        click(mine, a.id, '2026-05-11T09:15:00Z', { ...news, visitorId: visitor(2) }),
        click(mine, a.id, '2026-05-12T10:15:00Z', { ...news, visitorId: visitor(3) }),
        click(mine, a.id, '2026-05-10T23:30:00Z', { visitorId: visitor(1) }),
        click(mine, a.id, '2026-05-11T00:30:00Z', { visitorId: visitor(1) }),
        ...[4, 5, 6, 7].map((n, i) => click(mine, b.id, `2026-05-1${i % 3}T1${i}:00:00Z`, { ...social, visitorId: visitor(n) })),
        click(mine, c.id, '2026-05-11T12:00:00Z', { country: 'FR', language: null, visitorId: visitor(8) }),
        // One loyal visitor: most clicks, fewest visitors.
        ...[0, 1, 2, 3, 4, 5].map((i) => click(mine, c.id, `2026-05-1${i % 3}T0${i}:40:00Z`, { country: 'FR', utmCampaign: 'loyal', visitorId: visitor(20) })),
        click(mine, a.id, '2026-05-10T08:20:00Z', { country: 'US', device: 'bot', browser: null, os: null, bot: true, visitorId: visitor(9) }),
        click(mine, a.id, '2026-05-11T08:20:00Z', { country: 'US', device: 'bot', browser: null, os: null, bot: true, visitorId: visitor(9) }),
        click(mine, c.id, '2026-05-12T08:20:00Z', { country: 'CN', device: 'bot', bot: true, visitorId: visitor(10) }),
      );
      const foreign = [11, 12, 13, 14, 15].map((n) => click(theirs, links.other.id, '2026-05-11T09:00:00Z', { country: 'US', visitorId: visitor(n) }));
      await new SqlClickStore(db).ingest([...events, ...foreign]);
      ask = querier(analyticsService(db), mine);
    });
    after(async () => { await handle.close(); });

    it('counts every dimension exactly, unknown values as key null', async () => {
      const country = await ask({ groupBy: 'country', ...RANGE });
      assert.deepEqual(keys(country), [['FR', 7], ['DE', 4], ['US', 3], [null, 2]]);
      assert.deepEqual(country.total, { clicks: 16, visitors: 9 });
      for (const dimension of DIMENSIONS) {
        const result = await ask({ groupBy: dimension, limit: 1000, ...RANGE });
        assertBreakdown(result.data as KeyedCounts[], oracle(events, dimension), dimension);
      }
      const language = await ask({ groupBy: 'language', ...RANGE });
      assert.deepEqual(keys(language), [['en', 11], ['de', 4], [null, 1]]);
    });

    it('totals per link, and never a link or click of another workspace', async () => {
      const result = await ask({ groupBy: 'link', ...RANGE });
      assert.deepEqual(keys(result), [[links.c.id, 7], [links.a.id, 5], [links.b.id, 4]]);
      assertBreakdown(result.data as KeyedCounts[], oracle(events, 'link'));
      await assert.rejects(ask({ groupBy: 'time', link: links.other.id, ...RANGE }), (e: DomainError) => e.code === 'not-found');
      await assert.rejects(ask({ groupBy: 'country', link: 'lnk_missing', ...RANGE }), (e: DomainError) => e.code === 'not-found');
      const tagged = await ask({ groupBy: 'country', tag: 'promo', ...RANGE });
      assert.equal(tagged.total.clicks, 9, 'the other workspace\'s promo link is not counted');
    });

    it('excludes bots by default, includes or isolates them on request', async () => {
      assert.deepEqual(keys(await ask({ groupBy: 'country', bots: 'include', ...RANGE })), [['FR', 7], ['US', 5], ['DE', 4], [null, 2], ['CN', 1]]);
      const only = await ask({ groupBy: 'country', bots: 'only', ...RANGE });
      assert.deepEqual(keys(only), [['US', 2], ['CN', 1]]);
      assert.deepEqual(only.total, { clicks: 3, visitors: 2 });
      for (const bots of ['exclude', 'include', 'only'] as const) {
        const series = await ask({ groupBy: 'time', bots, ...RANGE });
        assert.deepEqual(series.total, totalOf(events, bots), bots);
        assertBreakdown((await ask({ groupBy: 'device', bots, ...RANGE })).data as KeyedCounts[], oracle(events, 'device', bots), `device ${bots}`);
      }
    });

    it('ranks by the metric, then key; limit cuts the list', async () => {
      assert.deepEqual(keys(await ask({ groupBy: 'country', limit: 2, ...RANGE })), [['FR', 7], ['DE', 4]]);
      const byVisitors = await ask({ groupBy: 'utmCampaign', metric: 'visitors', ...RANGE });
      assert.deepEqual((byVisitors.data as KeyedCounts[]).map((r) => [r.key, r.visitors]), [[null, 6], ['launch', 3], ['loyal', 1]]);
      assert.deepEqual(keys(await ask({ groupBy: 'utmCampaign', ...RANGE })), [[null, 7], ['loyal', 6], ['launch', 3]]);
      const links = await ask({ groupBy: 'link', metric: 'visitors', ...RANGE });
      assertBreakdown(links.data as KeyedCounts[], oracle(events, 'link', 'exclude', 'visitors'));
      assert.deepEqual((await ask({ groupBy: 'country', metric: 'visitors', limit: 3, ...RANGE })).data.map((r) => (r as KeyedCounts).key), ['DE', 'US', 'FR']);
    });

    it('ranks by visitors past the first round of candidates when a key low by clicks has the most visitors', async () => {
      const { workspaceId } = await createUser(db);
      const link = buildLink(workspaceId);
      await new SqlLinkRepository(db).insertMany([link]);
      // By clicks: aa 9, bb 8, cc 7, dd 3; by visitors: dd 3, the others 1 each. With limit 1
      // the first round reads aa and bb only; dd must still win from a later round.
      const at = '2026-05-11T09:00:00Z';
      const clicks = [
        ...[['aa', 9], ['bb', 8], ['cc', 7]].flatMap(([language, n]) => Array.from({ length: Number(n) }, () => click(workspaceId, link.id, at, { language: String(language), visitorId: visitor(30) }))),
        ...[31, 32, 33].map((n) => click(workspaceId, link.id, at, { language: 'dd', visitorId: visitor(n) })),
      ];
      await new SqlClickStore(db).ingest(clicks);
      const top = await querier(analyticsService(db), workspaceId)({ groupBy: 'language', metric: 'visitors', limit: 1, ...RANGE });
      assert.deepEqual((top.data as KeyedCounts[]).map((r) => [r.key, r.clicks, r.visitors]), [['dd', 3, 3]]);
    });

    it('filters by link, domain and tag, alone and together', async () => {
      const { a, b, c } = links;
      const only = (ids: string[]) => events.filter((e) => ids.includes(e.linkId));
      const cases: Array<[AnalyticsParams, ClickEvent[]]> = [
        [{ link: a.id }, only([a.id])],
        [{ domain: host }, only([b.id])],
        [{ domain: host.toUpperCase() }, only([b.id])],
        [{ domain: '' }, only([a.id, c.id])],
        [{ domain: DEFAULT_HOST }, only([a.id, c.id])],
        [{ domain: 'not-ours.example' }, []],
        [{ tag: 'promo' }, only([a.id, b.id])],
        [{ tag: 'spring' }, only([b.id])],
        [{ tag: 'promo', domain: '' }, only([a.id])],
        [{ tag: 'promo', link: c.id }, []],
      ];
      for (const [filter, expected] of cases) {
        const name = JSON.stringify(filter);
        const country = await ask({ groupBy: 'country', limit: 100, ...filter, ...RANGE });
        assertBreakdown(country.data as KeyedCounts[], oracle(expected, 'country'), name);
        assert.deepEqual(country.total, totalOf(expected), name);
        const perLink = await ask({ groupBy: 'link', ...filter, ...RANGE });
        assertBreakdown(perLink.data as KeyedCounts[], oracle(expected, 'link'), name);
        const series = await ask({ groupBy: 'time', ...filter, ...RANGE });
        assert.deepEqual(series.total, totalOf(expected), name);
      }
    });

    it('counts only [from, to), at hour resolution', async () => {
      // 08:15 and the 08:20 bot are in the 08:00 hour; from 09:00 leaves them out, to 10:30 keeps the 10:15 click.
      const result = await ask({ groupBy: 'link', from: '2026-05-12T09:00:00Z', to: '2026-05-12T10:30:00Z' });
      assert.deepEqual(keys(result), [[links.a.id, 1]]);
      const rounded = await ask({ groupBy: 'link', from: '2026-05-10T08:59:59Z', to: '2026-05-10T09:00:00Z' });
      assert.deepEqual(keys(rounded), [[links.a.id, 1]], 'from rounds down to 08:00');
    });
  });

  describe(`per-link daily totals on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let workspaceId: string;
    const events: ClickEvent[] = [];
    const ids: string[] = [];

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      let links: string[];
      ({ workspaceId, links } = await workspaceWithLinks(db, 3));
      ids.push(...links);
      // Five UTC days; link i gets (i + 1) clicks an hour apart each day, from its own visitors.
      for (let day = 0; day < 5; day++) {
        links.forEach((linkId, i) => {
          for (let k = 0; k <= i + day; k++) events.push(click(workspaceId, linkId, Date.UTC(2026, 6, 1 + day, k, 10 * i), { visitorId: visitor(100 * i + k) }));
        });
      }
      await new SqlClickStore(db).ingest(events);
      assert.equal(await new DailyRollups(db).run(Date.now()), 5, 'the five closed days are rolled');
    });
    after(async () => { await handle.close(); });

    const askFresh = () => querier(analyticsService(db), workspaceId); // a new reader reads click_rollup_coverage again
    const range = { from: '2026-07-01', to: '2026-07-06' };

    it('the daily pass writes one daily total row per link and day, and top links and a link\'s series read them', async () => {
      const rows = await sql<{ n: number }>`select count(*) as n from click_rollups_daily
        where workspace_id = ${workspaceId} and link_id <> '' and dimension = '' and bot = false`.execute(db);
      assert.equal(Number(rows.rows[0]!.n), 15, '3 links x 5 days');
      const ask = askFresh();
      assertBreakdown((await ask({ groupBy: 'link', ...range })).data as KeyedCounts[], oracle(events, 'link'));
      const series = await ask({ groupBy: 'time', interval: 'day', link: ids[2], ...range });
      assert.deepEqual(series.data.map((d) => d.clicks), [3, 4, 5, 6, 7]);
    });

    it('before the day they start (a database migrated with clicks in it), reads hourly rows: the same answers', async () => {
      const since = Date.UTC(2026, 6, 3);
      await sql`delete from click_rollups_daily where workspace_id = ${workspaceId} and link_id <> '' and bucket < ${new Date(since).toISOString()}::timestamptz`.execute(db);
      await sql`update click_rollup_coverage set since_ms = ${since} where name = 'link_daily_totals'`.execute(db);
      try {
        const ask = askFresh();
        assertBreakdown((await ask({ groupBy: 'link', ...range })).data as KeyedCounts[], oracle(events, 'link'));
        const series = await ask({ groupBy: 'time', interval: 'day', link: ids[2], ...range });
        assert.deepEqual(series.data.map((d) => d.clicks), [3, 4, 5, 6, 7], 'two days from hourly rows, three from daily');
        // Proof the hourly rows were read: with the start moved back, the deleted days count nothing.
        await sql`update click_rollup_coverage set since_ms = null where name = 'link_daily_totals'`.execute(db);
        const missing = await askFresh()({ groupBy: 'time', interval: 'day', link: ids[2], ...range });
        assert.deepEqual(missing.data.map((d) => d.clicks), [0, 0, 5, 6, 7]);
      } finally {
        await sql`update click_rollup_coverage set since_ms = null where name = 'link_daily_totals'`.execute(db);
      }
    });

    it('reads many values\' sketches over a month with range scans, the same as a few values\' with lookups', async () => {
      // 70 referrers over 31 days: 70 x 31 bucket lookups pass MAX_KEYED_LOOKUPS, so the reader scans instead.
      const month: ClickEvent[] = Array.from({ length: 80 }, (_, i) => click(workspaceId, ids[i % 3]!, Date.UTC(2026, 7, 1 + (i % 31), 12),
        { referrer: `https://site-${i % 70}.example/`, visitorId: visitor(5000 + i) }));
      await new SqlClickStore(db).ingest(month);
      const ask = askFresh();
      const all = await ask({ groupBy: 'referrer', metric: 'visitors', limit: 100, from: '2026-08-01', to: '2026-09-01' });
      assertBreakdown(all.data as KeyedCounts[], oracle(month, 'referrer', 'exclude', 'visitors'));
      const top = await ask({ groupBy: 'referrer', limit: 3, from: '2026-08-01', to: '2026-09-01' });
      assertBreakdown(top.data as KeyedCounts[], oracle(month, 'referrer').slice(0, 3));
    });

    it('a fresh database has them from the start', async () => {
      const fresh = await engine.open();
      try {
        const row = await fresh.db.selectFrom('click_rollup_coverage').selectAll().executeTakeFirstOrThrow();
        assert.deepEqual({ ...row, since_ms: row.since_ms }, { name: 'link_daily_totals', since_ms: null });
      } finally {
        await fresh.close();
      }
    });
  });

  describe(`analytics visitors over days on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let workspaceId: string;
    let ask: (params: AnalyticsParams) => Promise<AnalyticsResult>;
    const VISITORS = 3000;
    const events: ClickEvent[] = [];

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      workspaceId = (await createUser(db)).workspaceId;
      const link = buildLink(workspaceId);
      await new SqlLinkRepository(db).insertMany([link]);
      const countries = ['US', 'DE', 'FR'];
      // Every visitor clicks once on each of three days, at an hour of its own.
      for (let day = 1; day <= 3; day++) {
        for (let n = 0; n < VISITORS; n++) {
          const at = Date.UTC(2026, 5, day, (n * 7) % 24, n % 60);
          events.push(click(workspaceId, link.id, at, { country: countries[n % 3]!, visitorId: visitor(1000 + n) }));
        }
      }
      const store = new SqlClickStore(db);
      // 500 clicks per batch: each batch's entries are appended to the hour's rows; the daily pass
      // then merges each day's hours into dense daily rows.
      for (let i = 0; i < events.length; i += 500) await store.ingest(events.slice(i, i + 500));
      await new DailyRollups(db).run(Date.now());
      ask = querier(analyticsService(db), workspaceId);
    });
    after(async () => { await handle.close(); });

    it('counts a visitor seen on several days once, within the HLL error bound', async () => {
      // Daily rows are stored dense, and are merged with the sparse hourly ones.
      const dense = await sql<{ n: number }>`select count(*) as n from click_rollups_daily
        where workspace_id = ${workspaceId} and get_byte(visitors, 0) = ${HLL_FORMAT_DENSE}`.execute(db);
      assert.ok(Number(dense.rows[0]!.n) >= 3, 'dense daily rows');
      const series = await ask({ groupBy: 'time', from: '2026-06-01', to: '2026-06-04' });
      assert.deepEqual(series.data.map((d) => d.clicks), [VISITORS, VISITORS, VISITORS]);
      for (const d of series.data) assertVisitors(d.visitors, VISITORS, 'one day');
      assert.equal(series.total.clicks, 3 * VISITORS);
      assertVisitors(series.total.visitors, VISITORS, 'three days');
      const country = await ask({ groupBy: 'country', from: '2026-06-01', to: '2026-06-04' });
      assertBreakdown(country.data as KeyedCounts[], oracle(events, 'country'));
      assertVisitors(country.total.visitors, VISITORS, 'breakdown total');
    });

    it('reads daily rows for whole days and hourly rows at the edges, with the same answer as hourly rows alone', async () => {
      const from = Date.parse('2026-06-01T05:00:00Z');
      const to = Date.parse('2026-06-03T17:00:00Z');
      const result = await ask({ groupBy: 'country', from: new Date(from).toISOString(), to: new Date(to).toISOString() });
      const hourly = await sql<{ value: string; clicks: number; visitors: Uint8Array }>`
        select value, clicks, visitors from click_rollups_hourly
        where workspace_id = ${workspaceId} and link_id = '' and dimension = 'country' and bot = false
          and bucket >= ${new Date(from).toISOString()}::timestamptz and bucket < ${new Date(to).toISOString()}::timestamptz`.execute(db);
      const expected = new Map<string, { clicks: number; sketch: VisitorSketch }>();
      for (const row of hourly.rows) {
        const entry = expected.get(row.value) ?? { clicks: 0, sketch: VisitorSketch.empty() };
        entry.clicks += Number(row.clicks);
        entry.sketch.mergeStored(row.visitors);
        expected.set(row.value, entry);
      }
      const fromHourly = [...expected].map(([key, e]) => ({ key, clicks: e.clicks, visitors: Math.min(e.clicks, e.sketch.estimate()) }))
        .sort((a, b) => b.clicks - a.clicks || (a.key < b.key ? -1 : 1));
      assert.deepEqual(result.data, fromHourly, 'daily + hourly == hourly only, sketches included');
      const inRange = events.filter((e) => e.at.getTime() >= from && e.at.getTime() < to);
      assertBreakdown(result.data as KeyedCounts[], oracle(inRange, 'country'));
      assert.equal(result.total.clicks, inRange.length);
    });
  });
}
