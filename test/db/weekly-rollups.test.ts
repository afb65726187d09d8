import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import { DailyRollups, WeeklyRollups } from '../../src/adapters/db/period-rollups.sql.js';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import type { KeyedCounts } from '../../src/core/analytics/analytics-query.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { VisitorSketch } from '../../src/core/analytics/hll.js';
import { engines } from '../support/engines.js';
import { analyticsService, assertBreakdown, click, oracle, querier, visitor } from './analytics-fixtures.js';
import { workspaceWithLinks } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const DAY_GRACE = 5 * 60_000;
const WEEK_GRACE = 10 * 60_000;

for (const engine of engines) {
  describe(`WeeklyRollups on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let workspaceId: string;
    let links: string[];
    const events: ClickEvent[] = [];
    // Two closed ISO weeks (2026-03-02 is a Monday) and the first day of the next, still open.
    const first = Date.UTC(2026, 2, 2);
    const open = first + 2 * WEEK;
    const ask = () => querier(analyticsService(db), workspaceId);
    const range = { from: '2026-03-02', to: '2026-03-17' };
    const iso = (ms: number) => new Date(ms).toISOString();

    const weekState = async () => (await sql<{ week: number; stale: boolean }>`select (extract(epoch from bucket) * 1000)::bigint as week, stale
      from click_week_rollups where workspace_id = ${workspaceId} order by bucket`.execute(db)).rows.map((r) => [Number(r.week), r.stale]);
    async function rows(table: 'click_rollups_daily' | 'click_rollups_weekly', from: number, to: number) {
      return db.selectFrom(table).select(['link_id', 'dimension', 'bot', 'value', 'clicks', 'visitors'])
        .where('workspace_id', '=', workspaceId).where('bucket', '>=', new Date(from)).where('bucket', '<', new Date(to)).execute();
    }
    /** What a week's rows must be: per key, the sum of its days' clicks and the canonical union of their sketches. */
    async function expectedWeek(week: number) {
      const expected = new Map<string, { clicks: number; sketch: VisitorSketch }>();
      for (const d of await rows('click_rollups_daily', week, week + WEEK)) {
        const key = `${d.link_id}|${d.dimension}|${d.bot}|${d.value}`;
        const row = expected.get(key) ?? { clicks: 0, sketch: VisitorSketch.empty() };
        row.clicks += Number(d.clicks);
        row.sketch.mergeStored(d.visitors);
        expected.set(key, row);
      }
      return expected;
    }
    async function assertWeekRows(week: number) {
      const expected = await expectedWeek(week);
      const weekly = new Map((await rows('click_rollups_weekly', week, week + 1)).map((r) => [`${r.link_id}|${r.dimension}|${r.bot}|${r.value}`, r]));
      assert.equal(weekly.size, expected.size, 'one weekly row per key of the days');
      for (const [key, row] of expected) {
        assert.equal(Number(weekly.get(key)?.clicks), row.clicks, key);
        assert.deepEqual(Buffer.from(weekly.get(key)!.visitors), Buffer.from(row.sketch.toBytes()), `${key}: canonical sketch of the union`);
      }
    }
    /** Adds `n` clicks to every weekly row of the workspace-level country breakdown: an answer that reads them shows it. */
    const taint = (n: number) => sql`update click_rollups_weekly set clicks = clicks + ${n}
      where workspace_id = ${workspaceId} and link_id = '' and dimension = 'country'`.execute(db);
    const countries = async () => (await ask()({ groupBy: 'country', ...range })).data as KeyedCounts[];

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      ({ workspaceId, links } = await workspaceWithLinks(db, 2));
      const codes = ['US', 'DE', 'FR', null];
      for (let day = 0; day < 15; day++) {
        for (let n = 0; n < 20; n++) {
          events.push(click(workspaceId, links[n % 2]!, first + day * DAY + (n % 24) * HOUR + n,
            { country: codes[(n + day) % 4]!, bot: n % 10 === 0, visitorId: visitor((n + day) % 30) }));
        }
      }
      await new SqlClickStore(db).ingest(events);
    });
    after(async () => { await handle.close(); });

    it('each day\'s roll marks its week; closed weeks are rolled after their grace into the sum and union of their days', async () => {
      assert.deepEqual(await weekState(), [], 'ingest marks days, not weeks');
      assert.equal(await new DailyRollups(db, DAY_GRACE).run(open + DAY + DAY_GRACE), 15);
      assert.deepEqual(await weekState(), [[first, true], [first + WEEK, true], [open, true]]);
      const weekly = new WeeklyRollups(db, WEEK_GRACE);
      assert.equal(await weekly.run(open + WEEK_GRACE - 1), 1, 'the second week is still in its grace period');
      assert.equal(await weekly.run(open + WEEK_GRACE), 1);
      assert.equal(await weekly.run(open + DAY), 0, 'the open week waits for its end');
      assert.deepEqual(await weekState(), [[first, false], [first + WEEK, false], [open, true]]);
      await assertWeekRows(first);
      await assertWeekRows(first + WEEK);
      assertBreakdown(await countries(), oracle(events, 'country'));
      assertBreakdown((await ask()({ groupBy: 'link', ...range })).data as KeyedCounts[], oracle(events, 'link'));
    });

    it('analytics read a rolled week from its weekly rows, and a week the range cuts from its days', async () => {
      const plus = (expected: KeyedCounts[], n: number) => expected.map((r) => ({ ...r, clicks: r.clicks + n }));
      await taint(1000);
      try {
        assertBreakdown(await countries(), plus(oracle(events, 'country'), 2000), 'both weeks from weekly rows');
        const cut = (await ask()({ groupBy: 'country', from: '2026-03-03', to: '2026-03-17' })).data as KeyedCounts[];
        assertBreakdown(cut, plus(oracle(events.filter((e) => e.at.getTime() >= first + DAY), 'country'), 1000), 'the first week cut: from its days');
      } finally {
        await taint(-1000);
      }
      assertBreakdown(await countries(), oracle(events, 'country'));
    });

    it('a late click is counted at once; its day\'s roll makes the week stale, read from its days until rolled again', async () => {
      const late = click(workspaceId, links[0]!, first + 2 * DAY + 5 * HOUR, { country: 'JP', visitorId: visitor(999) });
      await new SqlClickStore(db).ingest([late]);
      const all = [...events, late];
      assertBreakdown(await countries(), oracle(all, 'country'), 'the stale day from hourly rows, beside the rest of its week from daily rows');
      assert.equal(await new DailyRollups(db, DAY_GRACE).run(open + DAY + DAY_GRACE), 1);
      assert.deepEqual(await weekState(), [[first, true], [first + WEEK, false], [open, true]]);
      assertBreakdown(await countries(), oracle(all, 'country'), 'the stale week from daily rows');
      assert.equal(await new WeeklyRollups(db, WEEK_GRACE).run(open + WEEK_GRACE), 1);
      assert.equal((await rows('click_rollups_weekly', first, first + 1)).find((r) => r.dimension === 'country' && r.value === 'JP')?.clicks, 1);
      await assertWeekRows(first);
      assertBreakdown(await countries(), oracle(all, 'country'), 'after the week\'s roll');
      assert.equal(await new WeeklyRollups(db, WEEK_GRACE).roll(workspaceId, first), false, 'already rolled');
      await sql`update click_week_rollups set stale = true where workspace_id = ${workspaceId} and bucket = ${iso(first)}::timestamptz`.execute(db);
      const before = await rows('click_rollups_weekly', first, first + 1);
      assert.equal(await new WeeklyRollups(db, WEEK_GRACE).roll(workspaceId, first), true);
      assert.deepEqual(await rows('click_rollups_weekly', first, first + 1), before, 'a roll replaces the week\'s rows, never adds to them');
    });
  });
}
