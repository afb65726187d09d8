import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import { DailyRollups } from '../../src/adapters/db/period-rollups.sql.js';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import type { KeyedCounts } from '../../src/core/analytics/analytics-query.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { VisitorSketch } from '../../src/core/analytics/hll.js';
import { engines } from '../support/engines.js';
import { analyticsService, assertBreakdown, click, oracle, querier, totalOf, visitor } from './analytics-fixtures.js';
import { workspaceWithLinks } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRACE = 5 * 60_000;

for (const engine of engines) {
  describe(`DailyRollups on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let workspaceId: string;
    let links: string[];
    const events: ClickEvent[] = [];
    // Three closed UTC days, well in the past, and the day after them still open.
    const first = Date.UTC(2026, 2, 10);
    const open = first + 3 * DAY;
    const ask = () => querier(analyticsService(db), workspaceId);
    const range = { from: '2026-03-10', to: '2026-03-14' };

    /** The day's daily rows, sketches decoded. */
    async function dailyRows(day: number) {
      const rows = await db.selectFrom('click_rollups_daily').select(['link_id', 'dimension', 'bot', 'value', 'clicks', 'visitors'])
        .where('workspace_id', '=', workspaceId).where('bucket', '=', new Date(day)).execute();
      return new Map(rows.map((r) => [`${r.link_id}|${r.dimension}|${r.bot}|${r.value}`, { clicks: Number(r.clicks), visitors: r.visitors }]));
    }
    const stale = async () => (await sql<{ day: number }>`select (extract(epoch from bucket) * 1000)::bigint as day from click_day_rollups
      where workspace_id = ${workspaceId} and stale order by bucket`.execute(db)).rows.map((r) => Number(r.day));

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      ({ workspaceId, links } = await workspaceWithLinks(db, 2));
      const countries = ['US', 'DE', 'FR', null];
      for (let day = 0; day < 4; day++) {
        for (let n = 0; n < 40; n++) {
          events.push(click(workspaceId, links[n % 2]!, first + day * DAY + (n % 24) * HOUR + n,
            { country: countries[n % 4]!, bot: n % 10 === 0, visitorId: visitor(n % 25) }));
        }
      }
      await new SqlClickStore(db).ingest(events);
    });
    after(async () => { await handle.close(); });

    it('ingest writes no daily rows and marks every day it wrote to; analytics read those days from hourly rows', async () => {
      for (let day = 0; day < 4; day++) assert.equal((await dailyRows(first + day * DAY)).size, 0);
      assert.deepEqual(await stale(), [first, first + DAY, first + 2 * DAY, open]);
      assertBreakdown((await ask()({ groupBy: 'country', ...range })).data as KeyedCounts[], oracle(events, 'country'));
      const series = await ask()({ groupBy: 'time', interval: 'day', ...range });
      assert.deepEqual(series.data.map((d) => d.clicks), [36, 36, 36, 36]);
    });

    it('rolls closed days only, after the grace period, into rows equal to the sum and union of their hours', async () => {
      const rollups = new DailyRollups(db, GRACE);
      assert.equal(await rollups.run(first + 3 * DAY + GRACE - 1), 2, 'the third day is still in its grace period');
      assert.equal(await rollups.run(open + GRACE), 1);
      assert.equal(await rollups.run(open + GRACE), 0, 'nothing left that is closed');
      assert.deepEqual(await stale(), [open]);
      for (let day = 0; day < 3; day++) {
        const start = first + day * DAY;
        const hourly = await db.selectFrom('click_rollups_hourly').select(['link_id', 'dimension', 'bot', 'value', 'clicks', 'visitors'])
          .where('workspace_id', '=', workspaceId).where('bucket', '>=', new Date(start)).where('bucket', '<', new Date(start + DAY))
          .where((w) => w.or([w('link_id', '=', ''), w('dimension', '=', '')])).execute();
        const expected = new Map<string, { clicks: number; sketch: VisitorSketch }>();
        for (const h of hourly) {
          const key = `${h.link_id}|${h.dimension}|${h.bot}|${h.value}`;
          const row = expected.get(key) ?? { clicks: 0, sketch: VisitorSketch.empty() };
          row.clicks += Number(h.clicks);
          row.sketch.mergeStored(h.visitors);
          expected.set(key, row);
        }
        const daily = await dailyRows(start);
        assert.equal(daily.size, expected.size, 'one daily row per key of the hours');
        for (const [key, row] of expected) {
          assert.equal(daily.get(key)?.clicks, row.clicks, key);
          assert.deepEqual(Buffer.from(daily.get(key)!.visitors), Buffer.from(row.sketch.toBytes()), `${key}: canonical sketch of the union`);
        }
      }
      assertBreakdown((await ask()({ groupBy: 'country', ...range })).data as KeyedCounts[], oracle(events, 'country'));
      assertBreakdown((await ask()({ groupBy: 'link', ...range })).data as KeyedCounts[], oracle(events, 'link'));
      const total = (await ask()({ groupBy: 'time', interval: 'day', ...range })).total as { clicks: number };
      assert.equal(total.clicks, totalOf(events).clicks);
    });

    it('a late click makes its day stale again: counted at once from hourly rows, then rolled into the daily rows', async () => {
      const late = click(workspaceId, links[0]!, first + DAY + 5 * HOUR, { country: 'JP', visitorId: visitor(999) });
      await new SqlClickStore(db).ingest([late]);
      assert.deepEqual(await stale(), [first + DAY, open]);
      const all = [...events, late];
      assertBreakdown((await ask()({ groupBy: 'country', ...range })).data as KeyedCounts[], oracle(all, 'country'), 'before the roll');
      assert.equal((await dailyRows(first + DAY)).get('|country|false|JP'), undefined);
      assert.equal(await new DailyRollups(db, GRACE).run(open + GRACE), 1);
      assert.equal((await dailyRows(first + DAY)).get('|country|false|JP')?.clicks, 1);
      assertBreakdown((await ask()({ groupBy: 'country', ...range })).data as KeyedCounts[], oracle(all, 'country'), 'after the roll');
      const series = await ask()({ groupBy: 'time', interval: 'day', link: links[0], ...range });
      assert.deepEqual(series.data.map((d) => d.clicks), [16, 17, 16, 16], 'the late click on the second day; bots left out');
    });

    it('replaces daily rows written before (at ingest, before migration 0009) instead of adding to them', async () => {
      const day = first + 2 * DAY;
      const before = await dailyRows(day);
      await sql`update click_rollups_daily set clicks = clicks + 1000 where workspace_id = ${workspaceId} and bucket = ${new Date(day).toISOString()}::timestamptz`.execute(db);
      await sql`update click_day_rollups set stale = true where workspace_id = ${workspaceId} and bucket = ${new Date(day).toISOString()}::timestamptz`.execute(db);
      assert.equal(await new DailyRollups(db).roll(workspaceId, day), true);
      assert.equal(await new DailyRollups(db).roll(workspaceId, day), false, 'already rolled');
      assert.deepEqual(await dailyRows(day), before);
    });
  });
}
